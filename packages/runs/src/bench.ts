/**
 * The results file of a model package's `bench` task (`pnpm bench`): what one quick or paper-scale
 * run of the package's experiment measured — per parameterization the metric against steps and
 * against seconds, throughput — plus tables of extra speed measurements, and the machine. Model
 * packages write it (`writeBenchResults` in @wn/runs/node); apps/bench reads every package's file
 * (`parseBenchResults`) and renders the one report.
 */
import { WnError } from '@wn/tensor';
import { FieldReader } from './checked.js';

/** The budgets of `WN_BENCH_MODE`: `quick` (minutes on 2 cores) and `paper` (the issues' scale). */
export const BENCH_MODES = ['quick', 'paper'] as const;
/** One of `BENCH_MODES`. */
export type BenchMode = (typeof BENCH_MODES)[number];

/** The budget a `WN_BENCH_MODE` value asks for (unset or empty: `quick`); anything else is an error naming the variable. */
export function benchMode(value: string | undefined): BenchMode {
  if (value === undefined || value === '') return 'quick';
  if ((BENCH_MODES as readonly string[]).includes(value)) return value as BenchMode;
  throw new WnError('benchMode', `WN_BENCH_MODE expected one of ${BENCH_MODES.join(', ')}, got '${value}'`);
}

/** One point of a learning curve: after `step` steps (epochs, frames …) and `seconds` of training. */
export interface BenchPoint {
  /** steps done (epochs, frames …: `BenchExperiment.stepLabel`) */
  step: number;
  /** cumulative training seconds at that point */
  seconds: number;
  /** the metric there */
  value: number;
}

/** One parameterization's run: its curve and its throughput. */
export interface BenchSeries {
  /** the parameterization ('standard', 'weightnorm', …) */
  name: string;
  /** the learning curve, in step order */
  points: BenchPoint[];
  /** items per second of training (images, frames …: `BenchExperiment.throughputUnit`) */
  throughput: number;
}

/** One experiment of a package (a package may run several, e.g. the VAE and DRAW). */
export interface BenchExperiment {
  /** a short name, unique within the package (chart file names use it) */
  id: string;
  /** the heading of the experiment's report section */
  title: string;
  /** the settings in words (dataset, sizes, budget) */
  settings: string;
  /** the metric, e.g. 'test error', and whether lower or higher is better */
  metric: string;
  /** which direction of the metric is better */
  better: 'lower' | 'higher';
  /** what a step is, e.g. 'epoch' or 'frames' */
  stepLabel: string;
  /** the unit of `BenchSeries.throughput`, e.g. 'images/s' */
  throughputUnit: string;
  /** one per parameterization */
  series: BenchSeries[];
}

/** A table of extra measurements (env steps/s per game, frames/s of a training run …). */
export interface BenchTable {
  /** the table's heading */
  title: string;
  /** the columns, in order */
  columns: string[];
  /** one array of cells per row, in column order */
  rows: (string | number)[][];
  /** how it was measured */
  note?: string;
}

/** The machine a bench ran on, and how busy it was. */
export interface BenchMachine {
  /** the CPU model */
  cpu: string;
  /** logical cores */
  cores: number;
  /** the Node.js version */
  node: string;
  /** the `@wn/tensor` backend the bench ran on */
  backend: string;
  /** the backend's worker threads (wasm; null for the others) */
  threads: number | null;
  /** whether the wasm kernels used relaxed-SIMD fused multiply-add (null: not wasm) */
  relaxedSimd: boolean | null;
  /** 1-, 5- and 15-minute load averages at the start and at the end */
  loadavg: {
    /** at the start of the bench */
    start: number[];
    /** at its end */
    end: number[];
  };
}

/** A model package's bench results file. */
export interface BenchResults {
  /** the file format: `BENCH_FORMAT` */
  format: typeof BENCH_FORMAT;
  /** the package, e.g. '@wn/rl-dqn' */
  package: string;
  /** the budget it ran under */
  mode: BenchMode;
  /** ISO time the run ended */
  date: string;
  /** wall-clock seconds of the whole bench */
  wallSeconds: number;
  /** where it ran, and how loaded the machine was */
  machine: BenchMachine;
  /** the package's experiments */
  experiments: BenchExperiment[];
  /** extra speed measurements */
  tables: BenchTable[];
}

/** The `format` field of a results file. */
export const BENCH_FORMAT = 'wn-bench-results/1';

/** Reads and checks a results file's text; a `CorruptFileError` names the file and the bad field. */
export function parseBenchResults(text: string, file: string): BenchResults {
  const r = new FieldReader(file);
  const o = r.object(r.json(text, ''), '');
  const str = (obj: Record<string, unknown>, k: string, at: string) => r.field(obj, k, at, (v, f) => r.string(v, f));
  const num = (obj: Record<string, unknown>, k: string, at: string) => r.field(obj, k, at, (v, f) => r.number(v, f));
  if (o.format !== BENCH_FORMAT) r.fail('format', `expected '${BENCH_FORMAT}', got ${JSON.stringify(o.format)}`);
  const mode = str(o, 'mode', '');
  if (!(BENCH_MODES as readonly string[]).includes(mode)) r.fail('mode', `expected one of ${BENCH_MODES.join(', ')}, got '${mode}'`);
  const m = r.field(o, 'machine', '', (v, f) => r.object(v, f));
  const load = r.field(m, 'loadavg', 'machine', (v, f) => r.object(v, f));
  const numbers = (v: unknown, f: string) => r.array(v, f).map((x, i) => r.number(x, `${f}[${i}]`));
  const nullable = <T>(v: unknown, f: string, read: (v: unknown, f: string) => T): T | null => (v === null || v === undefined ? null : read(v, f));
  const experiments = r.field(o, 'experiments', '', (v, f) => r.array(v, f).map((e, i): BenchExperiment => {
    const at = `${f}[${i}]`;
    const x = r.object(e, at);
    const better = str(x, 'better', at);
    if (better !== 'lower' && better !== 'higher') return r.fail(`${at}.better`, `expected 'lower' or 'higher', got '${better}'`);
    return {
      id: str(x, 'id', at), title: str(x, 'title', at), settings: str(x, 'settings', at), metric: str(x, 'metric', at), better,
      stepLabel: str(x, 'stepLabel', at), throughputUnit: str(x, 'throughputUnit', at),
      series: r.field(x, 'series', at, (sv, sf) => r.array(sv, sf).map((s, j): BenchSeries => {
        const sat = `${sf}[${j}]`;
        const so = r.object(s, sat);
        return {
          name: str(so, 'name', sat), throughput: num(so, 'throughput', sat),
          points: r.field(so, 'points', sat, (pv, pf) => r.array(pv, pf).map((p, k) => {
            const pat = `${pf}[${k}]`;
            const po = r.object(p, pat);
            return { step: num(po, 'step', pat), seconds: num(po, 'seconds', pat), value: num(po, 'value', pat) };
          })),
        };
      })),
    };
  }));
  const tables = r.field(o, 'tables', '', (v, f) => r.array(v, f).map((t, i): BenchTable => {
    const at = `${f}[${i}]`;
    const x = r.object(t, at);
    return {
      title: str(x, 'title', at),
      columns: r.field(x, 'columns', at, (cv, cf) => r.array(cv, cf).map((c, j) => r.string(c, `${cf}[${j}]`))),
      rows: r.field(x, 'rows', at, (rv, rf) => r.array(rv, rf).map((row, j) => r.array(row, `${rf}[${j}]`).map((c, k) => (typeof c === 'number' ? c : r.string(c, `${rf}[${j}][${k}]`))))),
      ...(x.note === undefined ? {} : { note: str(x, 'note', at) }),
    };
  }));
  return {
    format: BENCH_FORMAT, package: str(o, 'package', ''), mode: mode as BenchMode, date: str(o, 'date', ''), wallSeconds: num(o, 'wallSeconds', ''),
    machine: {
      cpu: str(m, 'cpu', 'machine'), cores: num(m, 'cores', 'machine'), node: str(m, 'node', 'machine'), backend: str(m, 'backend', 'machine'),
      threads: nullable(m.threads, 'machine.threads', (v, f) => r.number(v, f)),
      relaxedSimd: nullable(m.relaxedSimd, 'machine.relaxedSimd', (v, f) => r.boolean(v, f)),
      loadavg: { start: r.field(load, 'start', 'machine.loadavg', numbers), end: r.field(load, 'end', 'machine.loadavg', numbers) },
    },
    experiments,
    tables,
  };
}

/**
 * A curve's points from metrics rows: `step` and `value` name the rows' fields, `seconds` is the
 * rows' cumulative training time; rows without a finite value (no episode finished yet …) are left out.
 */
export function benchPoints(rows: readonly Readonly<Record<string, number | undefined>>[], step: string, value: string, seconds = 'seconds'): BenchPoint[] {
  const out: BenchPoint[] = [];
  for (const r of rows) {
    const [s, t, v] = [r[step], r[seconds], r[value]];
    if (typeof s === 'number' && typeof t === 'number' && typeof v === 'number' && Number.isFinite(v)) out.push({ step: s, seconds: t, value: v });
  }
  return out;
}
