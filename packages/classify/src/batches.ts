/**
 * Float images in memory and the order they are visited in. The order of epoch e is a
 * permutation drawn from a generator keyed by (seed, e) alone (@wn/data's `epochOrder`), so a
 * resumed run visits exactly the batches an uninterrupted one would, without storing any
 * generator state.
 */
import { Rng, tensor, type Tensor } from '@wn/tensor';
import { epochOrder as dataEpochOrder, permutation } from '@wn/data';

/** N preprocessed images, NCHW float32, with labels. */
export interface FloatImages {
  /** The pixels, n × channels × height × width values (NCHW), preprocessed. */
  readonly x: Float32Array;
  /** The label of every image. */
  readonly y: Uint8Array;
  /** Number of images. */
  readonly n: number;
  /** Channels per image. */
  readonly channels: number;
  /** Rows per image, in pixels. */
  readonly height: number;
  /** Columns per image, in pixels. */
  readonly width: number;
}

/** A dataset ready for training: preprocessed train and test images. */
export interface ClassificationData {
  /** e.g. "fashion-mnist (embedded subset)" — goes into config.json and the charts */
  readonly name: string;
  /** The training images. */
  readonly train: FloatImages;
  /** The test images. */
  readonly test: FloatImages;
  /** Class names, indexed by label. */
  readonly classes: readonly string[];
}

/** Seed tag of the data-init batch choice (the epoch orders use @wn/data's own stream). */
const INIT_STREAM = 0x1417;

/** The visiting order of epoch `epoch` (0-based): a permutation drawn from (seed, epoch) alone. */
export const epochOrder = (n: number, seed: number, epoch: number): Uint32Array => dataEpochOrder(n, { seed, epoch });

/** Indices of the held-out data-init batch: a seeded choice of `size` training images. */
export const initBatchIndices = (n: number, seed: number, size: number): Uint32Array =>
  permutation(n, new Rng(seed, INIT_STREAM)).subarray(0, Math.min(size, n));

/**
 * Batch boundaries for one epoch: full batches, plus the remainder when it has at least two
 * images (batch statistics need two).
 */
export function batchesPerEpoch(n: number, batchSize: number): number {
  const full = Math.floor(n / batchSize);
  return full + (n - full * batchSize >= 2 || full === 0 ? 1 : 0);
}

/** Images at `indices` as a [k, C, H, W] tensor and their labels. */
export function gatherBatch(images: FloatImages, indices: ArrayLike<number>): { x: Tensor; labels: Uint8Array } {
  const size = images.channels * images.height * images.width;
  const x = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    x.set(images.x.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = images.y[i];
  }
  return { x: tensor(x, [indices.length, images.channels, images.height, images.width]), labels };
}

/** The `step`-th batch of an epoch's order. */
export function batchIndices(order: Uint32Array, step: number, batchSize: number): Uint32Array {
  return order.subarray(step * batchSize, Math.min(order.length, (step + 1) * batchSize));
}

/**
 * Batches for runs whose epochs are a fixed number of steps (`epochSteps`): global step s takes
 * the next full batch of an endless sequence of seeded passes over the data (pass k visits
 * `epochOrder(n, seed, k)`; the remainder that does not fill a batch is skipped). Depends on s
 * alone, so a resumed run continues exactly.
 */
export function streamingBatches(n: number, seed: number, batchSize: number): (globalStep: number) => Uint32Array {
  const perPass = Math.floor(n / batchSize);
  if (perPass < 1) throw new Error(`epochSteps: the training set (${n} images) is smaller than one batch (${batchSize})`);
  let cachedPass = -1;
  let order: Uint32Array = new Uint32Array(0);
  return (globalStep) => {
    const pass = Math.floor(globalStep / perPass);
    if (pass !== cachedPass) {
      order = epochOrder(n, seed, pass);
      cachedPass = pass;
    }
    return batchIndices(order, globalStep - pass * perPass, batchSize);
  };
}
