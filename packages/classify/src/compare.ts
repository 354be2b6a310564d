/**
 * The comparison behind the paper's Figure 1: the same network, data and budget under each
 * parameterization (and seed) — @wn/runs' `compareVariants` with `train` as the callback — then
 * one chart per curve (mean ± sd over seeds) and a table of final errors, time and throughput.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { VariantName } from '@wn/layers';
import { compareVariants, markdownTable, mean, meanCurve, rowsOf, sampleSd, type JsonValue, type ProgressSink } from '@wn/runs';
import { checkComparisonFolder, runModeOf, writeFileAtomic, writeSummaryFiles } from '@wn/runs/node';
import type { ClassificationData } from './batches.js';
import { epochAxisLabel, errorCharts } from './charts.js';
import { loadClassificationData } from './datasets.js';
import type { EpochMetrics } from './metrics.js';
import { defaultLearningRate, train, type Args, type TrainOptions, type TrainResult } from './trainer.js';

/** Options of {@link compare}. */
export interface CompareOptions {
  /** settings shared by every run (parameterization, seed and outDir are set per run) */
  args: Args;
  /** The parameterizations to train. */
  parameterizations: readonly VariantName[];
  /** The seeds; every parameterization is trained once per seed. */
  seeds: readonly number[];
  /** the comparison's folder: one sub-folder per run, plus charts and the summary */
  outDir: string;
  /** Preloaded data (shared by every run); loaded from `args` when omitted. */
  data?: ClassificationData;
  /** Aborting stops the running job after its current step (saving a checkpoint) and returns `interrupted: true`. */
  signal?: AbortSignal;
  /** Where progress goes (default stderr); null for silence. */
  progress?: ProgressSink | null;
  /** progress: only a line per epoch */
  quiet?: boolean;
  /** passed to every run's trainer (tests use it to interrupt) */
  onStep?: TrainOptions['onStep'];
}

/**
 * One parameterization's line of the comparison's summary (the numbers are means over seeds unless named
 * otherwise).
 */
export interface SummaryRow {
  /** The parameterization. */
  parameterization: VariantName;
  /** How many seeds were trained. */
  seeds: number;
  /** The Adam learning rate used. */
  learning_rate: number;
  /** means over seeds */
  final_test_error: number;
  /** each seed's final test error, in seed order, and their sample standard deviation (0 for one seed) */
  final_test_errors: number[];
  /** Sample standard deviation of the per-seed final test errors. */
  final_test_error_sd: number;
  /** Lowest test error over the epochs (seed-averaged curve). */
  best_test_error: number;
  /** Final training error (fraction). */
  final_train_error: number;
  /** Final test loss (mean cross-entropy, nats). */
  final_test_loss: number;
  /** Total training wall-clock seconds. */
  train_seconds: number;
  /** Training images per second (wall clock). */
  examples_per_second: number;
  /** process CPU milliseconds per training image (all threads) */
  cpu_ms_per_example: number;
  /** first epoch at which the seed-averaged test error is ≤ the target (standard's final test error); null if never */
  epochs_to_target: number | null;
  /** Training seconds until the seed-averaged test error first reached the target; null if never. */
  seconds_to_target: number | null;
}

/** What {@link compare} returns. */
export interface CompareResult {
  /** The comparison's folder. */
  outDir: string;
  /** One summary row per finished parameterization. */
  rows: SummaryRow[];
  /** the target error used for "epochs to target" */
  target_error: number | null;
  /** The summary as a Markdown table. */
  table: string;
  /** Whether the comparison stopped early (a signal); the unfinished parameterizations have no row. */
  interrupted: boolean;
  /** Every run, by parameterization and seed, with its trainer result. */
  runs: {
    /** The parameterization trained. */
    parameterization: VariantName;
    /** The seed used. */
    seed: number;
    /** What {@link train} returned. */
    result: TrainResult;
  }[];
}

/** Training examples processed over a run. */
const examplesSeen = (metrics: readonly EpochMetrics[]) => metrics.reduce((s, e) => s + e.epoch_seconds * e.examples_per_second, 0);

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/**
 * The summary rows as a Markdown table: errors in percent, mean ± sd with per-seed values when there are several
 * seeds, and epochs/seconds to the target error.
 */
export function formatSummaryTable(rows: readonly SummaryRow[], target: number | null): string {
  const seeded = rows.some((r) => r.seeds > 1);
  const header = ['parameterization', 'lr', seeded ? 'final test error: mean ± sd (per seed)' : 'final test error', 'best test error', 'final train error', 'train time (s)', 'images/s', 'CPU ms/image', target === null ? 'epochs to target' : `epochs to ≤ ${pct(target)} test`, 'seconds to target'];
  return markdownTable(header, rows.map((r) => [
    r.parameterization,
    String(r.learning_rate),
    r.seeds > 1 ? `${pct(r.final_test_error)} ± ${(r.final_test_error_sd * 100).toFixed(2)} (${r.final_test_errors.map((e) => (e * 100).toFixed(1)).join(' / ')})` : pct(r.final_test_error),
    pct(r.best_test_error),
    pct(r.final_train_error),
    r.train_seconds.toFixed(1),
    r.examples_per_second.toFixed(0),
    r.cpu_ms_per_example.toFixed(2),
    r.epochs_to_target === null ? '—' : String(r.epochs_to_target),
    r.seconds_to_target === null ? '—' : r.seconds_to_target.toFixed(1),
  ]));
}

/**
 * Trains every parameterization once per seed on the same data and budget (resumable run folders under `outDir`),
 * then writes the learning-curve charts, `summary.json` and `summary.md`. Throws a `RunFolderError` when `outDir`
 * holds another comparison (unless resuming or overwriting).
 */
export async function compare(options: CompareOptions): Promise<CompareResult> {
  const { args, parameterizations, seeds, outDir } = options;
  const runDir = (p: VariantName, seed: number) => (seeds.length > 1 ? join(outDir, p, `seed-${seed}`) : join(outDir, p));
  checkComparisonFolder(outDir, parameterizations.flatMap((p) => seeds.map((s) => runDir(p, s))), args);
  mkdirSync(outDir, { recursive: true });
  const data = options.data ?? (await loadClassificationData(args));

  const comparison = await compareVariants({
    variants: parameterizations,
    seeds,
    runOne: async ({ variant, seed, label }) => {
      const result = await train(
        { ...args, parameterization: variant, seed, outDir: runDir(variant, seed) },
        // a resumed comparison starts the runs that had not begun
        { data, signal: options.signal, progress: options.progress, quiet: options.quiet, onStep: options.onStep, label, mode: runModeOf(args, { comparison: true }) },
      );
      return { rows: result.metrics, interrupted: result.interrupted, result };
    },
  });
  const runs = comparison.runs.map((r) => ({ parameterization: r.variant, seed: r.seed, result: r.result.result }));
  const done = comparison.finished;
  const curves = new Map(done.map((p) => [p, meanCurve(rowsOf(comparison, p))]));
  const standard = curves.get('standard');
  const finals = [...curves.values()].map((c) => c[c.length - 1]?.test_error ?? NaN);
  const target = standard?.length ? standard[standard.length - 1].test_error : finals.length ? Math.max(...finals) : null;

  const rows: SummaryRow[] = done.map((p) => {
    const own = rowsOf(comparison, p);
    const last = own.map((m) => m[m.length - 1]);
    // on the seed-averaged curve, the one the charts show
    const hit = target === null ? null : (curves.get(p)!.find((m) => m.test_error <= target + 1e-12) ?? null);
    return {
      parameterization: p,
      seeds: own.length,
      learning_rate: args.lr ?? defaultLearningRate(p),
      final_test_error: mean(last.map((m) => m.test_error)),
      final_test_errors: last.map((m) => m.test_error),
      final_test_error_sd: sampleSd(last.map((m) => m.test_error)),
      best_test_error: mean(own.map((m) => Math.min(...m.map((e) => e.test_error)))),
      final_train_error: mean(last.map((m) => m.train_error)),
      final_test_loss: mean(last.map((m) => m.test_loss)),
      train_seconds: mean(last.map((m) => m.seconds)),
      examples_per_second: mean(own.map((m) => examplesSeen(m) / m[m.length - 1].seconds)),
      cpu_ms_per_example: mean(own.map((m) => (1000 * m[m.length - 1].cpu_seconds) / examplesSeen(m))),
      epochs_to_target: hit?.epoch ?? null,
      seconds_to_target: hit?.seconds ?? null,
    };
  });
  const table = formatSummaryTable(rows, target);

  if (done.length > 0) {
    const files = errorCharts(done.map((p) => ({ name: p, runs: rowsOf(comparison, p) })), data.name, epochAxisLabel(args.epochSteps, args.batchSize));
    for (const f of files) writeFileAtomic(join(outDir, f.name), f.bytes);
    const summary = { dataset: data.name, target_error: target, rows, curves: Object.fromEntries(curves) };
    writeSummaryFiles(outDir, {
      json: summary as unknown as JsonValue,
      markdown: `# Parameterization comparison — ${data.name}\n\n${table}\n\n` +
        `Target for "epochs to": the ${standard ? 'standard parameterization' : 'worst'}'s final test error. ` +
        `Training error is the minibatch average during each epoch (noise and dropout on); test error is in eval mode.` +
        `${seeds.length > 1 ? ` Charts: mean over ${seeds.length} seeds, shaded ± one standard deviation.` : ''}\n`,
    });
  }
  return { outDir, rows, target_error: target, table, interrupted: comparison.interrupted, runs };
}
