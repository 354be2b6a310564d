/** Per-epoch metrics and the run folder's metrics.jsonl. */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './checkpoint.js';

/** One line of metrics.jsonl. Losses are mean cross-entropy (nats); errors are fractions. */
export interface EpochMetrics {
  /** 1-based: the number of epochs completed */
  epoch: number;
  /** cumulative training wall-clock seconds (update steps only; evaluation excluded) */
  seconds: number;
  /** wall-clock seconds of this epoch's update steps */
  epoch_seconds: number;
  /** cumulative process CPU seconds (all threads) of the update steps: less sensitive to other load than wall clock */
  cpu_seconds: number;
  /** mean loss / error over this epoch's minibatches, in training mode (noise and dropout on) */
  train_loss: number;
  train_error: number;
  /** on the first `trainEvalSize` training images, in eval mode (only when enabled) */
  train_eval_loss?: number;
  train_eval_error?: number;
  /** on the test set, in eval mode */
  test_loss: number;
  test_error: number;
  /** with the parameter averages (only when EMA is on) */
  test_loss_ema?: number;
  test_error_ema?: number;
  /** learning rate and Adam β1 of the epoch's first step */
  lr: number;
  beta1: number;
  /** training examples per second this epoch (wall clock) */
  examples_per_second: number;
  /** process CPU milliseconds per training example this epoch */
  cpu_ms_per_example: number;
}

/** Fields that depend on the machine's speed, not on the computation (excluded when comparing runs). */
export const TIMING_FIELDS = ['seconds', 'epoch_seconds', 'cpu_seconds', 'examples_per_second', 'cpu_ms_per_example'] as const;

export function writeMetricsJsonl(path: string, metrics: readonly EpochMetrics[]): void {
  writeFileAtomic(path, metrics.map((m) => JSON.stringify(m)).join('\n') + (metrics.length ? '\n' : ''));
}

export function readMetricsJsonl(path: string): EpochMetrics[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EpochMetrics);
}
