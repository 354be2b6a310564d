/** The classifier's per-epoch metrics (one line of metrics.jsonl; files are @wn/runs'). */
import type { FieldReader } from '@wn/runs';
import { readMetricsJsonl as readRows } from '@wn/runs/node';

/** One line of metrics.jsonl. Losses are mean cross-entropy (nats); errors are fractions. */
export interface EpochMetrics {
  [key: string]: number | undefined;
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
  /** Mean training error over this epoch's minibatches (fraction). */
  train_error: number;
  /** on the first `trainEvalSize` training images, in eval mode (only when enabled) */
  train_eval_loss?: number;
  /** Error on the first `trainEvalSize` training images, in eval mode. */
  train_eval_error?: number;
  /** on the test set, in eval mode */
  test_loss: number;
  /** Test error, in eval mode (fraction). */
  test_error: number;
  /** with the parameter averages (only when EMA is on) */
  test_loss_ema?: number;
  /** Test error with the parameter averages. */
  test_error_ema?: number;
  /** learning rate and Adam β1 of the epoch's first step */
  lr: number;
  /** Adam β1 of the epoch's first step. */
  beta1: number;
  /** training examples per second this epoch (wall clock) */
  examples_per_second: number;
  /** process CPU milliseconds per training example this epoch */
  cpu_ms_per_example: number;
}

/** Fields that depend on the machine's speed, not on the computation (excluded when comparing runs). */
export const TIMING_FIELDS = ['seconds', 'epoch_seconds', 'cpu_seconds', 'examples_per_second', 'cpu_ms_per_example'] as const;

const REQUIRED = ['epoch', 'seconds', 'epoch_seconds', 'cpu_seconds', 'train_loss', 'train_error', 'test_loss', 'test_error', 'lr', 'beta1', 'examples_per_second', 'cpu_ms_per_example'] as const;
const OPTIONAL = ['train_eval_loss', 'train_eval_error', 'test_loss_ema', 'test_error_ema'] as const;

/** One row from an untrusted file (a checkpoint's records), checked: known fields, finite numbers. */
export function readEpochMetrics(r: FieldReader, v: unknown, field: string): EpochMetrics {
  const o = r.object(v, field);
  const out: Record<string, number> = {};
  for (const k of REQUIRED) out[k] = r.field(o, k, field, (x, f) => r.number(x, f));
  for (const k of OPTIONAL) if (Object.hasOwn(o, k)) out[k] = r.number(o[k], `${field}.${k}`);
  const extra = Object.keys(o).find((k) => !(REQUIRED as readonly string[]).includes(k) && !(OPTIONAL as readonly string[]).includes(k));
  if (extra !== undefined) r.fail(`${field}.${extra}`, 'not a metrics field');
  return out as EpochMetrics;
}

/** The rows of a metrics.jsonl file (checked; [] when absent). */
export const readMetricsJsonl = (path: string): EpochMetrics[] => readRows<EpochMetrics>(path);
