import gpujs from 'gpu.js';
import { describe, expect, it } from 'vitest';
import { WnError } from '../src/errors.js';
import { coalesce, literal, unravel } from '../src/backends/gpujs/codegen.js';
import { createGpujsBackend } from '../src/backends/gpujs/index.js';
import { loadGpujs } from '../src/backends/gpujs/gpu-class.js';

// gpu.js is an optional peer: loaded once, as `import '@wn/tensor/gpujs'` does
await loadGpujs();

describe('gpujs backend contract', () => {
  const backend = createGpujsBackend({ mode: 'cpu' });

  it('names itself after the mode and computes in float32', () => {
    expect(backend.name).toBe('gpujs-cpu');
    expect(backend.precision).toBe('float32');
  });

  it('round-trips values through upload and read, including empty storage', () => {
    const data = backend.upload([1.5, -2, 3], 3);
    expect(Array.from(backend.read(data, 3))).toEqual([1.5, -2, 3]);
    expect(backend.read(backend.upload([], 0), 0)).toHaveLength(0);
  });

  it('compiles a kernel once per op and shape signature', () => {
    const x = { data: backend.upload([1, 2, 3, 4, 5, 6], 6), shape: [2, 3] };
    backend.kernels.unary('exp', x, [2, 3]);
    const afterFirst = backend.compiledKernels;
    backend.kernels.unary('exp', x, [2, 3]);
    expect(backend.compiledKernels).toBe(afterFirst);
    // a reshape view of the same storage is the same kernel
    backend.kernels.unary('exp', { data: x.data, shape: [6] }, [6]);
    expect(backend.compiledKernels).toBe(afterFirst);
    backend.kernels.unary('log', x, [2, 3]);
    expect(backend.compiledKernels).toBe(afterFirst + 1);
  });

  it('builds on an injected GPU instance or GPU class', () => {
    const fromInstance = createGpujsBackend({ mode: 'cpu', gpu: new gpujs.GPU({ mode: 'webasm' }) });
    expect(fromInstance.name).toBe('gpujs-webasm');
    const fromClass = createGpujsBackend({ mode: 'cpu', GPU: gpujs.GPU });
    expect(fromClass.name).toBe('gpujs-cpu');
  });

  it("reports what 'gpu' mode resolved to", () => {
    // no headless-gl build in Node here, so gpu.js picks webasm; with one it would be headlessgl
    expect(createGpujsBackend({ mode: 'gpu' }).name).toMatch(/^gpujs-(headlessgl|webasm)$/);
  });

  it('destroys its kernels', async () => {
    const own = createGpujsBackend({ mode: 'cpu' });
    own.kernels.unary('neg', { data: own.upload([1, 2], 2), shape: [2] }, [2]);
    expect(own.compiledKernels).toBe(1);
    await own.destroy();
    expect(own.compiledKernels).toBe(0);
  });

  it('refuses tensors beyond exact float32 indexing on float-indexed modes', () => {
    const webasm = createGpujsBackend({ mode: 'webasm' });
    const x = { data: webasm.upload([1], 1), shape: [1] };
    expect(() => webasm.kernels.expand(x, [2 ** 24 + 1])).toThrow(WnError);
  });
});

describe('gpujs source generation', () => {
  it('coalesces axes every operand walks contiguously and drops size-1 axes', () => {
    expect(coalesce([2, 3, 4], [[12, 4, 1]])).toEqual({ shape: [24], strides: [[1]] });
    expect(coalesce([2, 1, 3, 4], [[12, 0, 4, 1], [0, 0, 4, 1]])).toEqual({ shape: [2, 12], strides: [[12, 1], [0, 1]] });
    expect(coalesce([3, 4], [[1, 3]])).toEqual({ shape: [3, 4], strides: [[1, 3]] });
  });

  it('unravels a flat index into coordinates', () => {
    const { lines, coords } = unravel('flat', [2, 3, 4], 'i');
    const wnIdiv = (a: number, b: number) => Math.floor(a / b);
    const run = new Function('flat', 'wnIdiv', `${lines.join('\n')}\nreturn [${coords.join(', ')}];`);
    expect(run(23, wnIdiv)).toEqual([1, 2, 3]);
    expect(run(13, wnIdiv)).toEqual([1, 0, 1]);
  });

  it('writes numbers as kernel literals', () => {
    expect(literal(2.5)).toBe('2.5');
    expect(literal(-3)).toBe('(-3)');
    expect(literal(NaN)).toBe('wnNan()');
    expect(literal(-Infinity)).toBe('(-wnInf())');
  });
});
