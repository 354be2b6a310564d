/** DRAW's Gaussian-filterbank attention: formulas against a plain loop, exact pixels, row sums, gradients. */
import { describe, expect, it } from 'vitest';
import { full, mul, Rng, sum, tensor, WnError, type Tensor } from '@wn/tensor';
import { gradcheck } from '@wn/autograd';
import {
  attentionWindow, attentiveRead, attentiveWrite, axisFilterbank, filterbanks, type AttentionWindow, type ImageSize,
} from '../src/draw/attention.js';

/** A window given directly (one example). */
function window(gx: number, gy: number, delta: number, sigma2: number, gamma = 1): AttentionWindow {
  const one = (v: number) => tensor([v], [1, 1]);
  return { gx: one(gx), gy: one(gy), delta: one(delta), sigma2: one(sigma2), gamma: one(gamma) };
}

/** The spec's filterbank written as plain loops: F[i][a] ∝ exp(−(a − μ_i)²/2σ²), μ_i = g + (i − N/2 + 0.5)δ. */
function loopFilterbank(g: number, delta: number, sigma2: number, n: number, length: number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    const mu = g + (i - n / 2 + 0.5) * delta;
    const row = Array.from({ length }, (_, a) => Math.exp(-((a - mu) ** 2) / (2 * sigma2)));
    const s = row.reduce((p, q) => p + q, 0);
    return row.map((v) => v / Math.max(s, 1e-8));
  });
}

describe('attention window', () => {
  it('maps the five raw numbers as the spec: zeros give the centred grid spanning the image', () => {
    const size: ImageSize = { height: 28, width: 20 };
    const w = attentionWindow(tensor([0, 0, 0, 0, 0, 0.5, -0.25, Math.log(2), Math.log(0.5), Math.log(3)], [2, 5]), 5, size);
    expect(w.gx.toArray()).toEqual([10.5, 15.75]); // (A+1)/2·(g̃+1)
    expect(w.gy.toArray()).toEqual([14.5, 0.75 * 14.5]);
    expect(w.delta.toArray()[0]).toBeCloseTo(27 / 4, 5); // (max(A,B) − 1)/(N − 1)
    expect(w.delta.toArray()[1]).toBeCloseTo(27 / 8, 5);
    expect(w.sigma2.toArray()[1]).toBeCloseTo(2, 5);
    expect(w.gamma.toArray()[1]).toBeCloseTo(3, 5);
    expect(() => attentionWindow(tensor([0, 0, 0, 0], [1, 4]), 5, size)).toThrow(/raw must be \[batch, 5\].*got \[1, 4\]/);
    expect(() => attentionWindow(tensor([0, 0, 0, 0, 0], [1, 5]), 1, size)).toThrow(WnError);
  });
});

describe('filterbank', () => {
  it('equals the spec formula written as loops, on a non-square image, and every row sums to 1', () => {
    const size: ImageSize = { height: 9, width: 7 };
    const [gx, gy, delta, sigma2, n] = [3.2, 4.7, 1.3, 0.8, 4];
    const { fx, fy } = filterbanks(window(gx, gy, delta, sigma2), n, size);
    expect(fx.shape).toEqual([1, n, 7]);
    expect(fy.shape).toEqual([1, n, 9]);
    const ex = loopFilterbank(gx, delta, sigma2, n, 7).flat(), ey = loopFilterbank(gy, delta, sigma2, n, 9).flat();
    fx.toArray().forEach((v, i) => expect(v).toBeCloseTo(ex[i], 6));
    fy.toArray().forEach((v, i) => expect(v).toBeCloseTo(ey[i], 6));
    for (const f of [fx, fy]) {
      const rows = sum(f, 2).toArray();
      rows.forEach((s) => expect(Math.abs(s - 1)).toBeLessThan(1e-6));
    }
  });

  it('rows of random windows over a 28×28 image sum to 1; a window far outside gives zero rows, not NaN', () => {
    const rng = new Rng(3);
    // centres within the middle half, σ² ∈ [1, e], strides up to the full span: filters stay near the image
    const ranges = [[-0.5, 0.5], [-0.5, 0.5], [0, 1], [-1, 0], [-1, 1]];
    const raw = tensor(Array.from({ length: 8 }, () => ranges.map(([lo, hi]) => rng.uniformArray(1, lo, hi)[0])).flat(), [8, 5]);
    const w = attentionWindow(raw, 5, { height: 28, width: 28 });
    const { fx, fy } = filterbanks(w, 5, { height: 28, width: 28 });
    for (const f of [fx, fy]) sum(f, 2).toArray().forEach((s) => expect(Math.abs(s - 1)).toBeLessThan(1e-5));
    const far = axisFilterbank(tensor([500], [1, 1]), tensor([1], [1, 1]), tensor([0.01], [1, 1]), 3, 28).toArray();
    expect(far.every((v) => v === 0)).toBe(true);
  });
});

describe('read and write', () => {
  const size: ImageSize = { height: 6, width: 8 };
  const pixels = Array.from({ length: 48 }, (_, i) => (i * 7919) % 48 / 48);
  const x = () => tensor(pixels, [1, 48]);
  const at = (r: number, c: number) => pixels[r * 8 + c];

  it('with σ → 0, δ = 1 and integer filter centres, read returns the exact pixels of the patch (N odd and even)', () => {
    // N = 3 around (row 2, column 4): rows 1..3, columns 3..5
    const read3 = attentiveRead(x(), full([1, 48], 0), window(4, 2, 1, 1e-4), 3, size).toArray();
    const expected3 = [1, 2, 3].flatMap((r) => [3, 4, 5].map((c) => at(r, c)));
    expect(read3.slice(0, 9)).toEqual(expected3.map((v) => Math.fround(v)));
    expect(read3.slice(9)).toEqual(new Array(9).fill(0)); // the x̂ half
    // N = 2: the grid centre sits between pixels, so the filters centre on columns 5, 6 and rows 3, 4
    const read2 = attentiveRead(full([1, 48], 0), x(), window(5.5, 3.5, 1, 1e-4, 2), 2, size).toArray();
    expect(read2.slice(4)).toEqual([at(3, 5), at(3, 6), at(4, 5), at(4, 6)].map((v) => Math.fround(2 * v))); // γ = 2
  });

  it('with the same filters, write places the patch at those pixels, divided by γ, and nothing elsewhere', () => {
    const patch = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 9]);
    const img = attentiveWrite(patch, window(4, 2, 1, 1e-4, 2), 3, size).toArray();
    const expected = new Array<number>(48).fill(0);
    [1, 2, 3].forEach((r, j) => [3, 4, 5].forEach((c, i) => (expected[r * 8 + c] = (j * 3 + i + 1) / 2)));
    expect(img).toEqual(expected);
    expect(() => attentiveWrite(tensor([1, 2, 3, 4], [1, 4]), window(4, 2, 1, 1), 3, size)).toThrow(/patch must be \[batch, 9\]/);
  });

  it('gradients through read (window, x, x̂) and write (window, patch) match finite differences in float64', () => {
    const rng = new Rng(11);
    const batch = 2, n = 3, nw = 2;
    const host = (k: number, lo = -1, hi = 1) => ({ values: rng.uniformArray(k, lo, hi), shape: [batch, k / batch] });
    const raw = { values: rng.uniformArray(batch * 5, -0.5, 0.5), shape: [batch, 5] };
    const readWeights = host(batch * 2 * n * n);
    const readResult = gradcheck((r: Tensor, xs: Tensor, xh: Tensor) => {
      const out = attentiveRead(xs, xh, attentionWindow(r, n, size), n, size);
      return sum(mul(out, tensor(readWeights.values, readWeights.shape)));
    }, [raw, host(batch * 48, 0, 1), host(batch * 48)]);
    expect(readResult.ok, JSON.stringify(readResult.worst)).toBe(true);

    const writeWeights = host(batch * 48);
    const writeResult = gradcheck((r: Tensor, p: Tensor) => {
      const out = attentiveWrite(p, attentionWindow(r, nw, size), nw, size);
      return sum(mul(out, tensor(writeWeights.values, writeWeights.shape)));
    }, [raw, host(batch * nw * nw)]);
    expect(writeResult.ok, JSON.stringify(writeResult.worst)).toBe(true);
    expect(writeResult.maxAbsError).toBeLessThan(1e-6);
  });

});
