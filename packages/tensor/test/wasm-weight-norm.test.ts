import { afterAll, describe, expect, it } from 'vitest';
import { createReferenceKernels } from '../src/backends/reference/index.js';
import { createWasmBackend } from '../src/backends/wasm/index.js';
import type { KernelInput } from '../src/kernels.js';
import { sizeOf } from '../src/shape.js';

const reference = createReferenceKernels((n) => new Float32Array(n));
const single = createWasmBackend({ threads: 1 });
const threaded = createWasmBackend({ threads: 2 });
afterAll(() => {
  single.runtime.close();
  threaded.runtime.close();
});

function values(shape: number[], seed: number, low = -2, high = 2): KernelInput<Float32Array> {
  const data = new Float32Array(sizeOf(shape));
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = low + ((s >>> 8) / 2 ** 24) * (high - low);
  }
  return { data, shape };
}

/** Index of the first element whose bits differ, or -1. */
const firstDifference = (a: Float32Array, b: Float32Array): number => (a.length !== b.length ? 0 : a.findIndex((x, i) => !Object.is(x, b[i])));

function maxRelative(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

// W5's weights (FC 1024 → 128, conv 4 → 16 3×3, FC 128 → 6), a CartPole layer (rows of 4 and
// 84: SIMD tails), a ConvTranspose2d weight normalized per output channel (dim 1) and a vector
const CASES: [number[], number][] = [[[128, 1024], 0], [[16, 4, 3, 3], 0], [[6, 128], 0], [[120, 4], 0], [[2, 84], 0], [[5, 7, 3, 3], 1], [[2, 3, 5], 2], [[9], 0]];

describe('wasm weight-norm kernels', () => {
  for (const [shape, dim] of CASES) {
    it(`agree with the reference kernels on [${shape.join(', ')}] dim ${dim}, identically at 1 and 2 threads`, () => {
      const v = values(shape, 1), g = values([shape[dim]], 2, 0.5, 2), dw = values(shape, 3);
      const w1 = single.kernels.weightNorm!(v, g, dim, shape);
      // squared norms summed in float64 as the reference does: the same float32 weights
      expect(maxRelative(w1, reference.weightNorm!(v, g, dim, shape) as Float32Array)).toBe(0);
      expect(firstDifference(threaded.kernels.weightNorm!(v, g, dim, shape), w1)).toBe(-1);
      for (const wrt of ['v', 'g'] as const) {
        const out = wrt === 'v' ? shape : [shape[dim]];
        const got = single.kernels.weightNormBackward!(dw, v, g, dim, wrt, out);
        const want = reference.weightNormBackward!(dw, v, g, dim, wrt, out) as Float32Array;
        expect(got.length).toBe(want.length);
        expect(maxRelative(got, want), `gradient of ${wrt}`).toBeLessThan(1e-6);
        expect(firstDifference(threaded.kernels.weightNormBackward!(dw, v, g, dim, wrt, out), got)).toBe(-1);
      }
    });
  }

  it('handle empty weights', () => {
    const v = values([0, 5], 1), g = values([0], 2);
    expect(single.kernels.weightNorm!(v, g, 0, [0, 5]).length).toBe(0);
    expect(single.kernels.weightNormBackward!(v, v, g, 0, 'g', [0]).length).toBe(0);
  });
});
