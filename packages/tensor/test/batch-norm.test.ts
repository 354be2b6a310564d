/**
 * batchNormalize / batchNormalizeBackward / batchMoments: the optional kernels agree with the
 * decomposition into primitives (what backends without them run), the wasm backend's results are
 * the same bits at 1 and 2 threads, and bad arguments get a WnError naming them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../src/backends/wasm/index.js';
import {
  batchMoments, batchNormalize, batchNormalizeBackward, createReferenceBackend, registerBackend, Rng, tensor, tidy, withBackend, WnError,
  type Tensor,
} from '../src/index.js';

// reference64 without the batch-norm kernels: the ops fall back to their decompositions
registerBackend('reference64-composed-bn', () => {
  const base = createReferenceBackend({ precision: 'float64' });
  const { batchNorm: _a, batchNormBackward: _b, batchMoments: _c, ...kernels } = base.kernels;
  return { ...base, name: 'reference64-composed-bn', kernels };
});

const single = createWasmBackend({ threads: 1 });
const threaded = createWasmBackend({ threads: 2 });
registerBackend('wasm-bn-1-thread', () => single);
registerBackend('wasm-bn-2-threads', () => threaded);
afterAll(() => {
  single.runtime.close();
  threaded.runtime.close();
});

interface Inputs { x: number[]; dy: number[]; weight: number[]; bias: number[] }

function draw(shape: number[], seed: number): Inputs {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const c = shape[1];
  return {
    x: Array.from(rng.normal([n]).dataSync(), (v) => 3 * v + 1.5),
    dy: Array.from(rng.normal([n]).dataSync()),
    weight: Array.from(rng.uniformArray(c, 0.5, 2)),
    bias: Array.from(rng.normal([c]).dataSync()),
  };
}

/** Every result of the three ops on `backend`, read back. */
function results(backend: string, shape: number[], v: Inputs, eps: number): Float32Array[] | Float64Array[] {
  return withBackend(backend, () =>
    tidy(() => {
      const x = tensor(v.x, shape), dy = tensor(v.dy, shape), w = tensor(v.weight), b = tensor(v.bias);
      const outs: Tensor[] = [batchNormalize(x, w, b, eps), batchMoments(x), ...(['x', 'weight', 'bias'] as const).map((wrt) => batchNormalizeBackward(dy, x, w, eps, wrt))];
      return outs.map((t) => t.dataSync().slice());
    }),
  ) as Float32Array[] | Float64Array[];
}

// the first four run the wasm backend's reference loops; the rest (≥ 2048 elements) its SIMD
// kernels: rows not a multiple of 4 long, rows of one value ([N, C]), and enough work for 2 threads
const SHAPES: [number[], number][] = [
  [[8, 5], 1e-5], [[3, 4, 37], 1e-3], [[4, 3, 5, 6], 1e-5], [[2, 2, 1, 1], 0.1],
  [[16, 8, 5, 7], 1e-5], [[1024, 3], 1e-3], [[4, 4, 128, 72], 1e-5],
];

describe('batch-norm kernels', () => {
  for (const [shape, eps] of SHAPES) {
    // (the decomposition is slow on the largest shape: its kernels are checked against the reference loops above)
    if (shape.reduce((a, b) => a * b, 1) < 1e5) it(`agree with the decomposition at float64 on [${shape.join(', ')}] (eps ${eps})`, () => {
      const v = draw(shape, shape.length * 7 + shape[0]);
      const fused = results('reference64', shape, v, eps), composed = results('reference64-composed-bn', shape, v, eps);
      fused.forEach((f, k) => {
        expect(f.length).toBe(composed[k].length);
        f.forEach((value, i) => expect(Math.abs(value - composed[k][i]), `result ${k} at ${i}`).toBeLessThan(1e-10 * Math.max(1, Math.abs(value))));
      });
    });

    it(`on wasm agree with the float64 reference on [${shape.join(', ')}]`, () => {
      const v = draw(shape, 5);
      const wasm = results('wasm-bn-2-threads', shape, v, eps), exact = results('reference64', shape, v, eps);
      wasm.forEach((r, k) => {
        // float32 results of float64 arithmetic: within a few float32 ulps of the float64 values
        // (the gradients relative to their largest value: their terms cancel)
        let scale = 0;
        for (const e of exact[k]) scale = Math.max(scale, Math.abs(e));
        let worst = 0;
        r.forEach((value, i) => { worst = Math.max(worst, Math.abs(value - exact[k][i]) / Math.max(1, Math.abs(exact[k][i]), k >= 2 ? scale : 0)); });
        expect(r.length).toBe(exact[k].length);
        expect(worst, `result ${k}`).toBeLessThan(1e-6);
      });
    });

    it(`give the same bits at 1 and 2 wasm threads on [${shape.join(', ')}]`, () => {
      const v = draw(shape, 11);
      const a = results('wasm-bn-1-thread', shape, v, eps), b = results('wasm-bn-2-threads', shape, v, eps);
      a.forEach((r, k) => expect([...r], `result ${k}`).toEqual([...b[k]]));
    });
  }

  it('normalize each channel to mean β and standard deviation γ (up to eps)', () => {
    const v = draw([16, 3, 4, 4], 5);
    const [y] = results('reference64', [16, 3, 4, 4], v, 0);
    for (let c = 0; c < 3; c++) {
      const vals: number[] = [];
      for (let n = 0; n < 16; n++) for (let i = 0; i < 16; i++) vals.push(y[(n * 3 + c) * 16 + i]);
      const m = vals.reduce((s, t) => s + t, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((s, t) => s + (t - m) ** 2, 0) / vals.length);
      expect(m).toBeCloseTo(v.bias[c], 10);
      expect(sd).toBeCloseTo(v.weight[c], 10);
    }
  });
});

describe('batch-norm argument errors', () => {
  const x = tensor([1, 2, 3, 4, 5, 6], [3, 2]);
  const w = tensor([1, 1]), b = tensor([0, 0]);
  it.each([
    ['x of rank 1', () => batchNormalize(tensor([1, 2]), w, b), /batchNormalize.*x.*rank ≥ 2/],
    ['a weight of the wrong size', () => batchNormalize(x, tensor([1, 1, 1]), b), /batchNormalize.*weight.*\[2\].*\[3\]/],
    ['a bias of the wrong size', () => batchNormalize(x, w, tensor([0])), /batchNormalize.*bias.*\[2\].*\[1\]/],
    ['a negative eps', () => batchNormalize(x, w, b, -1), /batchNormalize.*eps.*≥ 0.*-1/],
    ['a NaN eps', () => batchNormalize(x, w, b, NaN), /batchNormalize.*eps.*NaN/],
    ['dy of another shape', () => batchNormalizeBackward(tensor([1, 2]), x, w, 1e-5, 'x'), /batchNormalizeBackward.*dy.*\[3, 2\].*\[2\]/],
    ['an unknown wrt', () => batchNormalizeBackward(x, x, w, 1e-5, 'gamma' as 'x'), /batchNormalizeBackward.*wrt.*gamma/],
    ['batchMoments of a vector', () => batchMoments(tensor([1, 2, 3])), /batchMoments.*x.*rank ≥ 2/],
  ])('%s is a WnError naming it', (_, f, message) => {
    expect(f).toThrow(WnError);
    expect(f).toThrow(message);
  });
});
