/**
 * DQN comparisons: parameterizations × seeds on the same env and budget (@wn/runs'
 * `compareVariants` with `train` as the callback), then a learning-curve chart (100-episode mean
 * return vs frames, mean ± sd over seeds) and a summary table: frames to "solved", final
 * 100-episode return, final evaluation return, speed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareVariants, markdownTable, mean, renderChart, rowsOf, sampleSd, seedSeries, type JsonValue, type ProgressSink } from '@wn/runs';
import { checkComparisonFolder, runModeOf, writeFileAtomic, writeSummaryFiles } from '@wn/runs/node';
import { presetArgs, train, type Args, type DqnMetrics, type PresetName, type TrainOptions, type TrainResult } from './dqn.js';
import type { QVariant } from './qnet.js';

/** Options of {@link compare}. */
export interface CompareOptions {
  /** The preset every run starts from. */
  preset: PresetName;
  /** overrides applied to every variant's preset settings (variant, seed and outDir are set per run) */
  overrides: Partial<Args>;
  /** The Q-network variants to train. */
  variants: readonly QVariant[];
  /** The seeds; every variant is trained once per seed. */
  seeds: readonly number[];
  /** The comparison's folder: one sub-folder per run (`<variant>/seed-<n>`), plus the charts and the summary. */
  outDir: string;
  /** Continue the runs from their checkpoints (default false). */
  resume?: boolean;
  /** Replace results already in `outDir` (default false: refused). */
  overwrite?: boolean;
  /** Aborting stops the running job after its current frame (saving a checkpoint) and returns `interrupted: true`. */
  signal?: AbortSignal;
  /** Where progress goes (default stderr); null for silence. */
  progress?: ProgressSink | null;
  /** No progress bar, only log lines. */
  quiet?: boolean;
  /** Builds the environment instead of the registry (tests use a small chain). */
  makeEnv?: TrainOptions['makeEnv'];
}

/** One variant's line of the comparison's summary. */
export interface SummaryRow {
  /** The Q-network variant. */
  variant: QVariant;
  /** How many seeds were trained. */
  seeds: number;
  /** The learning rate used. */
  lr: number;
  /** per seed: frame at which the 100-episode mean first reached `solvedReturn` (null: never) */
  solved_at: (number | null)[];
  /** Mean over seeds of each run's final 100-episode mean return. */
  final_return_mean100: number;
  /** Sample standard deviation of those over seeds. */
  final_return_mean100_sd: number;
  /** mean over seeds of each run's final evaluation mean, and its sd over seeds */
  eval_mean: number | null;
  /** Sample standard deviation over seeds of the final evaluation means (null without evaluation). */
  eval_sd: number | null;
  /** Evaluation episodes per run. */
  eval_episodes: number;
  /** Environment frames per second (wall clock, mean over seeds). */
  frames_per_second: number;
  /** Gradient updates per second (wall clock, mean over seeds). */
  updates_per_second: number;
}

/** What {@link compare} returns. */
export interface CompareResult {
  /** The comparison's folder. */
  outDir: string;
  /** One summary row per finished variant. */
  rows: SummaryRow[];
  /** The summary as a Markdown table. */
  table: string;
  /** Whether the comparison stopped early (a signal). */
  interrupted: boolean;
}

const fmt = (v: number | null, digits = 1) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits));

/**
 * The summary rows as a Markdown table (returns with ± sd over seeds, frames to the solved threshold per seed,
 * throughput).
 */
export function formatSummaryTable(rows: readonly SummaryRow[], solvedReturn: number | null): string {
  const header = ['variant', 'lr', 'seeds', solvedReturn === null ? 'solved' : `frames to 100-ep mean ≥ ${solvedReturn} (per seed)`, 'final 100-ep return (mean ± sd)', 'eval return (mean ± sd over seeds)', 'frames/s', 'updates/s'];
  return markdownTable(header, rows.map((r) => [
    r.variant,
    String(r.lr),
    String(r.seeds),
    r.solved_at.map((f) => (f === null ? 'never' : String(f))).join(' / '),
    `${fmt(r.final_return_mean100)} ± ${fmt(r.final_return_mean100_sd)}`,
    r.eval_mean === null ? '—' : `${fmt(r.eval_mean, 2)} ± ${fmt(r.eval_sd, 2)} (${r.eval_episodes} episodes each)`,
    r.frames_per_second.toFixed(0),
    r.updates_per_second.toFixed(0),
  ]));
}

/**
 * Trains every variant once per seed under one preset (resumable run folders under `outDir`), then writes the
 * return charts, `summary.json` and `summary.md`. Throws a `RunFolderError` when `outDir` holds other results and
 * neither `resume` nor `overwrite` is set.
 */
export async function compare(options: CompareOptions): Promise<CompareResult> {
  const { preset, overrides, variants, seeds, outDir } = options;
  const resume = options.resume ?? false, overwrite = options.overwrite ?? false;
  const runDir = (v: QVariant, seed: number) => join(outDir, v, `seed-${seed}`);
  checkComparisonFolder(outDir, variants.flatMap((v) => seeds.map((s) => runDir(v, s))), { resume, overwrite });
  mkdirSync(outDir, { recursive: true });
  const argsOf = (v: QVariant, seed: number): Args => ({ ...presetArgs(preset, v), ...overrides, variant: v, seed, outDir: runDir(v, seed), resume: false, overwrite: false });

  const results = new Map<string, TrainResult>();
  const comparison = await compareVariants({
    variants,
    seeds,
    runOne: async ({ variant, seed, label }) => {
      const r = await train(argsOf(variant, seed), {
        signal: options.signal, progress: options.progress, quiet: options.quiet, label, makeEnv: options.makeEnv,
        mode: runModeOf({ resume, overwrite }, { comparison: true }),
      });
      r.online.dispose();
      results.set(`${variant}/${seed}`, r);
      return { rows: r.metrics, interrupted: r.interrupted };
    },
  });
  const done = comparison.finished;
  const rows: SummaryRow[] = done.map((v) => {
    const own = seeds.map((s) => results.get(`${v}/${s}`)!);
    const lastR100 = own.map((r) => r.metrics.at(-1)?.return_mean100 ?? NaN);
    const evals = own.filter((r) => r.evalReturns.length > 0).map((r) => mean(r.evalReturns));
    const speed = (key: 'frame' | 'updates') => mean(own.map((r) => {
      const last = r.metrics.at(-1);
      return last ? last[key] / last.seconds : NaN;
    }));
    return {
      variant: v,
      seeds: own.length,
      lr: argsOf(v, seeds[0]).lr,
      solved_at: own.map((r) => r.solvedAt),
      final_return_mean100: mean(lastR100),
      final_return_mean100_sd: sampleSd(lastR100),
      eval_mean: evals.length ? mean(evals) : null,
      eval_sd: evals.length ? sampleSd(evals) : null,
      eval_episodes: argsOf(v, seeds[0]).evalEpisodes,
      frames_per_second: speed('frame'),
      updates_per_second: speed('updates'),
    };
  });
  const base = argsOf(variants[0], seeds[0]);
  const table = formatSummaryTable(rows, base.solvedReturn);

  if (done.length > 0) {
    const curve = (runs: readonly (readonly DqnMetrics[])[]) => runs.map((r) => r.filter((m) => m.return_mean100 !== undefined));
    const files = renderChart('return-vs-frames', {
      title: `DQN on ${base.env}: mean return of the last 100 episodes`,
      subtitle: `${preset} preset, ${base.frames.toLocaleString('en-US')} frames${seeds.length > 1 ? `; mean ± sd over ${seeds.length} seeds (band)` : ''}`,
      xLabel: 'frames', yLabel: 'return (100-episode mean)', xMin: 0,
      series: done.map((v) => seedSeries(v, curve(rowsOf(comparison, v) as DqnMetrics[][]), 'frame', 'return_mean100')),
    });
    for (const f of files) writeFileAtomic(join(outDir, f.name), f.bytes);
    const summary = { env: base.env, preset, frames: base.frames, seeds: [...seeds], solved_return: base.solvedReturn, eval_epsilon: base.evalEpsilon, rows };
    writeSummaryFiles(outDir, {
      json: summary as unknown as JsonValue,
      markdown: `# DQN comparison — ${base.env}, ${preset} preset, ${base.frames} frames\n\n${table}\n\n` +
        `"frames to": the first frame at which the mean return of the last 100 training episodes (ε-greedy) reached the threshold. ` +
        `Evaluation: ${base.evalEpisodes} episodes at ε = ${base.evalEpsilon} after training, on a separately seeded env.` +
        `${seeds.length > 1 ? ` Chart: mean over ${seeds.length} seeds, shaded ± one standard deviation.` : ''}\n`,
    });
  }
  return { outDir, rows, table, interrupted: comparison.interrupted };
}
