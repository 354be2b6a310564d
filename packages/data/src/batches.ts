/**
 * Seeded, resumable mini-batches. Each epoch's order is a Fisher–Yates permutation drawn from
 * (seed, epoch) alone and augmentation draws come from (seed, epoch, batch index), so any batch of
 * any epoch can be regenerated bit for bit (for example when resuming training from a checkpoint)
 * without replaying the ones before it. Only the index permutation is materialised per epoch;
 * images are gathered into a fresh float32 array per batch.
 */
import { WnError } from '@wn/tensor';
import { type AugmentOptions, augmentBatch, checkAugmentOptions } from './augment.js';
import { type ImageDataset, imageSize } from './dataset.js';
import type { BatchTransform } from './preprocess.js';
import { Rng } from '@wn/tensor';
import { permutation } from './permutation.js';

/** Seed-stream tags, so the permutation and augmentation draws never share a stream. */
const ORDER_STREAM = 1;
const AUGMENT_STREAM = 2;

/** Options of the batch iterator. */
export interface BatchOptions {
  /** Images per batch (a positive integer). */
  batchSize: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Required when shuffling or augmenting; a non-negative safe integer. */
  seed?: number;
  /** Epoch number, mixed into the seed (default 0). */
  epoch?: number;
  /** Drop a final batch smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Skip to this batch index of the epoch (default 0), e.g. to resume mid-epoch. */
  startBatch?: number;
  /** Applied in place to each gathered batch, before augmentation (e.g. scalePixels, ZCA). */
  transform?: BatchTransform;
  /** Seeded augmentation applied after `transform`. */
  augment?: AugmentOptions;
}

/** One batch of images and labels. */
export interface Batch {
  /** size × channels × height × width values, NCHW. */
  x: Float32Array;
  /** Labels of the batch's images. */
  y: Uint8Array;
  /** Dataset index of each image in the batch. */
  indices: Uint32Array;
  /** Images in this batch (batchSize except possibly the last). */
  size: number;
  /** Position of this batch within its epoch. */
  batchIndex: number;
  /** The epoch this batch belongs to (0-based). */
  epoch: number;
}

/** Number of batches in one epoch of `n` images. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

function checkCount(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new WnError('batches', `${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/** The order in which one epoch visits the dataset: a permutation when shuffling, else 0..n−1. */
export function epochOrder(n: number, options: Pick<BatchOptions, 'shuffle' | 'seed' | 'epoch'>): Uint32Array {
  const epoch = checkCount(options.epoch ?? 0, 'epoch', 0);
  if (options.shuffle === false) return Uint32Array.from({ length: n }, (_, i) => i);
  const seed = checkCount(options.seed, 'seed (required when shuffling)', 0);
  return permutation(n, new Rng(seed, epoch, ORDER_STREAM));
}

/** Yields one epoch of batches from `dataset`; see {@link BatchOptions}. */
export function* batches(dataset: ImageDataset, options: BatchOptions): Generator<Batch, void, undefined> {
  const batchSize = checkCount(options.batchSize, 'batchSize', 1);
  const epoch = checkCount(options.epoch ?? 0, 'epoch', 0);
  const startBatch = checkCount(options.startBatch ?? 0, 'startBatch', 0);
  const augment = options.augment;
  if (augment !== undefined) {
    checkAugmentOptions(augment, 'batches');
    checkCount(options.seed, 'seed (required when augmenting)', 0);
  }
  const order = epochOrder(dataset.n, options);
  const total = batchCount(dataset.n, batchSize, options.dropLast ?? false);
  const size = imageSize(dataset);
  for (let b = startBatch; b < total; b++) {
    const start = b * batchSize;
    const count = Math.min(batchSize, dataset.n - start);
    const indices = order.slice(start, start + count);
    const x = new Float32Array(count * size);
    const y = new Uint8Array(count);
    for (let k = 0; k < count; k++) {
      const i = indices[k];
      x.set(dataset.images.subarray(i * size, (i + 1) * size), k * size);
      y[k] = dataset.labels[i];
    }
    options.transform?.(x, count);
    if (augment !== undefined) augmentBatch(x, count, dataset, augment, new Rng(options.seed as number, epoch, b, AUGMENT_STREAM));
    yield { x, y, indices, size: count, batchIndex: b, epoch };
  }
}
