import { afterAll, describe, expect, it } from 'vitest';
import { MIN_FLOPS_PER_THREAD, WasmRuntime } from '../src/backends/wasm/runtime.js';

/** Deterministic uniform(-1, 1) values. */
function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** float64 batched matmul with the kernel table's semantics, plus sum |a||b| per output for the error bound. */
function naiveMatmul(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], ta: boolean, tb: boolean) {
  const batch = Math.max(aShape[0], bShape[0]);
  const [m, k] = ta ? [aShape[2], aShape[1]] : [aShape[1], aShape[2]];
  const n = tb ? bShape[1] : bShape[2];
  const value = new Float64Array(batch * m * n), scale = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ao = aShape[0] === 1 ? 0 : t * m * k, bo = bShape[0] === 1 ? 0 : t * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0, abs = 0;
        for (let p = 0; p < k; p++) {
          const x = a[ao + (ta ? p * m + i : i * k + p)] * b[bo + (tb ? j * k + p : p * n + j)];
          s += x;
          abs += Math.abs(x);
        }
        value[(t * m + i) * n + j] = s;
        scale[(t * m + i) * n + j] = abs;
      }
  }
  return { value, scale, shape: [batch, m, n] };
}

/** Largest |got - want| relative to sum |terms| (the float32 rounding scale of a dot product). */
function relativeError(got: Float32Array, want: { value: Float64Array; scale: Float64Array }): number {
  expect(got.length).toBe(want.value.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    if (!Number.isFinite(got[i])) return Infinity;
    worst = Math.max(worst, Math.abs(got[i] - want.value[i]) / (want.scale[i] + 1e-30));
  }
  return worst;
}

const runtimes = {
  'threads 1, plain SIMD': new WasmRuntime({ threads: 1, fma: false }),
  'threads 1, fma auto': new WasmRuntime({ threads: 1 }),
  'threads 2': new WasmRuntime({ threads: 2 }),
};
afterAll(() => Object.values(runtimes).forEach((r) => r.close()));

describe.each(Object.entries(runtimes))('wasm matmul (%s)', (_, runtime) => {
  /** Logical [batchA|batchB, m, k] x [.., k, n]; stored shapes follow the transpose flags. */
  const check = (batchA: number, batchB: number, m: number, n: number, k: number, ta: boolean, tb: boolean, seed: number) => {
    const aShape = ta ? [batchA, k, m] : [batchA, m, k];
    const bShape = tb ? [batchB, n, k] : [batchB, k, n];
    const a = random(batchA * m * k, seed);
    const b = random(batchB * k * n, seed + 1);
    const want = naiveMatmul(a, aShape, b, bShape, ta, tb);
    const got = runtime.matmul(a, aShape, b, bShape, ta, tb, want.shape);
    expect(relativeError(got, want)).toBeLessThan(1e-4);
  };

  const sizes = [1, 3, 17, 65, 130];
  it('matches float64 for odd sizes and every transpose combination', () => {
    let seed = 1;
    for (const m of sizes)
      for (const n of sizes)
        for (const k of [1, 17, 130]) {
          check(1, 1, m, n, k, seed % 2 === 0, seed % 3 === 0, seed);
          seed++;
        }
    for (const ta of [false, true]) for (const tb of [false, true]) check(1, 1, 65, 17, 130, ta, tb, seed++);
  });

  it('blocks the shared dimension past KC and the columns past NC', () => {
    check(1, 1, 33, 40, 600, false, false, 7);
    check(1, 1, 20, 2100, 9, false, true, 8);
  });

  it('is big enough to split across threads', () => {
    check(1, 1, 130, 150, 140, false, false, 11); // splits columns
    check(1, 1, 300, 40, 140, true, false, 12); // splits rows
    check(4, 4, 65, 130, 70, false, true, 13); // splits batches
    check(3, 3, 65, 130, 70, true, true, 14); // batches split unevenly
  });

  it('broadcasts a batch of one against a batch of many', () => {
    check(1, 3, 17, 9, 33, false, false, 21);
    check(3, 1, 17, 9, 33, false, true, 22);
    check(5, 1, 17, 65, 33, true, false, 23);
  });

  it('takes one row times a transposed matrix (the GEMV path) at any row count and length', () => {
    let seed = 40;
    // W5's action (FC 1024 → 128), and row counts / lengths around the 4-row groups and 4-lane tails
    check(1, 1, 1, 128, 1024, false, true, seed++);
    for (const n of [1, 3, 4, 5, 9]) for (const k of [1, 3, 4, 7, 33]) check(1, 1, 1, n, k, false, true, seed++);
  });

  it('handles empty dimensions', () => {
    expect(runtime.matmul(new Float32Array(0), [1, 3, 0], new Float32Array(0), [1, 0, 4], false, false, [1, 3, 4])).toEqual(new Float32Array(12));
    expect(runtime.matmul(new Float32Array(0), [2, 0, 5], random(10, 3), [1, 5, 2], false, false, [2, 0, 2]).length).toBe(0);
  });

  it('gives the same answer when called again (scratch reuse)', () => {
    const a = random(65 * 130, 5), b = random(130 * 17, 6);
    const first = runtime.matmul(a, [1, 65, 130], b, [1, 130, 17], false, false, [1, 65, 17]);
    runtime.matmul(random(300 * 300, 9), [1, 300, 300], random(300 * 300, 10), [1, 300, 300], false, false, [1, 300, 300]);
    expect(runtime.matmul(a, [1, 65, 130], b, [1, 130, 17], false, false, [1, 65, 17])).toEqual(first);
  });
});

describe('wasm runtime threads', () => {
  it('gives bit-identical results on one and two threads', () => {
    const one = new WasmRuntime({ threads: 1, fma: false }), two = new WasmRuntime({ threads: 2, fma: false });
    // 20 MFLOP each (the conv: 2·20·24·144·144): split in two, at 2·MIN_FLOPS_PER_THREAD and more
    expect(Math.min(2 * 200 * 300 * 170, 2 * 20 * 24 * 144 * 144)).toBeGreaterThanOrEqual(2 * MIN_FLOPS_PER_THREAD);
    const a = random(200 * 300, 31), b = random(300 * 170, 32);
    const shapes = [[1, 200, 300], [1, 300, 170], [1, 200, 170]] as const;
    expect(two.matmul(a, shapes[0], b, shapes[1], false, false, shapes[2])).toEqual(one.matmul(a, shapes[0], b, shapes[1], false, false, shapes[2]));
    const x = random(20 * 16 * 12 * 12, 33), w = random(24 * 16 * 9, 34);
    const attrs = { stride: [1, 1], pad: [1, 1, 1, 1], dilation: [1, 1] } as const;
    const xs = [20, 16, 12, 12], ws = [24, 16, 3, 3], ys = [20, 24, 12, 12];
    expect(two.conv2d(x, xs, w, ws, attrs, ys)).toEqual(one.conv2d(x, xs, w, ws, attrs, ys));
    const row = random(1024, 35), weight = random(128 * 1024, 36);
    expect(two.matmul(row, [1, 1, 1024], weight, [1, 128, 1024], false, true, [1, 1, 128])).toEqual(one.matmul(row, [1, 1, 1024], weight, [1, 128, 1024], false, true, [1, 1, 128]));
    two.close();
    one.close();
  });

  it('keeps working inline after close()', () => {
    const rt = new WasmRuntime({ threads: 2 });
    const a = random(256 * 256, 41);
    const before = rt.matmul(a, [1, 256, 256], a, [1, 256, 256], false, false, [1, 256, 256]);
    rt.close();
    expect(rt.matmul(a, [1, 256, 256], a, [1, 256, 256], false, false, [1, 256, 256])).toEqual(before);
  });

  it('rejects bad thread counts', () => {
    expect(() => new WasmRuntime({ threads: 0 })).toThrow(/threads/);
    expect(() => new WasmRuntime({ threads: 1.5 })).toThrow(/threads/);
  });
});

/**
 * The blocked GEMM's summation order, in float32 (plain SIMD: products rounded, then added):
 * the shared dimension in kBlock's equal blocks of at most KC = 256, each block summed in k order
 * from zero, the block sums added to C in block order. Packing (vector copies, 4x4 transposes),
 * reading a row-major B in place and the thread split must not change it: a value read from the
 * wrong place changes the bits.
 */
function orderedMatmul(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean): Float32Array {
  const f = Math.fround;
  const blocks = Math.ceil(k / 256);
  const kb = ((Math.ceil(k / blocks) + 3) >> 2) << 2;
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let c = 0;
      for (let pc = 0; pc < k; pc += kb) {
        let s = 0;
        for (let p = pc; p < Math.min(k, pc + kb); p++) s = f(s + f(a[ta ? p * m + i : i * k + p] * b[tb ? j * k + p : p * n + j]));
        c = pc === 0 ? s : f(c + s);
      }
      out[i * n + j] = c;
    }
  return out;
}

describe('wasm matmul summation order (plain SIMD, 1 and 2 threads)', () => {
  const one = new WasmRuntime({ threads: 1, fma: false }), two = new WasmRuntime({ threads: 2, fma: false });
  afterAll(() => { one.close(); two.close(); });
  /** [m, n, k, transposeA, transposeB] */
  const shapes: [number, number, number, boolean, boolean][] = [
    // W5's update at batch 32: FC1 forward x·W1ᵀ, FC2 forward, FC2 and FC1 input and weight gradients
    [32, 128, 1024, false, true], [32, 6, 128, false, true], [32, 128, 6, false, false], [6, 128, 32, true, false],
    [32, 1024, 128, false, false], [128, 1024, 32, true, false],
    // k not a multiple of 4 (packing tails), more than one K block, partial row panels and column panels
    [13, 21, 7, false, true], [13, 21, 7, false, false], [13, 21, 7, true, false], [13, 21, 7, true, true],
    [36, 40, 517, false, true], [36, 40, 517, true, true], [150, 33, 258, false, false], [150, 33, 258, true, true],
    // row-major B read in place (at most MC rows): fewer columns than one panel, a partial last panel
    [13, 5, 7, false, false], [128, 30, 9, true, false],
    // big enough for two threads: split by rows (two blocks of at most MC rows each) and by columns
    [200, 150, 150, false, false], [200, 150, 150, true, true], [40, 300, 400, false, false],
  ];
  it.each(shapes)('%i x %i x %i (transposeA %s, transposeB %s) sums in the blocked order', (m, n, k, ta, tb) => {
    const a = random(m * k, m + n + k), b = random(k * n, m * n + k);
    const aShape = ta ? [1, k, m] : [1, m, k], bShape = tb ? [1, n, k] : [1, k, n];
    const want = orderedMatmul(a, b, m, n, k, ta, tb);
    expect(one.matmul(a, aShape, b, bShape, ta, tb, [1, m, n])).toEqual(want);
    expect(two.matmul(a, aShape, b, bShape, ta, tb, [1, m, n])).toEqual(want);
  });
});
