/**
 * Variants × seeds of one model on the same data and budget (@wn/runs' `compareVariants` with
 * `train` as the callback), then the paper-style charts — the test ELBO vs epochs and vs seconds,
 * mean ± sd over seeds — and a table of final bounds, spread and time per epoch.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { VariantName } from '@wn/layers';
import { compareVariants, markdownTable, mean, meanCurve, rowsOf, sampleSd, type JsonValue, type ProgressSink } from '@wn/runs';
import { checkComparisonFolder, runModeOf, writeFileAtomic, writeSummaryFiles } from '@wn/runs/node';
import { loadBinarizedData, type BinarizedData } from './data/mnist.js';
import { boundCharts, modelEntry, train, type Args, type EpochMetrics, type TrainOptions, type TrainResult } from './trainer.js';

/** Options of {@link compare}. */
export interface CompareOptions {
  /** shared settings (variant, seed and outDir are set per run) */
  args: Args;
  /** The variants to train. */
  variants: readonly VariantName[];
  /** The seeds; every variant is trained once per seed. */
  seeds: readonly number[];
  /** The comparison's folder: one sub-folder per run, plus the charts and the summary. */
  outDir: string;
  /** Preloaded data (shared by every run); loaded from `args` when omitted. */
  data?: BinarizedData;
  /** Aborting stops the running job after its current step (saving a checkpoint) and returns `interrupted: true`. */
  signal?: AbortSignal;
  /** Where progress goes (default stderr); null for silence. */
  progress?: ProgressSink | null;
  /** No progress bar, only a line per epoch. */
  quiet?: boolean;
  /** Called after every update step (tests interrupt through it). */
  onStep?: TrainOptions['onStep'];
}

/** One variant's line of the comparison's summary (bounds in nats per image; higher is better). */
export interface SummaryRow {
  /** The variant. */
  variant: VariantName;
  /** How many seeds were trained. */
  seeds: number;
  /** means over seeds of the final epoch; sd is the sample standard deviation (0 for one seed) */
  final_test_elbo: number;
  /** Sample standard deviation over seeds of the final test ELBO. */
  final_test_elbo_sd: number;
  /** Each seed's final test ELBO, in seed order. */
  final_test_elbos: number[];
  /** Best test ELBO over the epochs (seed-averaged curve). */
  best_test_elbo: number;
  /** the final test ELBO with the last (not averaged) weights */
  final_test_elbo_raw: number;
  /** Final importance-weighted bound (mean over seeds); null when it was not computed. */
  final_test_iw: number | null;
  /** Importance samples of that bound. */
  iw_k: number;
  /** Final training ELBO (mean over seeds). */
  final_train_elbo: number;
  /** Total training wall-clock seconds (mean over seeds). */
  train_seconds: number;
  /** Training seconds per epoch (mean over seeds). */
  seconds_per_epoch: number;
  /** first epoch whose seed-averaged test ELBO reaches the target (standard's final); null if never */
  epochs_to_target: number | null;
}

/** What {@link compare} returns. */
export interface CompareResult {
  /** The comparison's folder. */
  outDir: string;
  /** One summary row per finished variant. */
  rows: SummaryRow[];
  /** The target test ELBO of "epochs to target" (standard's final); null without a standard run. */
  target: number | null;
  /** The summary as a Markdown table. */
  table: string;
  /** Whether the comparison stopped early (a signal). */
  interrupted: boolean;
  /** Every run, by variant and seed, with its trainer result. */
  runs: {
    /** The variant trained. */
    variant: VariantName;
    /** The seed used. */
    seed: number;
    /** What {@link train} returned. */
    result: TrainResult;
  }[];
}

const nats = (v: number) => v.toFixed(2);

/**
 * The summary rows as a Markdown table (bounds in nats, mean ± sd with per-seed values when there are several
 * seeds).
 */
export function formatSummaryTable(rows: readonly SummaryRow[], target: number | null): string {
  const seeded = rows.some((r) => r.seeds > 1);
  return markdownTable(
    ['variant', seeded ? 'final test ELBO: mean ± sd (per seed)' : 'final test ELBO', 'best test ELBO', 'final, raw weights', 'IW bound', 'final train ELBO', 's / epoch', target === null ? 'epochs to target' : `epochs to ≥ ${nats(target)}`],
    rows.map((r) => [
      r.variant,
      r.seeds > 1 ? `${nats(r.final_test_elbo)} ± ${nats(r.final_test_elbo_sd)} (${r.final_test_elbos.map(nats).join(' / ')})` : nats(r.final_test_elbo),
      nats(r.best_test_elbo),
      nats(r.final_test_elbo_raw),
      r.final_test_iw === null ? '—' : `${nats(r.final_test_iw)} (k = ${r.iw_k})`,
      nats(r.final_train_elbo),
      r.seconds_per_epoch.toFixed(1),
      r.epochs_to_target === null ? '—' : String(r.epochs_to_target),
    ]),
  );
}

/**
 * Trains every variant once per seed with the same data and budget (resumable run folders under `outDir`), then
 * writes the bound charts, `summary.json` and `summary.md`. Throws a `RunFolderError` when `outDir` holds other
 * results (unless resuming or overwriting).
 */
export async function compare(options: CompareOptions): Promise<CompareResult> {
  const { args, variants, seeds, outDir } = options;
  const entry = modelEntry(args.model);
  const runDir = (v: VariantName, seed: number) => join(outDir, v, `seed-${seed}`);
  checkComparisonFolder(outDir, variants.flatMap((v) => seeds.map((s) => runDir(v, s))), args);
  mkdirSync(outDir, { recursive: true });
  const data = options.data ?? loadBinarizedData(args);

  const comparison = await compareVariants({
    variants,
    seeds,
    runOne: async ({ variant, seed, label }) => {
      const result = await train(
        { ...args, variant, seed, outDir: runDir(variant, seed) },
        { data, signal: options.signal, progress: options.progress, quiet: options.quiet, onStep: options.onStep, label, mode: runModeOf(args, { comparison: true }) },
      );
      return { rows: result.metrics, interrupted: result.interrupted, result };
    },
  });
  const runs = comparison.runs.map((r) => ({ variant: r.variant, seed: r.seed, result: r.result.result }));
  const done = comparison.finished;
  const curves = new Map(done.map((v) => [v, meanCurve(rowsOf(comparison, v)) as EpochMetrics[]]));
  const standard = curves.get('standard');
  const finals = [...curves.values()].map((c) => c.at(-1)?.test_elbo ?? NaN);
  const target = standard?.length ? standard[standard.length - 1].test_elbo : finals.length ? Math.min(...finals) : null;
  const rows: SummaryRow[] = done.map((v) => {
    const own = rowsOf(comparison, v) as EpochMetrics[][];
    const last = own.map((m) => m[m.length - 1]);
    const hit = target === null ? null : (curves.get(v)!.find((m) => m.test_elbo >= target - 1e-9) ?? null);
    return {
      variant: v,
      seeds: own.length,
      final_test_elbo: mean(last.map((m) => m.test_elbo)),
      final_test_elbo_sd: sampleSd(last.map((m) => m.test_elbo)),
      final_test_elbos: last.map((m) => m.test_elbo),
      best_test_elbo: mean(own.map((m) => Math.max(...m.map((e) => e.test_elbo)))),
      final_test_elbo_raw: mean(last.map((m) => m.test_elbo_raw)),
      final_test_iw: last[0].iw_k > 0 ? mean(last.map((m) => m.test_iw)) : null,
      iw_k: last[0].iw_k,
      final_train_elbo: mean(last.map((m) => m.train_elbo)),
      train_seconds: mean(last.map((m) => m.seconds)),
      seconds_per_epoch: mean(last.map((m) => m.seconds / m.epoch)),
      epochs_to_target: hit?.epoch ?? null,
    };
  });
  const table = formatSummaryTable(rows, target);

  if (done.length > 0) {
    const files = boundCharts(done.map((v) => ({ name: v, runs: rowsOf(comparison, v) as EpochMetrics[][] })), `${entry.name}, ${data.name}`);
    for (const f of files) writeFileAtomic(join(outDir, f.name), f.bytes);
    const summary = { model: args.model, preset: args.preset, dataset: data.name, binarization: data.binarization, settings: args.settings, target, rows, curves: Object.fromEntries(curves) };
    writeSummaryFiles(outDir, {
      json: summary as unknown as JsonValue,
      markdown: `# ${args.model}: ${done.join(' vs ')} — ${data.name}, preset ${args.preset}\n\n` +
        `${entry.describe(args.settings)}; ${data.train.n} training images, ${data.test.n} test images, ${args.epochs} epochs, batch ${args.batchSize}, ` +
        `${args.optimizer} lr ${args.lr}${args.emaDecay > 0 ? `, evaluated with the Polyak average (decay ${args.emaDecay})` : ''}.\n${data.binarization}.\n\n${table}\n\n` +
        `ELBO and IW bound in nats per test image (higher is better), with the Polyak average when averaging is on ("raw weights": the last weights). "epochs to": the first epoch whose seed-averaged test ELBO reaches the ${standard ? 'standard variant' : 'worst'}'s final one.` +
        `${seeds.length > 1 ? ` Charts: mean over ${seeds.length} seeds, shaded ± one standard deviation.` : ''}\n`,
    });
  }
  return { outDir, rows, target, table, interrupted: comparison.interrupted, runs };
}
