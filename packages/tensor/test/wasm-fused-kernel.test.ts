import { describe, expect, it, vi } from 'vitest';
import { canCompileFromStrings, createFusedKernel } from '../src/backends/wasm/fused-kernel.js';
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

  // a program touching every kind of instruction: constants, unary (of a broadcast scalar too), binary (NaN rules), where
  const mixed = fuse(3, ([a, b, c], k) => k.where(k.greater(a, 0), k.sigmoid(k.mul(a, b)), k.add(k.maximum(b, c), k.exp(k.neg(c)))));
  const inputs = [
    { data: Float32Array.from([0.5, -1.25, 3, NaN, -0, 7e-3]), shape: [2, 3] },
    { data: Float32Array.from([2, NaN, -4]), shape: [1, 3] },
    { data: Float32Array.from([1.5]), shape: [] },
  ];

  it('without string compilation (a CSP without unsafe-eval) interprets programs to the same bits', () => {
    const compiled = createFusedKernel(freshArrays, { compile: true });
    const interpreted = createFusedKernel(freshArrays, { compile: false });
    for (const [ins, out] of [[inputs, [2, 3]], [[inputs[0], inputs[0], inputs[0]], [2, 3]], [[inputs[0], inputs[2], inputs[2]], [2, 3]]] as const) {
      const want = compiled(mixed, ins, out);
      const got = interpreted(mixed, ins, out);
      expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer));
    }
    expect(interpreted.compiled()).toBe(0);
    expect(interpreted.interpreted()).toBe(true);
    expect(compiled.interpreted()).toBe(false);
  });

  it('detects a realm that refuses new Function and falls back to interpreting', () => {
    expect(canCompileFromStrings()).toBe(true);
    vi.stubGlobal('Function', function refused() {
      throw new EvalError("Evaluating a string as JavaScript violates the following Content Security Policy directive because 'unsafe-eval' is not an allowed source of script");
    });
    try {
      expect(canCompileFromStrings()).toBe(false);
      const kernel = createFusedKernel(freshArrays);
      const y = kernel(program, [inputs[0], inputs[0]], [2, 3]);
      expect(kernel.interpreted()).toBe(true);
      const f = Math.fround;
      expect(y[0]).toBe(f(f(0.5 * f(0.1)) + 0.5));
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
