/**
 * The comparison behind the paper's Figure 1: the same network, data and budget under each
 * parameterization (and seed), then one chart per curve with a series per parameterization and a
 * table of final errors, time and throughput.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VariantName } from '@wn/layers';
import type { ClassificationData } from './batches.js';
import { epochAxisLabel, writeErrorCharts, type RunCurves } from './charts.js';
import { loadClassificationData } from './datasets.js';
import type { EpochMetrics } from './metrics.js';
import { defaultLearningRate, train, type Args, type TrainOptions, type TrainResult } from './trainer.js';
import type { ProgressSink } from './progress.js';

export interface CompareOptions {
  /** settings shared by every run (parameterization, seed and outDir are set per run) */
  args: Args;
  parameterizations: readonly VariantName[];
  seeds: readonly number[];
  /** the comparison's folder: one sub-folder per run, plus charts and the summary */
  outDir: string;
  data?: ClassificationData;
  signal?: AbortSignal;
  progress?: ProgressSink | null;
  /** passed to every run's trainer (tests use it to interrupt) */
  onStep?: TrainOptions['onStep'];
}

export interface SummaryRow {
  parameterization: VariantName;
  seeds: number;
  learning_rate: number;
  /** means over seeds */
  final_test_error: number;
  /** each seed's final test error, in seed order, and their sample standard deviation (0 for one seed) */
  final_test_errors: number[];
  final_test_error_sd: number;
  best_test_error: number;
  final_train_error: number;
  final_test_loss: number;
  train_seconds: number;
  examples_per_second: number;
  /** process CPU milliseconds per training image (all threads) */
  cpu_ms_per_example: number;
  /** first epoch at which the seed-averaged test error is ≤ the target (standard's final test error); null if never */
  epochs_to_target: number | null;
  seconds_to_target: number | null;
}

export interface CompareResult {
  outDir: string;
  rows: SummaryRow[];
  /** the target error used for "epochs to target" */
  target_error: number | null;
  table: string;
  interrupted: boolean;
  runs: { parameterization: VariantName; seed: number; result: TrainResult }[];
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Mean over seeds, epoch by epoch (runs of one parameterization share their epoch count). */
function averageCurves(runs: readonly (readonly EpochMetrics[])[]): EpochMetrics[] {
  const epochs = Math.min(...runs.map((r) => r.length));
  return Array.from({ length: epochs }, (_, e) => {
    const at = runs.map((r) => r[e]);
    const avg = (k: keyof EpochMetrics) => mean(at.map((m) => (m[k] as number) ?? NaN));
    return { ...at[0], seconds: avg('seconds'), train_error: avg('train_error'), test_error: avg('test_error'), train_loss: avg('train_loss'), test_loss: avg('test_loss') };
  });
}

/** Training examples processed over a run. */
const examplesSeen = (metrics: readonly EpochMetrics[]) => metrics.reduce((s, e) => s + e.epoch_seconds * e.examples_per_second, 0);

function firstReaching(metrics: readonly EpochMetrics[], target: number): EpochMetrics | null {
  return metrics.find((m) => m.test_error <= target + 1e-12) ?? null;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

export function formatSummaryTable(rows: readonly SummaryRow[], target: number | null): string {
  const seeded = rows.some((r) => r.seeds > 1);
  const header = ['parameterization', 'lr', seeded ? 'final test error: mean ± sd (per seed)' : 'final test error', 'best test error', 'final train error', 'train time (s)', 'images/s', 'CPU ms/image', target === null ? 'epochs to target' : `epochs to ≤ ${pct(target)} test`, 'seconds to target'];
  const lines = rows.map((r) => [
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
  ]);
  return [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}

export async function compare(options: CompareOptions): Promise<CompareResult> {
  const { args, parameterizations, seeds, outDir } = options;
  mkdirSync(outDir, { recursive: true });
  const data = options.data ?? (await loadClassificationData(args));
  const runs: CompareResult['runs'] = [];
  let interrupted = false;

  const total = parameterizations.length * seeds.length;
  outer: for (const p of parameterizations) {
    for (const seed of seeds) {
      const runDir = seeds.length > 1 ? join(outDir, p, `seed-${seed}`) : join(outDir, p);
      const result = await train(
        { ...args, parameterization: p, seed, outDir: runDir },
        { data, signal: options.signal, progress: options.progress, onStep: options.onStep, label: `${runs.length + 1}/${total} ${p}${seeds.length > 1 ? ` seed ${seed}` : ''}` },
      );
      runs.push({ parameterization: p, seed, result });
      if (result.interrupted) {
        interrupted = true;
        break outer;
      }
    }
  }

  const done = parameterizations.filter((p) => runs.some((r) => r.parameterization === p && !r.result.interrupted));
  const curves = new Map(done.map((p) => [p, averageCurves(runs.filter((r) => r.parameterization === p).map((r) => r.result.metrics))]));
  const standard = curves.get('standard');
  const finals = [...curves.values()].map((c) => c[c.length - 1]?.test_error ?? NaN);
  const target = standard?.length ? standard[standard.length - 1].test_error : finals.length ? Math.max(...finals) : null;

  const rows: SummaryRow[] = done.map((p) => {
    const own = runs.filter((r) => r.parameterization === p).map((r) => r.result.metrics);
    const last = own.map((m) => m[m.length - 1]);
    // on the seed-averaged curve, the one the charts show
    const hit = target === null ? null : firstReaching(curves.get(p)!, target);
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
    const series: RunCurves[] = done.map((p) => ({ name: p, metrics: curves.get(p)! }));
    writeErrorCharts(outDir, series, data.name, epochAxisLabel(args.epochSteps, args.batchSize));
    writeFileSync(join(outDir, 'summary.json'), JSON.stringify({ dataset: data.name, target_error: target, rows, curves: Object.fromEntries(curves) }, null, 2) + '\n');
    writeFileSync(
      join(outDir, 'summary.md'),
      `# Parameterization comparison — ${data.name}\n\n${table}\n\n` +
        `Target for "epochs to": the ${standard ? 'standard parameterization' : 'worst'}'s final test error. ` +
        `Training error is the minibatch average during each epoch (noise and dropout on); test error is in eval mode.\n`,
    );
  }
  return { outDir, rows, target_error: target, table, interrupted, runs };
}
