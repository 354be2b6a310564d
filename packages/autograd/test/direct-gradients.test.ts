/**
 * The direct gradient rules of the fused ops against autograd through their decompositions into
 * primitives, in float64 (reference64): gaussianFilterbank (and its floor: a window far off the
 * axis gives zero rows and zero gradients, not NaN) and the LSTM cell's lstmCell; and
 * weightNormalize recorded from a known value.
 */
import { describe, expect, it } from 'vitest';
import {
  add, arange, concat, div, exp, gaussianFilterbank, gaussianFilterbankBackward, lstmCell, maximum, mul, onOp, reshape, sigmoid, slice, square, sub, sum, tanh, tensor,
  tidy, weightNormalize, withBackend, type Tensor,
} from '@wn/tensor';
import { valueAndGrads } from '../src/index.js';

const d = () => tensor([1.5, 2], [2, 1]);
const s = () => tensor([1, 0.5], [2]);

describe('gaussianFilterbank: values and gradients', () => {
  it('rows sum to 1 on the axis and are 0 (gradients 0) far off it', () => {
    tidy(() => {
      const centre = tensor([4, 500], [2, 1]);
      const { value, grads } = valueAndGrads(() => sum(mul(gaussianFilterbank(centre, d(), s(), 3, 9), reshape(arange(0, 54), [2, 3, 9]))), [centre]);
      expect(Number.isFinite(value.item())).toBe(true);
      const f = gaussianFilterbank(centre, d(), s(), 3, 9).toArray(); // [2, 3, 9], flat
      for (let i = 0; i < 3; i++) expect(f.slice(9 * i, 9 * i + 9).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(f.slice(27).every((v) => v === 0)).toBe(true);
      const [near, far] = grads[0].toArray();
      expect(Math.abs(near)).toBeGreaterThan(0);
      expect(far).toBe(0);
    });
  });

  it('the direct gradient equals autograd through the decomposition (float64)', () => {
    withBackend('reference64', () => tidy(() => {
      const inputs = [tensor([2.5, 7, -1], [3, 1]), tensor([1.2, 0.7, 2], [3, 1]), tensor([0.8, 2.5, 1.4], [3, 1])];
      const dy = tensor(Array.from({ length: 3 * 4 * 10 }, (_, k) => Math.sin(k)), [3, 4, 10]);
      const composed = (centre: Tensor, delta: Tensor, sigma2: Tensor): Tensor => {
        const mu = add(reshape(centre, [3, 1, 1]), mul(reshape(sub(arange(0, 4), 1.5), [1, 4, 1]), reshape(delta, [3, 1, 1])));
        const f = exp(div(square(sub(reshape(arange(0, 10), [1, 1, 10]), mu)), mul(reshape(sigma2, [3, 1, 1]), -2)));
        return div(f, maximum(sum(f, 2, true), 1e-8));
      };
      const want = valueAndGrads(() => sum(mul(composed(inputs[0], inputs[1], inputs[2]), dy)), inputs).grads;
      const got = gaussianFilterbankBackward(dy, inputs[0], inputs[1], inputs[2], 4, 10).toArray(); // [3, B] flat
      want.forEach((g, k) => (g.dataSync() as Float64Array).forEach((v, b) => expect(Math.abs(got[3 * k + b] - v)).toBeLessThan(1e-12 * Math.max(1, Math.abs(v)))));
      const fwd = gaussianFilterbank(inputs[0], inputs[1], inputs[2], 4, 10).dataSync(), ref = composed(inputs[0], inputs[1], inputs[2]).dataSync();
      fwd.forEach((v, k) => expect(Math.abs(v - ref[k])).toBeLessThan(1e-14));
    }));
  });
});

describe('lstmCell: direct gradients', () => {
  it('equal autograd through the decomposition (float64), through two steps', () => {
    withBackend('reference64', () => tidy(() => {
      const h = 3;
      const g1 = tensor(Array.from({ length: 2 * 4 * h }, (_, k) => 3 * Math.sin(1.7 * k)), [2, 4 * h]);
      const g2 = tensor(Array.from({ length: 2 * 4 * h }, (_, k) => 2 * Math.cos(0.9 * k)), [2, 4 * h]);
      const c0 = tensor(Array.from({ length: 2 * h }, (_, k) => Math.sin(k) - 0.3), [2, h]);
      const up = tensor(Array.from({ length: 2 * 2 * h }, (_, k) => Math.cos(2.3 * k)), [2, 2 * h]);
      const composedCell = (g: Tensor, c: Tensor) => {
        const part = (k: number) => slice(g, [0, k * h], [2, h]);
        const cn = add(mul(sigmoid(part(1)), c), mul(sigmoid(part(0)), tanh(part(2))));
        return { h: mul(sigmoid(part(3)), tanh(cn)), c: cn };
      };
      const loss = (cell: typeof lstmCell) => (a: Tensor, b: Tensor, c: Tensor) => {
        const s1 = cell(a, c), s2 = cell(b, s1.c);
        return sum(mul(concat([add(s2.h, s1.h), s2.c], 1), up));
      };
      const want = valueAndGrads(() => loss(composedCell)(g1, g2, c0), [g1, g2, c0]);
      const got = valueAndGrads(() => loss(lstmCell)(g1, g2, c0), [g1, g2, c0]);
      expect(Math.abs(got.value.item() - want.value.item())).toBeLessThan(1e-13);
      got.grads.forEach((g, k) => (g.dataSync() as Float64Array).forEach((v, i) => expect(Math.abs(v - want.grads[k].dataSync()[i])).toBeLessThan(1e-13)));
    }));
  });
});

describe('weightNormalize with its value known', () => {
  it('records the op on a view of the known value: the same output and gradients as computing it, and bad values are refused', () => {
    tidy(() => {
      const v = tensor([0.5, -1, 2, 0.25, 3, -0.5], [2, 3]), g = tensor([1.5, -2], [2, 1]);
      const weights = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const loss = (w: Tensor) => sum(mul(mul(w, w), weights));
      const computed = valueAndGrads(() => loss(weightNormalize(v, g, 0)), [v, g]);
      const w = weightNormalize(v, g, 0);
      let dispatched = 0;
      const stop = onOp((r) => { if (r.op === 'weightNorm') dispatched++; });
      const reused = valueAndGrads(() => loss(weightNormalize(v, g, 0, w)), [v, g]);
      stop();
      expect(dispatched).toBe(1); // announced, so the tape records it
      expect(reused.value.item()).toBe(computed.value.item());
      reused.grads.forEach((d, i) => expect(d.toArray()).toEqual(computed.grads[i].toArray()));
      const view = weightNormalize(v, g, 0, w);
      expect(view.toArray()).toEqual(w.toArray());
      view.dispose();
      expect(w.toArray()).toEqual(weightNormalize(v, g, 0).toArray()); // the known value outlives its view
      expect(() => weightNormalize(v, g, 0, tensor([1, 2, 3], [3]))).toThrow(/weightNormalize.*known.*\[2, 3\]/);
      expect(() => weightNormalize(v, g, 0, 'w' as unknown as Tensor)).toThrow(/weightNormalize.*known.*a Tensor/);
    });
  });
});
