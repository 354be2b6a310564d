import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classCounts, firstPerClass, subset } from '../src/dataset.js';
import { loadEmbeddedFashionMnist } from '../src/embedded.js';
import { DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, loadFashionMnist } from '../src/mnist.js';

describe('embedded Fashion-MNIST subset', () => {
  const { train, test } = loadEmbeddedFashionMnist();

  it('has 500 train and 100 test images per class, 28×28, one channel', () => {
    expect(train).toMatchObject({ n: 5000, channels: 1, height: 28, width: 28 });
    expect(test).toMatchObject({ n: 1000, channels: 1, height: 28, width: 28 });
    expect(classCounts(train)).toEqual(new Array(10).fill(500));
    expect(classCounts(test)).toEqual(new Array(10).fill(100));
    expect(train.classes).toEqual(FASHION_MNIST_CLASSES);
    expect(train.images).toBeInstanceOf(Uint8Array);
  });

  it('holds real images, not blanks', () => {
    let sum = 0;
    for (const v of train.images) sum += v;
    const mean = sum / train.images.length;
    // Fashion-MNIST's mean pixel is about 73.
    expect(mean).toBeGreaterThan(60);
    expect(mean).toBeLessThan(90);
  });

  it.skipIf(!existsSync(DEBIAN_FASHION_MNIST_DIR))('equals the first 500/100 per class of the full Debian files', () => {
    const full = loadFashionMnist();
    expect(full.train.n).toBe(60000);
    expect(full.test.n).toBe(10000);
    const expectedTrain = subset(full.train, firstPerClass(full.train, 500));
    const expectedTest = subset(full.test, firstPerClass(full.test, 100));
    expect(train.labels).toEqual(expectedTrain.labels);
    expect(Buffer.compare(Buffer.from(train.images), Buffer.from(expectedTrain.images))).toBe(0);
    expect(test.labels).toEqual(expectedTest.labels);
    expect(Buffer.compare(Buffer.from(test.images), Buffer.from(expectedTest.images))).toBe(0);
  });
});
