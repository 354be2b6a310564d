/**
 * The memory-bound kernels of a training step (elementwise with broadcasting, where, reductions,
 * pooling) as plain-JS loops over Float32Array that V8 compiles well: broadcasting is collapsed
 * into an outer odometer around one strided inner loop, and every op has its own loop literal so
 * the arithmetic is inlined rather than called through a shared function per element.
 *
 * Results are identical to the reference backend's (same expressions, same NaN rules); only the
 * order of float64 partial sums in `reduce('sum')` differs.
 */
import type { BinaryOp, Kernels, UnaryOp } from '../../kernels.js';
import { broadcastStrides, sizeOf, stridesOf, type Shape } from '../../shape.js';
import { isMaxPool2x2, maxPool2x2, maxPool2x2Backward } from './max-pool-2x2.js';

/**
 * Iteration plan for `out` with one stride vector per input: dims merged wherever every input
 * continues contiguously (a stride-0 axis stays mergeable with stride-0 neighbours), size-1 axes
 * dropped. The last dim is the inner loop.
 */
export interface Plan {
  readonly dims: number[];
  readonly strides: number[][];
}

export function plan(out: Shape, inputStrides: number[][]): Plan {
  const dims: number[] = [];
  const strides: number[][] = inputStrides.map(() => []);
  for (let d = out.length - 1; d >= 0; d--) {
    const size = out[d];
    if (size === 1) continue;
    if (dims.length > 0 && inputStrides.every((s, k) => s[d] === strides[k][0] * dims[0])) {
      dims[0] *= size;
      continue;
    }
    dims.unshift(size);
    inputStrides.forEach((s, k) => strides[k].unshift(s[d]));
  }
  if (dims.length === 0) {
    dims.push(1);
    strides.forEach((s) => s.push(0));
  }
  return { dims, strides };
}

/**
 * Calls `inner(outOffset, inputOffsets, n)` for each run of the plan's inner dim, in output order.
 * `offsets` is reused between calls.
 */
export function forEachRun(p: Plan, inner: (outOffset: number, offsets: number[], n: number) => void): void {
  const { dims, strides } = p;
  const rank = dims.length;
  const n = dims[rank - 1];
  const outer = sizeOf(dims) / n;
  const idx = new Array<number>(rank).fill(0);
  const offsets = strides.map(() => 0);
  for (let run = 0, at = 0; run < outer; run++, at += n) {
    inner(at, offsets, n);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < offsets.length; k++) offsets[k] += strides[k][d];
      if (idx[d] < dims[d]) break;
      for (let k = 0; k < offsets.length; k++) offsets[k] -= strides[k][d] * dims[d];
      idx[d] = 0;
    }
  }
}

/** y[yo + i] = a[ao + i*as] op b[bo + i*bs], i < n (same expressions as the reference backend). */
// Comparisons convert the boolean with unary plus: V8 emits a setcc for it, while `? 1 : 0`
// becomes a branch that mispredicts on data like relu masks (5x slower here).
type BinaryLoop = (y: Float32Array, yo: number, a: Float32Array, ao: number, as: number, b: Float32Array, bo: number, bs: number, n: number) => void;

const BINARY_LOOPS: Record<BinaryOp, BinaryLoop> = {
  add: (y, yo, a, ao, as, b, bo, bs, n) => { for (let i = 0; i < n; i++, ao += as, bo += bs) y[yo + i] = a[ao] + b[bo]; },
  sub: (y, yo, a, ao, as, b, bo, bs, n) => { for (let i = 0; i < n; i++, ao += as, bo += bs) y[yo + i] = a[ao] - b[bo]; },
  mul: (y, yo, a, ao, as, b, bo, bs, n) => { for (let i = 0; i < n; i++, ao += as, bo += bs) y[yo + i] = a[ao] * b[bo]; },
  div: (y, yo, a, ao, as, b, bo, bs, n) => { for (let i = 0; i < n; i++, ao += as, bo += bs) y[yo + i] = a[ao] / b[bo]; },
  pow: (y, yo, a, ao, as, b, bo, bs, n) => { for (let i = 0; i < n; i++, ao += as, bo += bs) y[yo + i] = Math.pow(a[ao], b[bo]); },
  maximum: (y, yo, a, ao, as, b, bo, bs, n) => {
    for (let i = 0; i < n; i++, ao += as, bo += bs) {
      const u = a[ao], v = b[bo];
      y[yo + i] = u !== u || v !== v ? NaN : u > v ? u : v;
    }
  },
  minimum: (y, yo, a, ao, as, b, bo, bs, n) => {
    for (let i = 0; i < n; i++, ao += as, bo += bs) {
      const u = a[ao], v = b[bo];
      y[yo + i] = u !== u || v !== v ? NaN : u < v ? u : v;
    }
  },
  equal: (y, yo, a, ao, as, b, bo, bs, n) => { for (let i = 0; i < n; i++, ao += as, bo += bs) y[yo + i] = +(a[ao] === b[bo]); },
  less: (y, yo, a, ao, as, b, bo, bs, n) => { for (let i = 0; i < n; i++, ao += as, bo += bs) y[yo + i] = +(a[ao] < b[bo]); },
  greater: (y, yo, a, ao, as, b, bo, bs, n) => { for (let i = 0; i < n; i++, ao += as, bo += bs) y[yo + i] = +(a[ao] > b[bo]); },
};

/** A unary op over whole arrays: y[i] = f(x[i]). */
export type UnaryLoop = (y: Float32Array, x: Float32Array) => void;

/** The loop of each unary op (every one a self-contained arrow function: worker threads compile their source, see runtime.ts). */
export const UNARY_LOOPS: Record<UnaryOp, UnaryLoop> = {
  neg: (y, x) => { for (let i = 0; i < y.length; i++) y[i] = -x[i]; },
  exp: (y, x) => { for (let i = 0; i < y.length; i++) y[i] = Math.exp(x[i]); },
  log: (y, x) => { for (let i = 0; i < y.length; i++) y[i] = Math.log(x[i]); },
  sqrt: (y, x) => { for (let i = 0; i < y.length; i++) y[i] = Math.sqrt(x[i]); },
  abs: (y, x) => { for (let i = 0; i < y.length; i++) y[i] = Math.abs(x[i]); },
  sign: (y, x) => { for (let i = 0; i < y.length; i++) { const v = x[i]; y[i] = v > 0 ? 1 : v < 0 ? -1 : v; } },
  tanh: (y, x) => { for (let i = 0; i < y.length; i++) y[i] = Math.tanh(x[i]); },
  sigmoid: (y, x) => {
    for (let i = 0; i < y.length; i++) {
      const v = x[i];
      y[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }
  },
  reciprocal: (y, x) => { for (let i = 0; i < y.length; i++) y[i] = 1 / x[i]; },
  sin: (y, x) => { for (let i = 0; i < y.length; i++) y[i] = Math.sin(x[i]); },
  cos: (y, x) => { for (let i = 0; i < y.length; i++) y[i] = Math.cos(x[i]); },
  floor: (y, x) => { for (let i = 0; i < y.length; i++) y[i] = Math.floor(x[i]); },
};


/**
 * y[yo + i] = c[co + i*cs] != 0 ? a[..] : b[..] on raw bits, i < n. A top-level function with
 * everything in parameters: V8 keeps the loop tight, unlike one closed over per call.
 */
function selectRun(y: Int32Array, yo: number, c: Float32Array, co: number, cs: number, a: Int32Array, ao: number, as: number, b: Int32Array, bo: number, bs: number, n: number): void {
  for (let i = 0; i < n; i++, co += cs, ao += as, bo += bs) {
    const mask = -+(c[co] !== 0);
    y[yo + i] = (a[ao] & mask) | (b[bo] & ~mask);
  }
}

/** acc[o + i*os] += x[xo + i], i < n; a stride-0 run is summed in a register first. */
function sumRun(acc: Float64Array, o: number, os: number, x: Float32Array, xo: number, n: number): void {
  if (os === 0) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[xo + i];
    acc[o] += s;
  } else {
    for (let i = 0; i < n; i++, o += os) acc[o] += x[xo + i];
  }
}

/** y[o + i*os] = max(y[..], x[xo + i]) with the reference's NaN rule, i < n. */
function maxRun(y: Float32Array, o: number, os: number, x: Float32Array, xo: number, n: number): void {
  for (let i = 0; i < n; i++, o += os) {
    const v = x[xo + i], m = y[o];
    if (v > m || v !== v) y[o] = v !== v || m !== m ? NaN : v;
  }
}

/** The same memory viewed as raw 32-bit patterns. */
function bitsOf(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

export type HostKernels = Pick<Kernels<Float32Array>, 'unary' | 'binary' | 'where' | 'reduce' | 'expand' | 'pool2d' | 'pool2dBackward'>;

/** Where outputs come from: `dirty` arrays are fully overwritten, `zeroed` ones accumulated into. */
export interface Allocator {
  dirty(length: number): Float32Array;
  zeroed(length: number): Float32Array;
}

export const freshArrays: Allocator = { dirty: (n) => new Float32Array(n), zeroed: (n) => new Float32Array(n) };

export function createHostKernels(alloc: Allocator = freshArrays): HostKernels {
  return {
  unary(op, x, out) {
    const y = alloc.dirty(sizeOf(out));
    UNARY_LOOPS[op](y, x.data);
    return y;
  },

  binary(op, a, b, out) {
    const y = alloc.dirty(sizeOf(out));
    const loop = BINARY_LOOPS[op];
    const ad = a.data, bd = b.data;
    if (ad.length === y.length && bd.length === y.length) {
      loop(y, 0, ad, 0, 1, bd, 0, 1, y.length);
      return y;
    }
    const p = plan(out, [broadcastStrides(a.shape, out), broadcastStrides(b.shape, out)]);
    const as = p.strides[0][p.dims.length - 1], bs = p.strides[1][p.dims.length - 1];
    forEachRun(p, (at, o, n) => loop(y, at, ad, o[0], as, bd, o[1], bs, n));
    return y;
  },

  where(cond, a, b, out) {
    const y = alloc.dirty(sizeOf(out));
    // A branch on the condition mispredicts on mask-like data (relu: 7x slower), so select the
    // bits instead: all-ones mask where cond != 0 (NaN counts as true, -0 as false, as the reference).
    const cd = cond.data, ad = bitsOf(a.data), bd = bitsOf(b.data), yd = bitsOf(y);
    const p = plan(out, [cond, a, b].map((t) => broadcastStrides(t.shape, out)));
    const last = p.dims.length - 1;
    const cs = p.strides[0][last], as = p.strides[1][last], bs = p.strides[2][last];
    forEachRun(p, (at, o, n) => selectRun(yd, at, cd, o[0], cs, ad, o[1], as, bd, o[2], bs, n));
    return y;
  },

  // Broadcast materialization (e.g. the gradient of a keep-dims sum, weight norm's g over v): whole
  // runs are filled or block-copied instead of one callback per element.
  expand(x, out) {
    const y = alloc.dirty(sizeOf(out));
    const xd = x.data;
    const p = plan(out, [broadcastStrides(x.shape, out)]);
    const xs = p.strides[0][p.dims.length - 1];
    forEachRun(p, (at, o, n) => {
      if (xs === 0) y.fill(xd[o[0]], at, at + n);
      else if (xs === 1) y.set(xd.subarray(o[0], o[0] + n), at);
      else for (let i = 0, j = o[0]; i < n; i++, j += xs) y[at + i] = xd[j]; // not reached for a contiguous x; kept general
    });
    return y;
  },

  reduce(op, x, axes, out) {
    const y = alloc.dirty(sizeOf(out));
    // Walk x in storage order; its "output" stride along a reduced axis is 0.
    const outStrides = stridesOf(out);
    const toOut = x.shape.map((_, d) => (axes.includes(d) ? 0 : outStrides[d]));
    const p = plan(x.shape, [stridesOf(x.shape), toOut]);
    const os = p.strides[1][p.dims.length - 1];
    const xd = x.data;
    if (op === 'sum') {
      const acc = new Float64Array(y.length);
      forEachRun(p, (at, o, n) => sumRun(acc, o[1], os, xd, at, n));
      y.set(acc);
    } else {
      y.fill(-Infinity);
      forEachRun(p, (at, o, n) => maxRun(y, o[1], os, xd, at, n));
    }
    return y;
  },

  pool2d(x, attrs, out) {
    if (isMaxPool2x2(attrs)) return maxPool2x2(x.data, x.shape, out, alloc.dirty(sizeOf(out)));
    const [n, c, h, w] = x.shape;
    const [, , oh, ow] = out;
    const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, pt = attrs.pad[0], pl = attrs.pad[2];
    const y = alloc.dirty(sizeOf(out));
    const xd = x.data, area = kh * kw, isMax = attrs.mode === 'max';
    for (let plane = 0, yi = 0; plane < n * c; plane++) {
      const base = plane * h * w;
      for (let oy = 0; oy < oh; oy++) {
        // window rows [y0, y1) and columns [x0, x1), clipped to the input
        const ys = oy * sh - pt, y0 = ys < 0 ? 0 : ys, y1 = ys + kh > h ? h : ys + kh;
        for (let ox = 0; ox < ow; ox++, yi++) {
          const xs = ox * sw - pl, x0 = xs < 0 ? 0 : xs, x1 = xs + kw > w ? w : xs + kw;
          if (isMax) {
            let m = -Infinity;
            for (let iy = y0; iy < y1; iy++)
              for (let ix = x0, i = base + iy * w + x0; ix < x1; ix++, i++) {
                const v = xd[i];
                if (v > m || v !== v) m = v !== v || m !== m ? NaN : v;
              }
            y[yi] = m;
          } else {
            let s = 0;
            for (let iy = y0; iy < y1; iy++) for (let ix = x0, i = base + iy * w + x0; ix < x1; ix++, i++) s += xd[i];
            y[yi] = s / area;
          }
        }
      }
    }
    return y;
  },

  pool2dBackward(dy, x, attrs, out) {
    if (isMaxPool2x2(attrs)) return maxPool2x2Backward(dy.data, x.data, out, dy.shape, alloc.zeroed(sizeOf(out)));
    const [n, c, h, w] = out;
    const [, , oh, ow] = dy.shape;
    const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, pt = attrs.pad[0], pl = attrs.pad[2];
    const size = sizeOf(out);
    // Overlapping windows add several contributions per cell: sum those in float64 as the reference does.
    const overlapping = sh < kh || sw < kw;
    const dx: Float32Array | Float64Array = overlapping ? new Float64Array(size) : alloc.zeroed(size);
    const xd = x.data, dyd = dy.data, area = kh * kw, isMax = attrs.mode === 'max';
    for (let plane = 0, yi = 0; plane < n * c; plane++) {
      const base = plane * h * w;
      for (let oy = 0; oy < oh; oy++) {
        const ys = oy * sh - pt, y0 = ys < 0 ? 0 : ys, y1 = ys + kh > h ? h : ys + kh;
        for (let ox = 0; ox < ow; ox++, yi++) {
          const xs = ox * sw - pl, x0 = xs < 0 ? 0 : xs, x1 = xs + kw > w ? w : xs + kw;
          const g = dyd[yi];
          if (isMax) {
            let best = -1, m = -Infinity;
            for (let iy = y0; iy < y1; iy++)
              for (let ix = x0, i = base + iy * w + x0; ix < x1; ix++, i++) {
                const v = xd[i];
                if (best < 0 || v > m) { best = i; m = v; }
              }
            if (best >= 0) dx[best] += g;
          } else {
            const share = g / area;
            for (let iy = y0; iy < y1; iy++) for (let ix = x0, i = base + iy * w + x0; ix < x1; ix++, i++) dx[i] += share;
          }
        }
      }
    }
    if (dx instanceof Float32Array) return dx;
    const y = alloc.dirty(size);
    y.set(dx);
    return y;
  },
  };
}

