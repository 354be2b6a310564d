/**
 * Regenerates embedded/fashion-mnist/ from the full Fashion-MNIST files: the first K train and
 * first K' test images of every class, in their original order, as gzipped IDX files.
 *
 *   npx tsx packages/data/scripts/make-embedded.ts [sourceDir]
 *
 * sourceDir defaults to /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).
 * Prints the sha256 of every uncompressed file so the README's table can be checked.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type ImageDataset, firstPerClass, subset } from '../src/dataset.js';
import { EMBEDDED_TEST_PER_CLASS, EMBEDDED_TRAIN_PER_CLASS, embeddedFashionMnistDir } from '../src/embedded.js';
import { encodeIdx } from '../src/idx.js';
import { DEBIAN_FASHION_MNIST_DIR, MNIST_FILE_NAMES, loadFashionMnist } from '../src/mnist.js';

const sourceDir = process.argv[2] ?? DEBIAN_FASHION_MNIST_DIR;
const outDir = embeddedFashionMnistDir();
const full = loadFashionMnist({ dir: sourceDir });
mkdirSync(outDir, { recursive: true });

function write(name: string, raw: Uint8Array): void {
  const path = join(outDir, `${name}.gz`);
  // gzip output is deterministic for a given zlib; the README lists hashes of the raw bytes.
  writeFileSync(path, gzipSync(raw, { level: 9 }));
  const sha = createHash('sha256').update(raw).digest('hex');
  console.log(`${name}.gz  raw sha256 ${sha}`);
}

function writeSplit(data: ImageDataset, perClass: number, imagesName: string, labelsName: string): void {
  const picked = subset(data, firstPerClass(data, perClass));
  write(imagesName, encodeIdx([picked.n, picked.height, picked.width], picked.images as Uint8Array));
  write(labelsName, encodeIdx([picked.n], picked.labels));
}

writeSplit(full.train, EMBEDDED_TRAIN_PER_CLASS, MNIST_FILE_NAMES.trainImages, MNIST_FILE_NAMES.trainLabels);
writeSplit(full.test, EMBEDDED_TEST_PER_CLASS, MNIST_FILE_NAMES.testImages, MNIST_FILE_NAMES.testLabels);
console.log(`wrote ${outDir}`);
