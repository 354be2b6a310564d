/**
 * Comparisons: variants (parameterizations, architectures…) × seeds, each trained by a callback
 * the model package supplies, then curves averaged over seeds (mean ± sd bands for the charts) and
 * a summary table. No file system here: the node entry writes the results.
 */
import type { MetricsRow } from './metrics.js';
import type { Series } from './plot/chart.js';

/** One (variant, seed) job as the callback sees it. */
export interface ComparisonJob<V extends string> {
  /** The variant this job trains. */
  variant: V;
  /** The seed of this job. */
  seed: number;
  /** 0-based position in the comparison, and the number of jobs */
  index: number;
  /** How many jobs the comparison has. */
  total: number;
  /** "2/10 weightnorm seed 3": for progress lines */
  label: string;
}

/** What the callback returns: the run's metric rows (its curves), whether it stopped early, and anything else (kept as `result`). */
export interface ComparisonRunResult<R extends MetricsRow> {
  /** The run's metric rows, in order. */
  rows: readonly R[];
  /** Whether the run stopped early (interrupted); its variant is then not summarized. */
  interrupted: boolean;
}

/** One finished (or interrupted) job of a comparison. */
export interface ComparedRun<V extends string, T extends ComparisonRunResult<MetricsRow>> {
  /** The variant trained. */
  variant: V;
  /** The seed used. */
  seed: number;
  /** What the job's callback returned. */
  result: T;
}

/** The result of a comparison: every run, and which variants finished. */
export interface Comparison<V extends string, T extends ComparisonRunResult<MetricsRow>> {
  /** Every job's run, in the order they ran. */
  runs: ComparedRun<V, T>[];
  /** variants whose every seed finished (the ones to summarize) */
  finished: V[];
  /** a run stopped early; the comparison stopped there */
  interrupted: boolean;
}

/**
 * Trains every variant under every seed, in order (variant-major), by `runOne`; stops after the
 * first interrupted run (a resumed comparison continues from there).
 */
export async function compareVariants<V extends string, T extends ComparisonRunResult<MetricsRow>>(options: {
  variants: readonly V[];
  seeds: readonly number[];
  runOne: (job: ComparisonJob<V>) => Promise<T>;
}): Promise<Comparison<V, T>> {
  const { variants, seeds } = options;
  const total = variants.length * seeds.length;
  const runs: ComparedRun<V, T>[] = [];
  let interrupted = false;
  outer: for (const variant of variants) {
    for (const seed of seeds) {
      const index = runs.length;
      const label = `${index + 1}/${total} ${variant}${seeds.length > 1 ? ` seed ${seed}` : ''}`;
      const result = await options.runOne({ variant, seed, index, total, label });
      runs.push({ variant, seed, result });
      if (result.interrupted) {
        interrupted = true;
        break outer;
      }
    }
  }
  const finished = variants.filter((v) => runs.filter((r) => r.variant === v && !r.result.interrupted).length === seeds.length);
  return { runs, finished, interrupted };
}

/** The rows of every run of `variant`. */
export const rowsOf = <V extends string, T extends ComparisonRunResult<MetricsRow>>(c: Comparison<V, T>, variant: V): T['rows'][] =>
  c.runs.filter((r) => r.variant === variant).map((r) => r.result.rows);

/** The arithmetic mean of a list (NaN for an empty one). */
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** How far a curve over seeds goes: `partial` continues past the shortest run over the runs that have each row. */
export interface CurveOptions {
  /** Go as far as the longest run, each row over the runs that reached it (runs still training); default: the shortest. */
  partial?: boolean;
}

/**
 * Row by row over seeds: the mean of every numeric field (over the rows that have it), as far as
 * the shortest run goes (or, `partial`, the longest). Fields present in no row stay absent.
 */
export function meanCurve<R extends MetricsRow>(runs: readonly (readonly R[])[], options: CurveOptions = {}): R[] {
  return statCurve(runs, mean, options);
}

/** Row by row over seeds: the sample standard deviation of every field. */
export function sdCurve<R extends MetricsRow>(runs: readonly (readonly R[])[], options: CurveOptions = {}): R[] {
  return statCurve(runs, sampleSd, options);
}

function statCurve<R extends MetricsRow>(runs: readonly (readonly R[])[], stat: (xs: readonly number[]) => number, options: CurveOptions): R[] {
  if (runs.length === 0) return [];
  const n = (options.partial ? Math.max : Math.min)(...runs.map((r) => r.length));
  return Array.from({ length: n }, (_, i) => {
    const at = runs.filter((r) => i < r.length).map((r) => r[i]);
    const keys = [...new Set(at.flatMap((row) => Object.keys(row)))];
    const out: Record<string, number> = {};
    for (const k of keys) {
      const xs = at.map((row) => row[k]).filter((v): v is number => typeof v === 'number');
      if (xs.length) out[k] = stat(xs);
    }
    return out as R;
  });
}

/**
 * A chart series for one variant: the seed-mean of `y` against the seed-mean of `x`, with a
 * mean ± sd band when there are several seeds.
 */
export function seedSeries(name: string, runs: readonly (readonly MetricsRow[])[], x: string, y: string, options: CurveOptions = {}): Series {
  const m = meanCurve(runs, options);
  const sd = sdCurve(runs, options);
  const points = m.map((row) => [row[x] ?? NaN, row[y] ?? NaN] as const);
  if (runs.length < 2) return { name, points };
  const band = m.map((row, i) => [row[x] ?? NaN, (row[y] ?? NaN) - (sd[i][y] ?? NaN), (row[y] ?? NaN) + (sd[i][y] ?? NaN)] as const);
  return { name, points, band };
}

/** A Markdown table; the first column left-aligned, the others right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}
