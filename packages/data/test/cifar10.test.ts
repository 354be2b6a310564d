import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, loadCifar10, parseCifar10Batch, readCifar10Batch } from '../src/cifar10.js';
import { cifarRecords, tempDir } from './helpers.js';

const dir = tempDir();

describe('CIFAR-10 batches', () => {
  it('splits records into labels and NCHW images (R, G, B planes, row-major)', () => {
    const record = new Uint8Array(3073);
    record[0] = 7;
    record[1] = 11; // R(0,0)
    record[1 + 32 + 5] = 12; // R(1,5)
    record[1 + 1024] = 21; // G(0,0)
    record[1 + 2048 + 1023] = 31; // B(31,31)
    const { images, labels } = parseCifar10Batch(record, 'mem');
    expect(labels).toEqual(Uint8Array.from([7]));
    expect(images[0]).toBe(11);
    expect(images[1 * 32 + 5]).toBe(12);
    expect(images[1024]).toBe(21);
    expect(images[3071]).toBe(31);
  });

  it('reads plain and gzipped files to the same result', () => {
    const bytes = cifarRecords([3, 1, 4, 1, 5], 9);
    writeFileSync(join(dir, 'b.bin'), bytes);
    writeFileSync(join(dir, 'b.bin.gz'), gzipSync(bytes));
    const plain = readCifar10Batch(join(dir, 'b.bin'));
    expect(readCifar10Batch(join(dir, 'b.bin.gz'))).toEqual(plain);
    expect(plain.labels).toEqual(Uint8Array.from([3, 1, 4, 1, 5]));
    expect(plain.images.subarray(3072, 6144)).toEqual(bytes.subarray(3074, 6146));
  });

  it('reports truncated files with expected and actual sizes', () => {
    const path = join(dir, 'short.bin');
    writeFileSync(path, cifarRecords([1, 2, 3], 1).subarray(0, 3 * 3073 - 100));
    expect(() => readCifar10Batch(path)).toThrow(
      `${path}: truncated file: expected a positive multiple of 3073 bytes (3 records = 9219 bytes) got 9119`,
    );
    writeFileSync(path, new Uint8Array(0));
    expect(() => readCifar10Batch(path)).toThrow(/got 0/);
  });

  it('reports the record of an out-of-range label', () => {
    const path = join(dir, 'bad-label.bin');
    writeFileSync(path, cifarRecords([0, 1, 2, 3, 4, 12, 6], 2));
    expect(() => readCifar10Batch(path)).toThrow(`${path}: label out of range: label 12 at record 5, expected 0..9`);
  });
});

describe('loadCifar10', () => {
  const root = tempDir();
  const batchDir = join(root, 'cifar-10-batches-bin');
  mkdirSync(batchDir);
  const trainLabels = [
    [0, 1, 2],
    [3, 4],
    [5, 6, 7, 8],
    [9],
    [0, 0],
  ];
  trainLabels.forEach((labels, k) => {
    const bytes = cifarRecords(labels, 100 + k);
    // Mix compressed and plain files, as a user's folder might.
    if (k % 2 === 0) writeFileSync(join(batchDir, `data_batch_${k + 1}.bin`), bytes);
    else writeFileSync(join(batchDir, `data_batch_${k + 1}.bin.gz`), gzipSync(bytes));
  });
  writeFileSync(join(batchDir, 'test_batch.bin'), cifarRecords([9, 8, 7], 200));

  it('concatenates the five train batches in order and finds the archive sub-folder', () => {
    const { train, test } = loadCifar10({ dir: root });
    expect(train).toMatchObject({ name: 'cifar10-train', n: 12, channels: 3, height: 32, width: 32 });
    expect([...train.labels]).toEqual(trainLabels.flat());
    expect(train.classes).toBe(CIFAR10_CLASSES);
    expect(train.images.subarray(3 * 3072, 4 * 3072)).toEqual(cifarRecords([3], 101).subarray(1));
    expect([...test.labels]).toEqual([9, 8, 7]);
  });

  it('accepts custom file lists and the batch folder itself', () => {
    const { train, test } = loadCifar10({ dir: batchDir, trainFiles: ['data_batch_2.bin'], testFiles: ['data_batch_4.bin'] });
    expect([...train.labels]).toEqual([3, 4]);
    expect([...test.labels]).toEqual([9]);
  });

  it('names missing files and a missing dir option', () => {
    expect(() => loadCifar10({ dir: root, trainFiles: ['nope.bin'] })).toThrow(/missing data file: neither .*nope\.bin nor .*nope\.bin\.gz exists/);
    expect(() => loadCifar10({} as never)).toThrow(/options.dir must name the folder/);
  });
});
