import { afterAll, describe, expect, it } from 'vitest';
import type { KernelInput } from '../src/kernels.js';
import { broadcastShapes, sizeOf } from '../src/shape.js';
import { createReferenceKernels } from '../src/backends/reference/index.js';
import { createWasmBackend } from '../src/backends/wasm/index.js';
import { ELEMENTWISE_OPS } from '../src/backends/wasm/elementwise-kernels.js';
import { MIN_ELEMENTWISE_SIZE } from '../src/backends/wasm/runtime.js';
import { createHostKernels } from '../src/backends/wasm/host-kernels.js';

const reference = createReferenceKernels((n) => new Float32Array(n));
const single = createWasmBackend({ threads: 1 });
const threaded = createWasmBackend({ threads: 2 });
afterAll(() => {
  single.runtime.close();
  threaded.runtime.close();
});

/** Values with NaN, ±Infinity, ±0, subnormals and repeats mixed into uniform(-2, 2) noise. */
function values(shape: number[], seed: number): KernelInput<Float32Array> {
  const data = new Float32Array(sizeOf(shape));
  let s = seed;
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1, 1e-40, -3e-39, 3e38];
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s % 13 === 0 ? specials[(s >>> 8) % specials.length] : ((s >>> 8) / 2 ** 24) * 4 - 2;
  }
  return { data, shape };
}

/** Bit-for-bit equality, any NaN matching any NaN. */
function expectSameBits(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const bad = expected.findIndex((e, i) => !(Object.is(e, actual[i]) || (Number.isNaN(e) && Number.isNaN(actual[i]))));
  expect(bad === -1 ? 'all equal' : `index ${bad}: ${actual[bad]} vs ${expected[bad]}`).toBe('all equal');
}

// Shapes whose output reaches MIN_ELEMENTWISE_SIZE, in the three stride patterns the SIMD runs
// take (both inputs contiguous, a column held over each run, a whole-tensor scalar), with run
// lengths that are not multiples of 4 so the scalar tail runs too.
const large: [number[], number[]][] = [
  [[128, 1024], [128, 1024]],
  [[128, 1024], [128, 1]], // weight norm's g/‖v‖ · v
  [[33, 1027], [33, 1]],
  [[16, 4, 3, 343], [16, 1, 1, 1]],
  [[40, 1030], []],
  [[3, 7, 1025], [7, 1025]], // b repeats over the leading axis
];

describe('wasm elementwise SIMD runs', () => {
  it('take the large contiguous and held-column cases, not small, short-run or strided ones', () => {
    const rt = single.runtime;
    const run = (sa: number[], sb: number[]) => rt.binary('mul', values(sa, 1).data, sa, values(sb, 2).data, sb, broadcastShapes('test', sa, sb));
    expect(run([128, 1024], [128, 1])).toBeInstanceOf(Float32Array);
    expect(run([128, 1024], [128, 1024])).toBeInstanceOf(Float32Array);
    expect(run([8, 8], [8, 1])).toBeUndefined(); // under MIN_ELEMENTWISE_SIZE
    expect(run([1024, 128], [1, 128])).toBeInstanceOf(Float32Array); // bias rows of 128
    expect(run([4096, 16], [4096, 1])).toBeUndefined(); // runs of 16: the JS loops
    expect(run([128, 1024, 1], [1, 1, 2])).toBeUndefined(); // a inner stride 0, b stride 1, runs of 2
    expect(rt.binary('pow', new Float32Array(MIN_ELEMENTWISE_SIZE), [MIN_ELEMENTWISE_SIZE], new Float32Array(1), [1], [MIN_ELEMENTWISE_SIZE])).toBeUndefined();
  });

  for (const [label, backend] of [['1 thread', single], ['2 threads (shared memory)', threaded]] as const) {
    it(`add/sub/mul/div equal the reference kernels bit for bit (${label})`, () => {
      let seed = 7;
      for (const op of ELEMENTWISE_OPS)
        for (const [sa, sb] of large)
          for (const [x, y] of [[sa, sb], [sb, sa]]) {
            const a = values(x, seed++), b = values(y, seed++);
            const out = broadcastShapes('test', x, y);
            expect(sizeOf(out)).toBeGreaterThanOrEqual(MIN_ELEMENTWISE_SIZE);
            expectSameBits(backend.kernels.binary(op, a, b, out), Float32Array.from(reference.binary(op, a, b, out)));
          }
    });
  }
});

describe('wasm sums over leading axes (bias gradients)', () => {
  const host = createHostKernels();
  // [rows, cols] and the conv-bias-like [N, C, H, W] over [0] with columns not a multiple of 4
  const cases: [number[], number[]][] = [[[128, 120], [0]], [[32, 128], [0]], [[64, 3, 11], [0]], [[4, 5, 7, 31], [0, 1]], [[2049], [0]]];
  for (const [label, backend] of [['1 thread', single], ['2 threads (shared memory)', threaded]] as const) {
    it(`equal the JS loop's float64 sums bit for bit (${label})`, () => {
      cases.forEach(([shape, axes], k) => {
        const x = values(shape, 40 + k);
        // large finite values only: the column sums must not all be NaN/Infinity
        for (let i = 0; i < x.data.length; i++) if (!Number.isFinite(x.data[i])) x.data[i] = i % 3;
        const out = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const got = backend.runtime.sumLeadingAxes(x.data, shape, axes, out);
        if (sizeOf(shape) >= MIN_ELEMENTWISE_SIZE && shape.length > 1) expect(got, `[${shape}] over ${axes}`).toBeInstanceOf(Float32Array);
        if (got) expectSameBits(got, host.reduce('sum', x, axes, out));
      });
    });
  }

  it('decline inner-axis reductions, small inputs and max', () => {
    const rt = single.runtime;
    const x = values([64, 64], 3);
    expect(rt.sumLeadingAxes(x.data, [64, 64], [1], [64, 1])).toBeUndefined(); // the rows' own sums: the JS loop's order
    expect(rt.sumLeadingAxes(values([8, 8], 1).data, [8, 8], [0], [1, 8])).toBeUndefined();
    expect(rt.sumLeadingAxes(x.data, [4, 16, 64], [0, 2], [1, 16, 1])).toBeUndefined();
    const y = single.kernels.reduce('max', x, [0], [1, 64]);
    expectSameBits(y, host.reduce('max', x, [0], [1, 64]));
  });
});
