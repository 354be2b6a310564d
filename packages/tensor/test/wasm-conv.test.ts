import { afterAll, describe, expect, it } from 'vitest';
import type { Conv2dAttrs } from '../src/kernels.js';
import { MIN_FLOPS_PER_THREAD, WasmRuntime } from '../src/backends/wasm/runtime.js';
import { DEFAULT_GEMM_CONFIG } from '../src/backends/wasm/gemm-kernels.js';

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

interface Case {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride?: [number, number];
  pad?: [number, number, number, number];
  dilation?: [number, number];
}

/**
 * One float64 pass over every (output, tap) pair of the conv, which is all three kernels need:
 * y[n,o,oy,ox] += x[n,c,iy,ix] w[o,c,ky,kx]; dx and dw accumulate the transposed products.
 * Each result comes with sum |terms| per element, the scale float32 rounding error grows with.
 */
function outputShape(c: Case): [number, number, number, number] {
  const [n, , h, wd] = c.x, [outC, , kh, kw] = c.w;
  const [sh, sw] = c.stride ?? [1, 1], [pt, pb, pl, pr] = c.pad ?? [0, 0, 0, 0], [dh, dw] = c.dilation ?? [1, 1];
  return [n, outC, Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1, Math.floor((wd + pl + pr - dw * (kw - 1) - 1) / sw) + 1];
}

function naiveConv(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const [n, inC, h, wd] = c.x, [outC, , kh, kw] = c.w;
  const [sh, sw] = c.stride ?? [1, 1], [pt, , pl] = c.pad ?? [0, 0, 0, 0], [dh, dw] = c.dilation ?? [1, 1];
  const [, , oh, ow] = outputShape(c);
  const make = (size: number) => ({ value: new Float64Array(size), scale: new Float64Array(size) });
  const y = make(n * outC * oh * ow), dx = make(x.length), dW = make(w.length);
  for (let b = 0; b < n; b++)
    for (let o = 0; o < outC; o++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const yi = ((b * outC + o) * oh + oy) * ow + ox;
          for (let ci = 0; ci < inC; ci++)
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - pt + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pl + kx * dw;
                if (ix < 0 || ix >= wd) continue;
                const xi = ((b * inC + ci) * h + iy) * wd + ix, wi = ((o * inC + ci) * kh + ky) * kw + kx;
                const add = (t: { value: Float64Array; scale: Float64Array }, i: number, v: number) => {
                  t.value[i] += v;
                  t.scale[i] += Math.abs(v);
                };
                add(y, yi, x[xi] * w[wi]);
                add(dx, xi, dy[yi] * w[wi]);
                add(dW, wi, dy[yi] * x[xi]);
              }
            }
        }
  return { y, dx, dW, yShape: [n, outC, oh, ow] };
}

function relativeError(got: Float32Array, want: { value: Float64Array; scale: Float64Array }): number {
  expect(got.length).toBe(want.value.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    if (!Number.isFinite(got[i])) return Infinity;
    worst = Math.max(worst, Math.abs(got[i] - want.value[i]) / (want.scale[i] + 1e-30));
  }
  return worst;
}

const cases: Case[] = [
  { name: '3x3 same padding', x: [2, 3, 9, 10], w: [5, 3, 3, 3], pad: [1, 1, 1, 1] },
  { name: '3x3 valid, outputs wrapping panel rows', x: [3, 4, 8, 8], w: [17, 4, 3, 3] },
  { name: 'stride 2 with padding', x: [2, 5, 11, 9], w: [6, 5, 3, 3], stride: [2, 2], pad: [1, 1, 1, 1] },
  { name: 'asymmetric stride and padding', x: [1, 2, 7, 12], w: [3, 2, 2, 3], stride: [1, 2], pad: [0, 2, 1, 0] },
  { name: 'dilation 2', x: [2, 3, 12, 13], w: [4, 3, 3, 3], dilation: [2, 2], pad: [2, 2, 2, 2] },
  { name: '1x1', x: [2, 17, 6, 6], w: [10, 17, 1, 1] },
  { name: '1x1 stride 2', x: [1, 3, 7, 7], w: [65, 3, 1, 1], stride: [2, 2] },
  { name: 'kernel as large as the input', x: [2, 3, 5, 5], w: [7, 3, 5, 5] },
  { name: 'one image, one channel, one pixel out', x: [1, 1, 3, 3], w: [1, 1, 3, 3] },
  { name: 'patch past KC and pixels past the column block', x: [2, 33, 20, 20], w: [7, 33, 3, 3], pad: [1, 1, 1, 1] },
  { name: 'CIFAR-like, big enough for threads', x: [4, 16, 16, 16], w: [32, 16, 3, 3], pad: [1, 1, 1, 1] },
];
/** Cases that split the batch across 2 threads (flops ≥ 2·MIN_FLOPS_PER_THREAD, ≥ 2 images); checked below. */
const THREADED: Case[] = [
  { name: 'threads: odd batch of 7 (4 + 3 images), 400 pixels', x: [7, 16, 20, 20], w: [24, 16, 3, 3], pad: [1, 1, 1, 1] },
  { name: 'threads: stride 2 with padding, 289 pixels', x: [4, 16, 34, 34], w: [56, 16, 3, 3], stride: [2, 2], pad: [1, 1, 1, 1] },
  { name: 'threads: dilation 2, asymmetric padding, 272 pixels', x: [8, 8, 18, 18], w: [64, 8, 3, 3], dilation: [2, 2], pad: [2, 1, 0, 2] },
  { name: 'threads: 1x1 over a batch of 9', x: [9, 64, 16, 16], w: [64, 64, 1, 1] },
  { name: 'threads: 5x5 kernel, stride [1,2]', x: [4, 8, 20, 24], w: [48, 8, 5, 5], stride: [1, 2], pad: [2, 2, 2, 2] },
];
/** Filter gradients summing more than one KC block of output pixels (pixels > kc = 256); checked below. */
const MANY_PIXELS: Case[] = [
  { name: 'filter gradient: 289 pixels (one past a block)', x: [1, 3, 17, 17], w: [4, 3, 3, 3], pad: [1, 1, 1, 1] },
  { name: 'filter gradient: dilation 2, 399 pixels', x: [2, 2, 23, 25], w: [3, 2, 3, 3], dilation: [2, 2] },
  { name: 'filter gradient: 1x1, 576 pixels', x: [1, 4, 24, 24], w: [5, 4, 1, 1] },
  { name: 'filter gradient: stride 2, asymmetric padding, 360 pixels', x: [2, 3, 40, 36], w: [4, 3, 3, 3], stride: [2, 2], pad: [1, 0, 1, 0] },
  { name: 'filter gradient: 2x4 kernel, 990 pixels', x: [1, 2, 33, 31], w: [3, 2, 2, 4], pad: [0, 1, 2, 0] },
];
cases.push(...THREADED, ...MANY_PIXELS);

const pixelsOf = (c: Case) => outputShape(c)[2] * outputShape(c)[3];
const flopsOf = (c: Case) => 2 * c.x[0] * c.w[0] * pixelsOf(c) * c.w[1] * c.w[2] * c.w[3];
describe('wasm conv2d: the cases reach the paths they name', () => {
  it('each THREADED case splits across 2 threads; each MANY_PIXELS case has more pixels than one KC block', () => {
    for (const c of THREADED) {
      expect(c.x[0], c.name).toBeGreaterThanOrEqual(2);
      expect(flopsOf(c), c.name).toBeGreaterThanOrEqual(2 * MIN_FLOPS_PER_THREAD);
    }
    for (const c of MANY_PIXELS) expect(pixelsOf(c), c.name).toBeGreaterThan(DEFAULT_GEMM_CONFIG.kc);
    expect(THREADED.filter((c) => pixelsOf(c) > DEFAULT_GEMM_CONFIG.kc).length).toBeGreaterThanOrEqual(3);
  });
});

/** Inputs and float64 results per case, computed once and shared by every runtime. */
const expected = (() => {
  const memo = new Map<number, ReturnType<typeof compute>>();
  const compute = (i: number) => {
    const c = cases[i];
    const attrs: Conv2dAttrs = { stride: c.stride ?? [1, 1], pad: c.pad ?? [0, 0, 0, 0], dilation: c.dilation ?? [1, 1] };
    const x = random(c.x.reduce((a, b) => a * b), 100 + i);
    const w = random(c.w.reduce((a, b) => a * b), 200 + i);
    const dy = random(outputShape(c).reduce((a, b) => a * b), 300 + i);
    return { c, attrs, x, w, dy, want: naiveConv(c, x, w, dy) };
  };
  return (i: number) => {
    if (!memo.has(i)) memo.set(i, compute(i));
    return memo.get(i)!;
  };
})();

const runtimes = {
  'threads 1, plain SIMD': new WasmRuntime({ threads: 1, fma: false }),
  'threads 1, fma auto': new WasmRuntime({ threads: 1 }),
  'threads 2': new WasmRuntime({ threads: 2 }),
};
afterAll(() => Object.values(runtimes).forEach((r) => r.close()));

describe.each(Object.entries(runtimes))('wasm conv2d (%s)', (_, runtime) => {
  it.each(cases.map((c, i) => [c.name, i] as const))('%s: forward and both gradients match float64', (_, i) => {
    const { c, attrs, x, w, dy, want } = expected(i);
    expect(relativeError(runtime.conv2d(x, c.x, w, c.w, attrs, want.yShape), want.y)).toBeLessThan(1e-4);
    expect(relativeError(runtime.conv2dBackpropInput(dy, want.yShape, w, c.w, attrs, c.x), want.dx)).toBeLessThan(1e-4);
    expect(relativeError(runtime.conv2dBackpropFilter(x, c.x, dy, want.yShape, attrs, c.w), want.dW)).toBeLessThan(1e-4);
  });
});

describe('wasm conv2d: results do not depend on the thread count', () => {
  it.each(THREADED.map((c) => [c.name, cases.indexOf(c)] as const))('%s: forward and both gradients, 1 vs 2 threads, same bits', (_, i) => {
    const { c, attrs, x, w, dy, want } = expected(i);
    const [one, two] = [runtimes['threads 1, fma auto'], runtimes['threads 2']];
    expect(two.conv2d(x, c.x, w, c.w, attrs, want.yShape)).toEqual(one.conv2d(x, c.x, w, c.w, attrs, want.yShape).slice());
    expect(two.conv2dBackpropInput(dy, want.yShape, w, c.w, attrs, c.x)).toEqual(one.conv2dBackpropInput(dy, want.yShape, w, c.w, attrs, c.x).slice());
    // the filter gradient sums its images in groups fixed by the shape, added in order
    expect(two.conv2dBackpropFilter(x, c.x, dy, want.yShape, attrs, c.w)).toEqual(one.conv2dBackpropFilter(x, c.x, dy, want.yShape, attrs, c.w).slice());
  });
});

describe('wasm conv2d edge cases', () => {
  const runtime = runtimes['threads 1, plain SIMD'];
  const attrs: Conv2dAttrs = { stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1] };
  it('returns zeros for empty batches and zero channels', () => {
    expect(runtime.conv2d(new Float32Array(0), [0, 2, 4, 4], random(18, 1), [1, 2, 3, 3], attrs, [0, 1, 2, 2]).length).toBe(0);
    expect(runtime.conv2d(new Float32Array(0), [1, 0, 4, 4], new Float32Array(0), [2, 0, 3, 3], attrs, [1, 2, 2, 2])).toEqual(new Float32Array(8));
    expect(runtime.conv2dBackpropFilter(new Float32Array(0), [0, 2, 4, 4], new Float32Array(0), [0, 1, 2, 2], attrs, [1, 2, 3, 3])).toEqual(new Float32Array(18));
    expect(runtime.conv2dBackpropInput(new Float32Array(0), [1, 0, 2, 2], new Float32Array(0), [0, 2, 3, 3], attrs, [1, 2, 4, 4])).toEqual(new Float32Array(32));
  });
});
