/** The bound evaluator's bookkeeping, with a stand-in model whose log weights are known exactly. */
import { describe, expect, it } from 'vitest';
import { Rng, tensor, WnError, type Tensor } from '@wn/tensor';
import { Linear, resolveVariant } from '@wn/layers';
import { evaluateBounds, hostLogMeanExp, iwBounds } from '../src/evaluate.js';
import type { GenerativeModel } from '../src/model.js';

/**
 * log w of sample s (counted over all calls) for image i = −(i + 1) − (s mod 7) / 2; elbo of
 * image i = −(i + 1) − 10. Records each call's k × N.
 */
function standIn(calls: number[]): GenerativeModel {
  let drawn = 0;
  const imageIds = (x: Tensor) => {
    // image i carries its index in its first pixel
    const v = x.dataSync();
    return Array.from({ length: x.shape[0] }, (_, n) => v[n * 784]);
  };
  return {
    kind: 'stand-in', variant: resolveVariant('standard'), module: new Linear(1, 1, { rng: 1 }),
    initFromData() {}, dispose() {},
    loss() { throw new WnError('stand-in', 'not used'); },
    sample() { throw new WnError('stand-in', 'not used'); },
    reconstruct() { throw new WnError('stand-in', 'not used'); },
    elbo: (x) => tensor(imageIds(x).map((i) => -(i + 1) - 10), [x.shape[0]]),
    logWeights(x, k) {
      const ids = imageIds(x);
      calls.push(k * ids.length);
      const out: number[] = [];
      for (let s = 0; s < k; s++) for (const i of ids) out.push(-(i + 1) - ((drawn + s) % 7) / 2);
      drawn += k;
      return tensor(out, [k, ids.length]);
    },
  };
}

const images = (n: number) => ({ n, pixels: Float32Array.from({ length: n * 784 }, (_, j) => (j % 784 === 0 ? j / 784 : 0)) });

describe('evaluateBounds', () => {
  it('assembles k log weights drawn in chunks of at most maxSamples per pass, and averages per image', () => {
    const calls: number[] = [];
    const k = 70;
    const b = evaluateBounds(standIn(calls), images(5), { k, kImages: 3, maxSamples: 20, batchSize: 2, rng: new Rng(1) });
    expect(Math.max(...calls)).toBeLessThanOrEqual(20);
    // each image gets its own k samples; per image the values are −(i+1) − (s mod 7)/2 over the samples it saw
    expect(b.k).toBe(70);
    expect(b.kImages).toBe(3);
    expect(b.elbo).toBeCloseTo(-(1 + 2 + 3 + 4 + 5) / 5 - 10, 10);
    expect(b.elboOnKImages).toBeCloseTo(-(1 + 2 + 3) / 3 - 10, 10);
    // k = 70 is 10 full cycles of s mod 7, whatever the chunking: IW = −(i+1) + log mean exp(−(0..6)/2)
    const cycle = hostLogMeanExp([0, 1, 2, 3, 4, 5, 6].map((j) => -j / 2));
    expect(b.iw).toBeCloseTo(-(1 + 2 + 3) / 3 + cycle, 10);
  });

  it('k larger than maxSamples: one image per pass, k split into chunks', () => {
    const calls: number[] = [];
    const got = iwBounds(standIn(calls), images(2), 0, 2, 35, new Rng(1), 10);
    expect(calls.every((c) => c <= 10)).toBe(true);
    expect(calls.reduce((a, c) => a + c, 0)).toBe(70);
    expect(got[0]).toBeCloseTo(-1 + hostLogMeanExp([0, 1, 2, 3, 4, 5, 6].map((j) => -j / 2)), 10);
  });

  it('hostLogMeanExp is stable far from 0 and refuses bad k', () => {
    expect(hostLogMeanExp([-1e4, -1e4 + Math.log(3)])).toBeCloseTo(-1e4 + Math.log(2), 8);
    expect(() => iwBounds(standIn([]), images(1), 0, 1, 0, new Rng(1))).toThrow(/k: expected an integer ≥ 1, got 0/);
  });
});
