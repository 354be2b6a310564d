/**
 * The runs under a folder as data, for reports on experiments that are finished, still training or
 * interrupted: each run's settings, its metric rows so far and its summary once it has one. Reading
 * never writes, so a report can run beside the training processes.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { ChartFile } from '../charts.js';
import { FieldReader, type JsonValue } from '../checked.js';
import { RunFolderError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import type { MetricsRow } from '../metrics.js';
import { findRunFolders, readMetricsJsonl, readRunSettings, RUN_FILES } from './run-folder.js';

/** One run folder's contents, as a report reads them. */
export interface CollectedRun<R extends MetricsRow = MetricsRow> {
  /** The run folder (absolute). */
  dir: string;
  /** The folder relative to the collected root, e.g. `weightnorm/seed-2`. */
  name: string;
  /** The run's settings (config.json's, or its checkpoint header's before config.json exists). */
  settings: Record<string, unknown>;
  /** The metric rows written so far. */
  rows: R[];
  /** summary.json once the run has finished (null before). */
  summary: Record<string, unknown> | null;
  /** Whether the run finished (its final model is written). */
  finished: boolean;
}

/**
 * Every run `kind` wrote at or below `dir` — folders holding weights (as {@link findRunFolders} finds them) or only
 * the run's config.json and metrics (a copy of a run without its checkpoint still has its curve) — sorted by folder
 * name (`required`: a `RunFolderError` when there is none). Errors name the file that cannot be read.
 */
export function collectRuns<R extends MetricsRow = MetricsRow>(dir: string, kind: string, options: { depth?: number; required?: boolean } = {}): CollectedRun<R>[] {
  const depth = options.depth ?? 3;
  const withWeights = findRunFolders(dir, { kind, depth });
  const found = [...new Set([...withWeights, ...configFolders(resolve(dir), kind, depth)])].sort();
  if (found.length === 0 && options.required) throw new RunFolderError(resolve(dir), `holds no ${kind} run (a run folder: its config.json, model.safetensors or checkpoint.safetensors), here or in the folders below`);
  return found.map((run) => {
    const summaryPath = join(run, RUN_FILES.summaryJson);
    let summary: Record<string, unknown> | null = null;
    if (existsSync(summaryPath)) {
      const r = new FieldReader(summaryPath);
      summary = r.object(r.json(readFileSync(summaryPath, 'utf8'), 'summary.json'), 'summary');
    }
    return {
      dir: run,
      name: relative(resolve(dir), run) || '.',
      settings: readRunSettings(run, kind),
      rows: readMetricsJsonl<R>(join(run, RUN_FILES.metrics)),
      summary,
      finished: existsSync(join(run, RUN_FILES.model)),
    };
  });
}

/** A report on a folder of runs, as a model package builds it: Markdown, the same numbers as JSON, and charts. */
export interface RunReport {
  /** The report as Markdown (tables and notes). */
  markdown: string;
  /** The same numbers as JSON. */
  json: JsonValue;
  /** Its charts (SVG and PNG files). */
  charts: ChartFile[];
  /** How many runs were read. */
  runs: number;
  /** How many of them had finished. */
  finished: number;
}

/** Writes a report into `outDir` as report.md, report.json and its chart files (atomically); returns the file names. */
export function writeRunReport(outDir: string, report: RunReport): string[] {
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'report.md'), report.markdown.endsWith('\n') ? report.markdown : report.markdown + '\n');
  writeFileAtomic(join(outDir, 'report.json'), JSON.stringify(report.json, null, 2) + '\n');
  for (const f of report.charts) writeFileAtomic(join(outDir, f.name), f.bytes);
  return ['report.md', 'report.json', ...report.charts.map((f) => f.name)];
}

/** Folders at or below `dir` whose config.json `kind` wrote (checked when collected), up to `depth` levels down. */
function configFolders(dir: string, kind: string, depth: number): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const config = join(dir, RUN_FILES.config);
  if (existsSync(config)) {
    try {
      return (JSON.parse(readFileSync(config, 'utf8')) as { kind?: unknown }).kind === kind ? [dir] : [];
    } catch {
      return [dir]; // collecting it names the problem
    }
  }
  if (depth <= 0) return [];
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => configFolders(join(dir, e.name), kind, depth - 1));
}

/**
 * The runs grouped by one setting (a variant), groups in `order` first (then by first appearance), each group's runs
 * by their `seed` setting.
 */
export function groupRuns<R extends MetricsRow>(runs: readonly CollectedRun<R>[], key: string, order: readonly string[] = []): { group: string; runs: CollectedRun<R>[] }[] {
  const groups = new Map<string, CollectedRun<R>[]>();
  for (const run of runs) {
    const g = String(run.settings[key]);
    groups.set(g, [...(groups.get(g) ?? []), run]);
  }
  const rank = (g: string) => (order.includes(g) ? order.indexOf(g) : order.length);
  const seedOf = (r: CollectedRun<R>) => (typeof r.settings.seed === 'number' ? r.settings.seed : 0);
  return [...groups.entries()]
    .map(([group, rs], i) => ({ group, runs: [...rs].sort((a, b) => seedOf(a) - seedOf(b)), i }))
    .sort((a, b) => rank(a.group) - rank(b.group) || a.i - b.i)
    .map(({ group, runs: rs }) => ({ group, runs: rs }));
}

/**
 * The value of `y` in the last row whose `x` is at most `at` — a curve read at equal x (frames, epochs) across runs;
 * null when no row has reached `at` (within `tolerance` below it) or the value is missing.
 */
export function valueAt(rows: readonly MetricsRow[], x: string, y: string, at: number, tolerance = 0): number | null {
  let found: number | null = null;
  for (const row of rows) {
    const xv = row[x];
    if (typeof xv !== 'number' || xv > at) continue;
    const yv = row[y];
    found = typeof yv === 'number' && Number.isFinite(yv) ? yv : null;
  }
  const last = rows.at(-1)?.[x];
  return typeof last === 'number' && last >= at - tolerance ? found : null;
}
