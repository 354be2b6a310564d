import { describe, expect, it } from 'vitest';
import { type Batch, batchCount, batches, epochOrder } from '../src/batches.js';
import { createImageDataset } from '../src/dataset.js';
import { scalePixels } from '../src/preprocess.js';

// 10 images of 1×2×2; image i is filled with the value i, label i % 3.
const dataset = createImageDataset({
  name: 'toy',
  images: Uint8Array.from({ length: 40 }, (_, k) => Math.floor(k / 4)),
  labels: Uint8Array.from({ length: 10 }, (_, i) => i % 3),
  channels: 1,
  height: 2,
  width: 2,
  classes: ['a', 'b', 'c'],
});

const all = (options: Parameters<typeof batches>[1]): Batch[] => [...batches(dataset, options)];

describe('batches', () => {
  it('visits every image exactly once per epoch, with matching x, y and indices', () => {
    const out = all({ batchSize: 4, seed: 1 });
    expect(out.map((b) => b.size)).toEqual([4, 4, 2]);
    const seen = out.flatMap((b) => [...b.indices]);
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const b of out) {
      expect(b.x.length).toBe(b.size * 4);
      b.indices.forEach((i, k) => {
        expect([...b.x.subarray(4 * k, 4 * k + 4)]).toEqual([i, i, i, i]);
        expect(b.y[k]).toBe(i % 3);
      });
    }
  });

  it('is a pure function of (seed, epoch)', () => {
    const order = (seed: number, epoch: number) => all({ batchSize: 3, seed, epoch }).flatMap((b) => [...b.indices]);
    expect(order(5, 2)).toEqual(order(5, 2));
    expect(order(5, 2)).not.toEqual(order(5, 3));
    expect(order(5, 2)).not.toEqual(order(6, 2));
    expect([...epochOrder(10, { seed: 5, epoch: 2 })]).toEqual(order(5, 2));
  });

  it('resumes mid-epoch with identical batches, augmentation included', () => {
    const options = { batchSize: 3, seed: 9, epoch: 4, augment: { horizontalFlip: true, cropPadding: 1 } };
    const full = all(options);
    const resumed = all({ ...options, startBatch: 2 });
    expect(resumed).toEqual(full.slice(2));
    expect(resumed[0].batchIndex).toBe(2);
  });

  it('keeps the natural order without shuffling and can drop the last partial batch', () => {
    const out = all({ batchSize: 4, shuffle: false, dropLast: true });
    expect(out.map((b) => [...b.indices])).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(batchCount(10, 4, true)).toBe(2);
    expect(batchCount(10, 4)).toBe(3);
  });

  it('applies the transform to each gathered batch', () => {
    const [first] = all({ batchSize: 2, shuffle: false, transform: scalePixels });
    expect(first.x[0]).toBeCloseTo(-127.5 / 128, 7);
    expect(first.x[4]).toBeCloseTo((1 - 127.5) / 128, 7);
  });

  it('does not copy the dataset: only batches are allocated', () => {
    // 48 MiB of images; a copy of them (or of a whole epoch) while batches are drawn would show
    // in the process's ArrayBuffer memory, which must grow by about one batch, not by the dataset
    const big = createImageDataset({
      name: 'big', images: new Uint8Array(16384 * 3 * 32 * 32).fill(7), labels: new Uint8Array(16384),
      channels: 3, height: 32, width: 32, classes: ['a'],
    });
    const before = process.memoryUsage().arrayBuffers;
    const it = batches(big, { batchSize: 64, seed: 3, augment: { horizontalFlip: true, cropPadding: 2 } });
    const first = it.next();
    const second = it.next();
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(first.done || second.done).toBe(false);
    const batchBytes = (first.value as Batch).x.byteLength;
    expect(grown, `grew ${grown} bytes for batches of ${batchBytes}`).toBeLessThan(big.images.byteLength / 8);
    // the batches are fresh buffers, and drawing them left the dataset untouched
    expect((first.value as Batch).x.buffer).not.toBe(big.images.buffer);
    expect(big.images.every((v) => v === 7)).toBe(true);
    const b = all({ batchSize: 10, shuffle: false })[0];
    expect(b.x.buffer).not.toBe(dataset.images.buffer);
    expect(dataset.images[4]).toBe(1);
  });

  it('names bad options', () => {
    expect(() => all({ batchSize: 0, seed: 1 })).toThrow('batches: batchSize must be an integer ≥ 1, got 0');
    expect(() => all({ batchSize: 2 })).toThrow('batches: seed (required when shuffling) must be an integer ≥ 0, got undefined');
    expect(() => all({ batchSize: 2, shuffle: false, augment: { horizontalFlip: true } })).toThrow(/seed \(required when augmenting\)/);
    expect(() => all({ batchSize: 2, seed: 1, epoch: -1 })).toThrow(/epoch must be an integer ≥ 0, got -1/);
    expect(() => all({ batchSize: 2, seed: 1, augment: { cropPadding: 1.5 } })).toThrow(/cropPadding must be a non-negative integer, got 1.5/);
  });
});
