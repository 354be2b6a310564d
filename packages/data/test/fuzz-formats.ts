/**
 * The @wn/data file formats for the fuzz harness (@wn/tooling/fuzz): samples and loaders for IDX,
 * CIFAR-10 batches, tar archives and ZCA files. Used by fuzz.test.ts (a few hundred cases each)
 * and by tooling/scripts/fuzz.ts (long runs). A new format is one more entry here.
 */
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FuzzFormat } from '@wn/tooling/fuzz';
import {
  CIFAR10_IMAGE_BYTES, createImageDataset, encodeIdx, encodeZca, extractTar, fitZca, loadZca, maybeGunzip, parseTar, readCifar10Batch, readIdx,
} from '../src/index.js';
import { cifarRecords, fixtureBytes, makeTar } from './helpers.js';

const fail = (message: string): never => {
  throw new Error(message);
};

/** The formats, with samples built deterministically (the ZCA sample is fitted, hence async). */
export async function dataFormats(): Promise<FuzzFormat<any>[]> {
  const images = encodeIdx([5, 6, 7], fixtureBytes(210, 1));
  const labels = encodeIdx([20], fixtureBytes(20, 2).map((b) => b % 10));
  const idx: FuzzFormat<{ dims: number[]; data: Uint8Array }> = {
    name: 'idx',
    samples: [images, labels, gzipSync(images), gzipSync(labels)],
    load: (_bytes, path) => readIdx(path),
    check: ({ dims, data }) => {
      if (data.length !== dims.reduce((a, b) => a * b, 1)) fail(`${data.length} elements for dims ${dims.join('×')}`);
    },
  };

  const cifar: FuzzFormat<{ images: Uint8Array; labels: Uint8Array }> = {
    name: 'cifar10',
    samples: [cifarRecords([1, 9], 3), gzipSync(cifarRecords([0, 4, 7], 4))],
    load: (_bytes, path) => readCifar10Batch(path),
    check: ({ images, labels }) => {
      if (images.length !== labels.length * CIFAR10_IMAGE_BYTES) fail(`${images.length} image bytes for ${labels.length} labels`);
      if (labels.some((label) => label > 9)) fail('a label above 9');
    },
  };

  const archive = makeTar([
    { name: 'cifar-10-batches-bin/data_batch_1.bin', data: cifarRecords([2], 5) },
    { name: 'cifar-10-batches-bin/readme.html', data: new TextEncoder().encode('<p>hi</p>') },
    { name: 'top.txt', data: new Uint8Array(0) },
  ]);
  const tar: FuzzFormat<{ dest: string; written: string[] }> = {
    name: 'tar',
    samples: [archive, gzipSync(archive)],
    legitBytes: 4 * archive.length,
    load: (bytes, path) => {
      const entries = parseTar(maybeGunzip(bytes, path, 1 << 20, 'the fuzz bound'), path);
      const dest = mkdtempSync(join(dirname(path), 'out-'));
      try {
        return { dest, written: extractTar(entries, dest, undefined, path) };
      } catch (error) {
        rmSync(dest, { recursive: true, force: true });
        throw error;
      }
    },
    check: ({ dest, written }) => {
      try {
        for (const file of written) {
          const inside = relative(dest, file);
          if (inside.startsWith('..') || inside === '') fail(`wrote ${file} outside ${dest}`);
          if (!lstatSync(file).isFile()) fail(`${file} is not a regular file`);
        }
      } finally {
        rmSync(dest, { recursive: true, force: true });
      }
    },
  };

  const zcaData = createImageDataset({ name: 'toy', images: fixtureBytes(8 * 12, 6), labels: new Uint8Array(8), channels: 3, height: 2, width: 2, classes: ['a'] });
  const zcaSample = encodeZca(await fitZca(zcaData, { threads: 1 }));
  const zca: FuzzFormat<ReturnType<typeof loadZca>> = {
    name: 'zca',
    samples: [zcaSample],
    load: (_bytes, path) => loadZca(path),
    check: (z) => {
      if (z.dim !== z.channels * z.height * z.width || z.mean.length !== z.dim || z.matrix.length !== z.dim * z.dim) fail('sizes do not match the geometry');
      if (!(z.epsilon > 0) || z.matrix.some((v) => !Number.isFinite(v))) fail('non-finite values');
    },
  };
  return [idx, cifar, tar, zca];
}
