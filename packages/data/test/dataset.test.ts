import { describe, expect, it } from 'vitest';
import { classCounts, createImageDataset, firstPerClass, mapImages, subset } from '../src/dataset.js';
import { PIXEL_CENTER, composeTransforms, scalePixels } from '../src/preprocess.js';

const classes = ['a', 'b', 'c'];

function toy() {
  // 6 images of 1×1×2: image i holds (10i, 10i + 1).
  const images = Uint8Array.from({ length: 12 }, (_, k) => 10 * Math.floor(k / 2) + (k % 2));
  return createImageDataset({ name: 'toy', images, labels: Uint8Array.from([0, 1, 0, 2, 0, 1]), channels: 1, height: 1, width: 2, classes });
}

describe('createImageDataset', () => {
  it('derives n from the labels and keeps the arrays', () => {
    const ds = toy();
    expect(ds.n).toBe(6);
    expect(classCounts(ds)).toEqual([3, 2, 1]);
  });

  it('names the problem when sizes or labels disagree', () => {
    const base = { name: 'bad', images: new Uint8Array(12), labels: new Uint8Array(6), channels: 1, height: 1, width: 2, classes };
    expect(() => createImageDataset({ ...base, images: new Uint8Array(11) })).toThrow(
      'createImageDataset("bad"): images has 11 values, expected n*channels*height*width = 6*1*1*2 = 12',
    );
    expect(() => createImageDataset({ ...base, labels: Uint8Array.from([0, 0, 0, 3, 0, 0]) })).toThrow(
      'createImageDataset("bad"): label 3 at record 3 is out of range 0..2',
    );
    expect(() => createImageDataset({ ...base, width: 0 })).toThrow(/width must be a positive integer, got 0/);
    expect(() => createImageDataset({ ...base, images: [] as unknown as Uint8Array })).toThrow(/images must be a Uint8Array or Float32Array/);
  });
});

describe('subset and firstPerClass', () => {
  it('copies the chosen images in the given order', () => {
    const s = subset(toy(), [3, 0]);
    expect(s.n).toBe(2);
    expect([...s.images]).toEqual([30, 31, 0, 1]);
    expect([...s.labels]).toEqual([2, 0]);
    expect(() => subset(toy(), [6])).toThrow(/index 6 at position 0 is outside 0..5/);
  });

  it('keeps the first k of each class in original order', () => {
    expect([...firstPerClass(toy(), 1)]).toEqual([0, 1, 3]);
    expect(() => firstPerClass(toy(), 2)).toThrow(/class 2 \(c\) has 1 images, fewer than 2/);
  });
});

describe('preprocessing', () => {
  it("scales pixels as the paper does: (x − 127.5) / 128", () => {
    const x = Float32Array.from([0, PIXEL_CENTER, 255]);
    scalePixels(x, 3);
    expect([...x]).toEqual([-127.5 / 128, 0, 127.5 / 128]);
  });

  it('mapImages applies a transform chunk by chunk into a float32 copy', () => {
    const seen: number[] = [];
    const double = (x: Float32Array, count: number) => {
      seen.push(count);
      for (let i = 0; i < x.length; i++) x[i] *= 2;
    };
    const mapped = mapImages(toy(), composeTransforms(double, (x) => x.forEach((v, i) => (x[i] = v + 1))), 'toy-x2', 4);
    expect(mapped.images).toBeInstanceOf(Float32Array);
    expect([...mapped.images.subarray(0, 4)]).toEqual([1, 3, 21, 23]);
    expect(seen).toEqual([4, 2]);
    expect(mapped.name).toBe('toy-x2');
    expect(toy().images[2]).toBe(10); // source untouched
  });
});
