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

export interface CompareOptions {
  /** shared settings (variant, seed and outDir are set per run) */
  args: Args;
  variants: readonly VariantName[];
  seeds: readonly number[];
  outDir: string;
  data?: BinarizedData;
  signal?: AbortSignal;
  progress?: ProgressSink | null;
  quiet?: boolean;
  onStep?: TrainOptions['onStep'];
}

export interface SummaryRow {
  variant: VariantName;
  seeds: number;
  /** means over seeds of the final epoch; sd is the sample standard deviation (0 for one seed) */
  final_test_elbo: number;
  final_test_elbo_sd: number;
  final_test_elbos: number[];
  best_test_elbo: number;
  /** the final test ELBO with the last (not averaged) weights */
  final_test_elbo_raw: number;
  final_test_iw: number | null;
  iw_k: number;
  final_train_elbo: number;
  train_seconds: number;
  seconds_per_epoch: number;
  /** first epoch whose seed-averaged test ELBO reaches the target (standard's final); null if never */
  epochs_to_target: number | null;
}

export interface CompareResult {
  outDir: string;
  rows: SummaryRow[];
  target: number | null;
  table: string;
  interrupted: boolean;
  runs: { variant: VariantName; seed: number; result: TrainResult }[];
}

const nats = (v: number) => v.toFixed(2);

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
