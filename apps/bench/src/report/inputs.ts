/**
 * Reads what the report shows: every workspace model package with a `bench` script (its
 * `bench-results/bench.json`, written by its bench task) and apps/bench's group results
 * (`results/steps.json`, `kernels.json`, `parameterizations.json`). Missing or unreadable files
 * become inputs that say so; nothing here throws on a bad file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseBenchResults } from '@wn/runs';
import { BENCH_RESULTS_FILE } from '@wn/runs/node';
import type { GroupInput, ModelInput, ReportInputs, StepsRatio } from './render.js';

/** The folder (inside a model package) its bench task writes to. */
export const MODEL_RESULTS_DIR = 'bench-results';
export const GROUPS = ['steps', 'kernels', 'parameterizations'] as const;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** The workspace's model packages that have a `bench` script, by package name, with their folders. */
export function benchPackages(root: string): { name: string; dir: string }[] {
  const base = join(root, 'packages');
  if (!existsSync(base)) return [];
  const out: { name: string; dir: string }[] = [];
  for (const d of readdirSync(base).sort()) {
    const file = join(base, d, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; scripts?: Record<string, string> };
    if (pkg.scripts?.bench) out.push({ name: pkg.name, dir: join(base, d) });
  }
  return out;
}

/** One model package's results file, read and checked. */
export function readModel(root: string, pkg: { name: string; dir: string }): ModelInput {
  const path = join(pkg.dir, MODEL_RESULTS_DIR, BENCH_RESULTS_FILE);
  const file = relative(root, path);
  if (!existsSync(path)) return { package: pkg.name, status: 'missing', file };
  try {
    return { package: pkg.name, status: 'ok', results: parseBenchResults(readFileSync(path, 'utf8'), file) };
  } catch (e) {
    return { package: pkg.name, status: 'unreadable', file, error: message(e) };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const numbers = (v: unknown): number[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? v : null);

/** The paired ratios of a steps.json (its `verdicts`: each comparison and, where the workload has a target, its verdict). */
function stepsRatios(o: Record<string, unknown>): StepsRatio[] {
  const verdicts = Array.isArray(o.verdicts) ? o.verdicts : [];
  const out: StepsRatio[] = [];
  for (const v of verdicts) {
    if (!isObject(v) || !isObject(v.comparison)) continue;
    const c = v.comparison, d = isObject(v.verdict) ? v.verdict : null;
    if (typeof c.workload !== 'string' || typeof c.ratio !== 'number') continue;
    out.push({
      workload: c.workload, wnThreads: Number(c.wnThreads), torchThreads: Number(c.torchThreads), layout: String(c.layout ?? 'contiguous'), pairs: Number(c.pairs), ratio: c.ratio,
      target: d && typeof d.target === 'number' ? d.target : null, status: d && typeof d.status === 'string' ? `${d.status}${typeof d.reason === 'string' ? `: ${d.reason}` : ''}` : null,
    });
  }
  return out;
}

/** One apps/bench group's results file (`results/<name>.json`). */
export function readGroup(root: string, resultsDir: string, name: string): GroupInput {
  const path = join(resultsDir, `${name}.json`);
  const file = relative(root, path);
  const none = (problem: string): GroupInput => ({ name, file, date: null, machine: null, loadavg: null, rows: [], ratios: [], notes: [], tables: [], problem });
  if (!existsSync(path)) return none(`\`${file}\` does not exist (run \`pnpm --filter @wn/bench bench -- ${name}\`)`);
  try {
    const o: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isObject(o) || typeof o.date !== 'string') return none(`\`${file}\` is not a group results file (no date)`);
    const l = isObject(o.loadavg) ? o.loadavg : null;
    const start = l && numbers(l.start), end = l && numbers(l.end);
    const tableRows = (rs: unknown) => (Array.isArray(rs) ? rs.filter(isObject).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? v : String(v)]))) : []);
    const rows = tableRows(o.rows);
    const tables = (Array.isArray(o.tables) ? o.tables : []).filter(isObject).map((t) => ({ title: String(t.title ?? ''), rows: tableRows(t.rows) }));
    const steps = name.startsWith('steps');
    // steps: the PyTorch configuration and the load line (its verdicts are the ratio table); others: every note (their targets)
    const notes = (Array.isArray(o.notes) ? o.notes : []).filter((n): n is string => typeof n === 'string').filter((n) => !steps || /^(PyTorch|Load average)/.test(n));
    return { name, file, date: o.date, machine: typeof o.machine === 'string' ? o.machine : null, loadavg: start && end ? { start, end } : null, rows, ratios: steps ? stepsRatios(o) : [], notes, tables };
  } catch (e) {
    return none(`\`${file}\` is unreadable: ${message(e)}`);
  }
}

/**
 * Other steps runs kept beside `steps.json` (`steps-<label>.json`: an earlier run kept for the
 * spread, a trial of some workloads), by name; each is shown with its own date and load.
 */
export function extraStepsRuns(resultsDir: string): string[] {
  if (!existsSync(resultsDir)) return [];
  return readdirSync(resultsDir).filter((f) => /^steps-[\w.-]+\.json$/.test(f)).sort().map((f) => f.slice(0, -'.json'.length));
}

/** Everything the report shows, from the workspace at `root`. */
export function readReportInputs(root: string, resultsDir = join(root, 'apps', 'bench', 'results')): ReportInputs {
  return {
    date: new Date().toISOString(),
    models: benchPackages(root).map((p) => readModel(root, p)),
    groups: [...GROUPS.map((g) => readGroup(root, resultsDir, g)), ...extraStepsRuns(resultsDir).map((g) => readGroup(root, resultsDir, g))],
  };
}
