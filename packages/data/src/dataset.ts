/** The in-memory image dataset shared by every reader, and small operations on it. */

import { WnError } from '@wn/tensor';

/**
 * N labelled images stored NCHW (image-major, then channel, row, column) in one flat array.
 * `images` is a Uint8Array of raw 0–255 pixels as read from disk (4× smaller than float32), or a
 * Float32Array of already-preprocessed values (for example after {@link mapImages} with ZCA).
 */
export interface ImageDataset {
  /** Short identifier such as "cifar10-train"; used in error messages. */
  readonly name: string;
  /** The pixels, n × channels × height × width values, NCHW: raw bytes (0–255) or preprocessed float32 values. */
  readonly images: Uint8Array | Float32Array;
  /** Class index per image, each < classes.length. */
  readonly labels: Uint8Array;
  /** Number of images. */
  readonly n: number;
  /** Channels per image (1 for grayscale, 3 for RGB). */
  readonly channels: number;
  /** Rows per image, in pixels. */
  readonly height: number;
  /** Columns per image, in pixels. */
  readonly width: number;
  /** Class names, indexed by label. */
  readonly classes: readonly string[];
}

/** A dataset's standard train/test split. */
export interface DatasetSplits {
  /** The training split. */
  readonly train: ImageDataset;
  /** The test split. */
  readonly test: ImageDataset;
}

function checkDim(where: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new WnError(where, `${field} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Builds an {@link ImageDataset} after checking that the array sizes agree with n, channels,
 * height and width and that every label names a class. `n` is taken from `labels.length`.
 */
export function createImageDataset(fields: Omit<ImageDataset, 'n'>): ImageDataset {
  const where = `createImageDataset(${JSON.stringify(fields.name)})`;
  const { images, labels, classes } = fields;
  const channels = checkDim(where, 'channels', fields.channels);
  const height = checkDim(where, 'height', fields.height);
  const width = checkDim(where, 'width', fields.width);
  if (!(images instanceof Uint8Array) && !(images instanceof Float32Array)) {
    throw new WnError(where, `images must be a Uint8Array or Float32Array`);
  }
  if (!(labels instanceof Uint8Array)) throw new WnError(where, `labels must be a Uint8Array`);
  if (classes.length < 1 || classes.length > 256) {
    throw new WnError(where, `classes must list 1 to 256 names, got ${classes.length}`);
  }
  const n = labels.length;
  const expected = n * channels * height * width;
  if (images.length !== expected) {
    throw new WnError(where, `images has ${images.length} values, expected n*channels*height*width = ` +
        `${n}*${channels}*${height}*${width} = ${expected}`,
    );
  }
  const bad = labels.findIndex((label) => label >= classes.length);
  if (bad >= 0) {
    throw new WnError(where, `label ${labels[bad]} at record ${bad} is out of range 0..${classes.length - 1}`);
  }
  return { name: fields.name, images, labels, n, channels, height, width, classes };
}

/** Values per image: channels × height × width. */
export function imageSize(dataset: Pick<ImageDataset, 'channels' | 'height' | 'width'>): number {
  return dataset.channels * dataset.height * dataset.width;
}

/** Number of images per class, indexed by label. */
export function classCounts(dataset: ImageDataset): number[] {
  const counts = new Array<number>(dataset.classes.length).fill(0);
  for (const label of dataset.labels) counts[label]++;
  return counts;
}

/** A new dataset holding the images at `indices`, in that order (copied). */
export function subset(dataset: ImageDataset, indices: ArrayLike<number>, name = `${dataset.name}-subset`): ImageDataset {
  const size = imageSize(dataset);
  const images = dataset.images instanceof Uint8Array ? new Uint8Array(indices.length * size) : new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= dataset.n) {
      throw new WnError(`subset(${dataset.name})`, `index ${i} at position ${k} is outside 0..${dataset.n - 1}`);
    }
    images.set(dataset.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = dataset.labels[i];
  }
  return { ...dataset, name, images, labels, n: indices.length };
}

/**
 * Indices of the first `perClass` images of every class, in their original order. Throws if a
 * class has fewer images. This is the selection rule of the embedded Fashion-MNIST subset.
 */
export function firstPerClass(dataset: ImageDataset, perClass: number): Uint32Array {
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new WnError('firstPerClass', `perClass must be a positive integer, got ${perClass}`);
  }
  const taken = new Array<number>(dataset.classes.length).fill(0);
  const out: number[] = [];
  for (let i = 0; i < dataset.n; i++) {
    const label = dataset.labels[i];
    if (taken[label] < perClass) {
      taken[label]++;
      out.push(i);
    }
  }
  const short = taken.findIndex((count) => count < perClass);
  if (short >= 0) {
    throw new WnError(`firstPerClass(${dataset.name})`, `class ${short} (${dataset.classes[short]}) has ${taken[short]} images, fewer than ${perClass}`,
    );
  }
  return Uint32Array.from(out);
}

/**
 * A float32 copy of the dataset with `transform` applied to the images in chunks (for example
 * {@link scalePixels} or a fitted ZCA's transform), so it is computed once instead of per batch.
 */
export function mapImages(
  dataset: ImageDataset,
  transform: (x: Float32Array, count: number) => void,
  name = dataset.name,
  chunk = 256,
): ImageDataset {
  const size = imageSize(dataset);
  const out = new Float32Array(dataset.n * size);
  for (let start = 0; start < dataset.n; start += chunk) {
    const count = Math.min(chunk, dataset.n - start);
    const view = out.subarray(start * size, (start + count) * size);
    view.set(dataset.images.subarray(start * size, (start + count) * size));
    transform(view, count);
  }
  return { ...dataset, name, images: out };
}
