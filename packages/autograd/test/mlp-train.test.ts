/**
 * End to end: a 2-16-2 tanh MLP trained by plain full-batch SGD on XOR quadrants (label =
 * [x·y > 0], not linearly separable, with a margin around the axes). The loss must fall and the
 * held-out accuracy must reach 95%, with a training loop that neither leaks nor grows.
 */
import { describe, expect, it } from 'vitest';
import {
  Rng, add, argmax, dispose, equal, keep, matmul, mean, memory, mul, softmaxCrossEntropy, sub, tanh, tensor, tidy, withBackend,
  zeros, type Tensor,
} from '@wn/tensor';
import { noGrad, valueAndGrads } from '../src/index.js';

/** n points in [-1, 1]² at least `margin` away from both axes, labelled by quadrant parity. */
function quadrants(n: number, seed: number, margin = 0.1): { x: Tensor; labels: number[] } {
  const rng = new Rng(seed);
  const pts: number[] = [];
  const labels: number[] = [];
  while (labels.length < n) {
    const [a, b] = rng.uniformArray(2, -1, 1);
    if (Math.abs(a) < margin || Math.abs(b) < margin) continue;
    pts.push(a, b);
    labels.push(a * b > 0 ? 1 : 0);
  }
  return { x: tensor(pts, [n, 2]), labels };
}

interface Params {
  w1: Tensor; // [2, 16]
  b1: Tensor; // [16]
  w2: Tensor; // [16, 2]
  b2: Tensor; // [2]
}

const logits = (p: Params, x: Tensor) => add(matmul(tanh(add(matmul(x, p.w1), p.b1)), p.w2), p.b2);

function accuracy(p: Params, x: Tensor, labels: number[]): number {
  return tidy(() => mean(equal(argmax(logits(p, x), 1), tensor(labels))).item());
}

describe('end to end: a 2-layer MLP learns XOR quadrants with SGD', () => {
  it('lowers the loss and generalizes', () =>
    withBackend('reference', () => {
      const before = memory();
      const train = quadrants(256, 1), test = quadrants(256, 2);
      const rng = new Rng(3);
      let p: Params = {
        w1: rng.normal([2, 16], 0, 1),
        b1: zeros([16]),
        w2: rng.normal([16, 2], 0, 0.5),
        b2: zeros([2]),
      };
      const names = Object.keys(p) as (keyof Params)[];
      const lr = 0.5;
      const losses: number[] = [];
      let steadyMemory: ReturnType<typeof memory> | undefined;
      const accBefore = accuracy(p, test.x, test.labels);

      for (let step = 0; step < 300; step++) {
        const params = names.map((k) => p[k]);
        const { value, grads } = valueAndGrads(() => softmaxCrossEntropy(logits(p, train.x), train.labels), params);
        losses.push(value.item());
        const next = noGrad(() => tidy(() => names.map((k, i) => keep(sub(p[k], mul(grads[i], lr))))));
        dispose([value, grads, params]);
        p = Object.fromEntries(names.map((k, i) => [k, next[i]])) as unknown as Params;
        if (step === 0) steadyMemory = memory();
      }
      expect(memory(), 'live tensors after 300 steps vs after the first').toEqual(steadyMemory);

      const accAfter = accuracy(p, test.x, test.labels);
      const first = losses[0], last = losses[losses.length - 1];
      expect(last, `loss ${first} → ${last}`).toBeLessThan(0.25 * first);
      expect(losses.slice(-10).every((l, i, a) => i === 0 || l <= a[i - 1] + 1e-6), 'loss still decreasing at the end').toBe(true);
      expect(accBefore).toBeLessThan(0.75);
      expect(accAfter, `held-out accuracy ${accBefore} → ${accAfter}`).toBeGreaterThanOrEqual(0.95);

      dispose([p, train.x, test.x]);
      expect(memory()).toEqual(before);
    }));
});
