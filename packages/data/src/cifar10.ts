/**
 * CIFAR-10 binary batches: records of 3073 bytes, one label byte (0–9) followed by the 32×32
 * red, green and blue planes (1024 bytes each, row-major). That is already NCHW, so a batch file
 * maps onto an {@link ImageDataset} by dropping the label bytes.
 */
import { FileFormatError, WnError } from '@wn/tensor';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ImageDataset, createImageDataset } from './dataset.js';
import { findDataFile, readMaybeGzip } from './files.js';

/** CIFAR-10's class names, indexed by label. */
export const CIFAR10_CLASSES: readonly string[] = Object.freeze([
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
]);

/** Bytes of one CIFAR-10 image: 3 channels × 32 × 32 pixels, channel-major. */
export const CIFAR10_IMAGE_BYTES = 3 * 32 * 32;
/** Bytes of one record of a CIFAR-10 batch file: the label byte, then the image. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES;
/** Records in one official batch file; a gzipped batch may not inflate beyond this many. */
export const CIFAR10_BATCH_RECORDS = 10000;
/** The five training batch files of the binary distribution. */
export const CIFAR10_TRAIN_FILES: readonly string[] = Object.freeze([1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`));
/** The test batch file of the binary distribution. */
export const CIFAR10_TEST_FILES: readonly string[] = Object.freeze(['test_batch.bin']);
/** The folder inside the official binary archive. */
export const CIFAR10_ARCHIVE_DIR = 'cifar-10-batches-bin';

/** Splits the bytes of one batch file (already gunzipped) into images and labels. */
export function parseCifar10Batch(bytes: Uint8Array, source: string): { images: Uint8Array; labels: Uint8Array } {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    const records = Math.max(1, Math.ceil(bytes.length / CIFAR10_RECORD_BYTES));
    throw new FileFormatError({ op: 'parseCifar10Batch', file: source }, `truncated file: expected a positive multiple of ${CIFAR10_RECORD_BYTES} bytes ` +
        `(${records} records = ${records * CIFAR10_RECORD_BYTES} bytes) got ${bytes.length}`,
    );
  }
  const n = bytes.length / CIFAR10_RECORD_BYTES;
  const images = new Uint8Array(n * CIFAR10_IMAGE_BYTES);
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const at = r * CIFAR10_RECORD_BYTES;
    const label = bytes[at];
    if (label >= CIFAR10_CLASSES.length) {
      throw new FileFormatError({ op: 'parseCifar10Batch', file: source }, `label out of range: label ${label} at record ${r}, expected 0..9`);
    }
    labels[r] = label;
    images.set(bytes.subarray(at + 1, at + CIFAR10_RECORD_BYTES), r * CIFAR10_IMAGE_BYTES);
  }
  return { images, labels };
}

/** Reads one batch file (plain, or gzipped and at most {@link CIFAR10_BATCH_RECORDS} records). */
export function readCifar10Batch(path: string): { images: Uint8Array; labels: Uint8Array } {
  const limit = CIFAR10_BATCH_RECORDS * CIFAR10_RECORD_BYTES;
  return parseCifar10Batch(readMaybeGzip(path, limit, `the size of a CIFAR-10 batch (${CIFAR10_BATCH_RECORDS} records)`), path);
}

/** Reads and concatenates batch files into one dataset. */
export function loadCifar10Files(paths: readonly string[], name: string): ImageDataset {
  if (paths.length === 0) throw new WnError(`loadCifar10Files(${name})`, `no files given`);
  const parts = paths.map((path) => readCifar10Batch(path));
  const n = parts.reduce((sum, part) => sum + part.labels.length, 0);
  const images = new Uint8Array(n * CIFAR10_IMAGE_BYTES);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const part of parts) {
    images.set(part.images, at * CIFAR10_IMAGE_BYTES);
    labels.set(part.labels, at);
    at += part.labels.length;
  }
  return createImageDataset({ name, images, labels, channels: 3, height: 32, width: 32, classes: CIFAR10_CLASSES });
}

/** Options of {@link loadCifar10}. */
export interface LoadCifar10Options {
  /** Folder with the batch files, or its parent holding `cifar-10-batches-bin/`. */
  dir: string;
  /** Train batch file names (default data_batch_1.bin … data_batch_5.bin); `.gz` is tried too. */
  trainFiles?: readonly string[];
  /** Test batch file names (default test_batch.bin); `.gz` is tried too. */
  testFiles?: readonly string[];
}

/** CIFAR-10 train and test splits from the standard binary batch files under `dir`. */
export function loadCifar10(options: LoadCifar10Options): { train: ImageDataset; test: ImageDataset } {
  if (typeof options?.dir !== 'string' || options.dir === '') {
    throw new WnError('loadCifar10', 'options.dir must name the folder with the CIFAR-10 binary batches');
  }
  const nested = join(options.dir, CIFAR10_ARCHIVE_DIR);
  const dir = existsSync(nested) ? nested : options.dir;
  const paths = (names: readonly string[]): string[] => names.map((name) => findDataFile(dir, name));
  return {
    train: loadCifar10Files(paths(options.trainFiles ?? CIFAR10_TRAIN_FILES), 'cifar10-train'),
    test: loadCifar10Files(paths(options.testFiles ?? CIFAR10_TEST_FILES), 'cifar10-test'),
  };
}
