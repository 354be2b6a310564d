import { describe, expect, it } from 'vitest';
import { createFusedKernel } from '../src/backends/wasm/fused-kernel.js';
import { freshArrays } from '../src/backends/wasm/host-kernels.js';
import { fuse } from '../src/index.js';

const program = fuse(2, ([a, b], k) => k.add(k.mul(a, 0.1), b));

describe('wasm fused kernel', () => {
  it('compiles each distinct program once per input layout and reuses it', () => {
    const kernel = createFusedKernel(freshArrays);
    const a = { data: Float32Array.from([1, 2, 3]), shape: [3] };
    const s = { data: Float32Array.from([5]), shape: [] };
    const first = kernel(program, [a, a], [3]);
    kernel(program, [a, a], [3]);
    // an equal program built separately shares the compiled loop (cached by key)
    kernel(fuse(2, ([x, y], k) => k.add(k.mul(x, 0.1), y)), [a, a], [3]);
    expect(kernel.compiled()).toBe(1);
    kernel(program, [a, s], [3]); // scalar second input: its own contiguous loop
    kernel(program, [{ data: a.data, shape: [3, 1] }, { data: a.data, shape: [1, 3] }], [3, 3]); // broadcasting
    expect(kernel.compiled()).toBe(3);
    const f = Math.fround;
    expect(Array.from(first)).toEqual([1, 2, 3].map((x) => f(f(x * f(0.1)) + x)));
  });
});
