/**
 * The datasets the classifier trains on, loaded through @wn/data and preprocessed once into
 * float32: the paper's scaling (x − 127.5)/128, then optionally ZCA whitening fitted on the
 * training images (the paper whitens CIFAR-10).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CIFAR10_TRAIN_FILES, DEBIAN_FASHION_MNIST_DIR, firstPerClass, loadCifar10, loadEmbeddedFashionMnist, loadFashionMnist, loadMnist, mapImages, scalePixels, subset, fitZca, zcaTransform,
  type DatasetSplits, type ImageDataset,
} from '@wn/data';
import type { ClassificationData, FloatImages } from './batches.js';

/**
 * The datasets the classifier can train on: the embedded Fashion-MNIST subset (no download), Fashion-MNIST, MNIST,
 * CIFAR-10.
 */
export const DATASETS = ['embedded', 'fashion-mnist', 'mnist', 'cifar10'] as const;
/** The name of a dataset the classifier can train on. */
export type DatasetName = (typeof DATASETS)[number];

/** Whether `s` is a dataset name. */
export function isDatasetName(s: string): s is DatasetName {
  return (DATASETS as readonly string[]).includes(s);
}

/** The data part of the trainer's arguments. */
export interface DataArgs {
  /** Which dataset. */
  dataset: DatasetName;
  /** Folder holding its files (null: the default place). */
  dataDir: string | null;
  /** Use N class-balanced training images (null: all). */
  trainLimit: number | null;
  /** Use N test images (null: all). */
  testLimit: number | null;
  /** ZCA-whiten the inputs (fitted on the training images). */
  zca: boolean;
}

function loadSplits(args: DataArgs): { splits: DatasetSplits; name: string } {
  switch (args.dataset) {
    case 'embedded':
      return { splits: loadEmbeddedFashionMnist(), name: 'Fashion-MNIST (embedded subset)' };
    case 'fashion-mnist':
      return { splits: loadFashionMnist({ dir: args.dataDir ?? DEBIAN_FASHION_MNIST_DIR }), name: 'Fashion-MNIST' };
    case 'mnist':
      return { splits: loadMnist(args.dataDir ? { dir: args.dataDir } : {}), name: 'MNIST' };
    case 'cifar10': {
      if (!args.dataDir) throw new Error('cifar10 needs --data-dir: the folder with the CIFAR-10 binary batches (data_batch_*.bin[.gz], test_batch.bin[.gz])');
      // use whichever of the five training batches the folder has (e.g. only data_batch_1)
      const nested = join(args.dataDir, 'cifar-10-batches-bin');
      const dir = existsSync(nested) ? nested : args.dataDir;
      const trainFiles = CIFAR10_TRAIN_FILES.filter((f) => existsSync(join(dir, f)) || existsSync(join(dir, f + '.gz')));
      if (trainFiles.length === 0) throw new Error(`no CIFAR-10 training batches (data_batch_1.bin … data_batch_5.bin, optionally .gz) in ${dir}`);
      const splits = loadCifar10({ dir: args.dataDir, trainFiles });
      return { splits, name: `CIFAR-10 (${splits.train.n / 1000}k train)` };
    }
  }
}

/**
 * Keeps `limit` images: the first limit/classes of every class when that divides evenly and every
 * class has enough (a balanced sample), else the first `limit` in file order.
 */
function limitImages(d: ImageDataset, limit: number | null): ImageDataset {
  if (limit === null || limit >= d.n) return d;
  const k = d.classes.length;
  if (limit % k === 0) {
    try {
      return subset(d, firstPerClass(d, limit / k), d.name);
    } catch {
      // a class has too few images: fall back to a prefix
    }
  }
  return subset(d, Uint32Array.from({ length: limit }, (_, i) => i), d.name);
}

const asFloatImages = (d: ImageDataset): FloatImages => ({
  x: d.images as Float32Array,
  y: d.labels,
  n: d.n,
  channels: d.channels,
  height: d.height,
  width: d.width,
});

/** Loads and preprocesses a dataset; `trainLimit`/`testLimit` keep class-balanced subsets. */
export async function loadClassificationData(args: DataArgs): Promise<ClassificationData> {
  const { splits, name } = loadSplits(args);
  let train = mapImages(limitImages(splits.train, args.trainLimit), scalePixels);
  let test = mapImages(limitImages(splits.test, args.testLimit), scalePixels);
  if (args.zca) ({ train, test } = await whiten(train, test));
  const limited = train.n < splits.train.n || test.n < splits.test.n;
  return {
    name: `${name}${limited ? `, ${train.n} train / ${test.n} test` : ''}${args.zca ? ', ZCA' : ''}`,
    train: asFloatImages(train),
    test: asFloatImages(test),
    classes: splits.train.classes,
  };
}

/** ZCA fitted on the (scaled) training images, applied to both splits. */
async function whiten(train: ImageDataset, test: ImageDataset): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const zca = await fitZca(train);
  const transform = zcaTransform(zca);
  return { train: mapImages(train, transform), test: mapImages(test, transform) };
}
