import { afterAll, describe, expect, it } from 'vitest';
import { createReferenceKernels } from '../src/backends/reference/index.js';
import { createWasmBackend } from '../src/backends/wasm/index.js';
import { buildKernelModule } from '../src/backends/wasm/kernel-module.js';
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

describe('wasm row-fused weight-norm functions', () => {
  // the kernel module alone, so the row-fused functions can be checked against the passes they
  // replace for weights with the units outermost (runtime.ts runs the passes only for outer > 1)
  const built = buildKernelModule({ shared: false, fma: false });
  const memory = new WebAssembly.Memory({ initial: 64, maximum: built.memory.maximum });
  const fns = new WebAssembly.Instance(built.module, { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
  const f32 = () => new Float32Array(memory.buffer);
  const f64 = () => new Float64Array(memory.buffer);
  /** Writes `data` at byte address `at` and returns `at`. */
  const put = (at: number, data: Float32Array): number => (f32().set(data, at / 4), at);
  const get = (at: number, n: number): Float32Array => f32().slice(at / 4, at / 4 + n);

  // rows with and without a SIMD tail, one unit, and a row shorter than a vector
  for (const [units, inner] of [[128, 1024], [84, 120], [6, 129], [1, 7], [5, 3]]) {
    it(`give the bits of the norm, scale and gradient passes on [${units}, ${inner}]`, () => {
      const n = units * inner;
      const v = values([n], 5).data, dw = values([n], 6).data, g = values([units], 7, 0.5, 2).data;
      // a zero row (0/0: NaN, as the passes give) and a row whose dots are exactly zero
      v.fill(0, 0, Math.min(inner, n));
      // byte addresses of the operands, each block 64-byte aligned
      let free = 1 << 16;
      const block = (bytes: number): number => ((free += Math.ceil(bytes / 64) * 64), free - Math.ceil(bytes / 64) * 64);
      const [V, DW, G, Y, Y2, S, S2, C1, C2] = [4 * n, 4 * n, 4 * units, 4 * n, 4 * n, 8 * units, 8 * units, 4 * units, 4 * units].map(block);
      put(V, v); put(DW, dw); put(G, g);
      // forward: the passes (as runtime.ts's outer > 1 path) then the row-fused function
      fns.wn_unitDots(V, V, 1, units, inner, S);
      const squares = f64().slice(S / 8, S / 8 + units);
      const norms = Array.from(squares, (s) => Math.fround(Math.sqrt(Math.fround(s))));
      put(C1, Float32Array.from(norms, (nu, u) => g[u] / nu));
      fns.wn_scaleUnits(V, C1, 1, units, inner, Y);
      fns.wn_rowsNormalize(V, G, units, inner, Y2);
      expect(firstDifference(get(Y2, n), get(Y, n))).toBe(-1);
      // gradients
      fns.wn_unitDots(DW, V, 1, units, inner, S2);
      const dots = Array.from(f64().slice(S2 / 8, S2 / 8 + units), (s) => Math.fround(s));
      const dg = Float32Array.from(dots, (s, u) => s / norms[u]);
      fns.wn_rowsGradG(DW, V, units, inner, Y2);
      expect(firstDifference(get(Y2, units), dg)).toBe(-1);
      put(C1, Float32Array.from(norms, (nu, u) => g[u] / nu));
      put(C2, Float32Array.from(norms, (nu, u) => dots[u] / Math.fround(nu * nu)));
      fns.wn_gradV(DW, V, C1, C2, 1, units, inner, Y);
      fns.wn_rowsGradV(DW, V, G, units, inner, Y2);
      expect(firstDifference(get(Y2, n), get(Y, n))).toBe(-1);
    });
  }
});
