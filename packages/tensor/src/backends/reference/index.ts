/**
 * The reference backend: plain loops over typed arrays. It is the executable specification every
 * other backend is checked against; `precision: 'float64'` makes it the gradient-check backend.
 */
import type { Backend, Conv2dAttrs, KernelInput, Kernels, Pool2dAttrs } from '../../kernels.js';
import { broadcastStrides, sizeOf, stridesOf, type Shape } from '../../shape.js';
import { forEachBroadcast } from './broadcast.js';
import { binaryFns, unaryFns } from './elementwise.js';
import { createFusedKernel } from './fused.js';
import { batchMomentsKernel, batchNormGradient, batchNormKernel } from './batch-norm.js';
import { weightNormForward, weightNormGradient } from './weight-norm.js';
import { filterbankGradient, filterbankLoop } from './filterbank.js';
import { concatBlocks, lstmOutputGradient, lstmOutputLoop, lstmStateGradient, lstmStateLoop } from './lstm.js';

/** The host storage of the reference backends: `Float32Array`, or `Float64Array` for `reference64`. */
export type HostArray = Float32Array | Float64Array;
type In = KernelInput<HostArray>;

/**
 * The reference kernel table: plain loops over typed arrays, allocating outputs with `alloc` (which fixes the
 * precision). Accumulations run in float64. Other backends reuse it for kernels they do not specialize.
 */
export function createReferenceKernels(alloc: (n: number) => HostArray): Kernels<HostArray> {
  /** Accumulations run in float64; the result is stored at the backend's precision. */
  const fromF64 = (acc: Float64Array): HostArray => {
    const y = alloc(acc.length);
    y.set(acc);
    return y;
  };

  const round = alloc(0) instanceof Float32Array ? Math.fround : (x: number) => x;
  return {
    fusedElementwise: createFusedKernel(alloc),
    weightNorm: (v, g, dim) => weightNormForward(v.data, g.data, v.shape, dim, alloc, round),
    weightNormBackward: (dw, v, g, dim, wrt) => weightNormGradient(dw.data, v.data, g.data, v.shape, dim, wrt, alloc, round),
    batchMoments: (x) => batchMomentsKernel(x.data, x.shape, alloc, round),
    batchNorm: (x, weight, bias, eps) => batchNormKernel(x.data, weight.data, bias.data, x.shape, eps, alloc),
    batchNormBackward: (dy, x, weight, eps, wrt) => batchNormGradient(dy.data, x.data, weight.data, x.shape, eps, wrt, alloc, round),
    lstmState: (gates, c) => lstmStateLoop(gates.data, c.data, c.shape, alloc),
    lstmStateBackward: (dy, gates, c, wrt) => lstmStateGradient(dy.data, gates.data, c.data, c.shape, wrt, alloc),
    lstmOutput: (gates, c) => lstmOutputLoop(gates.data, c.data, c.shape, alloc),
    lstmOutputBackward: (dy, gates, c, wrt) => lstmOutputGradient(dy.data, gates.data, c.data, c.shape, wrt, alloc),
    concat: (xs, axis, out) => concatBlocks(xs, axis, out, alloc),
    filterbank: (centre, delta, sigma2, attrs) => filterbankLoop(centre.data, delta.data, sigma2.data, attrs, alloc),
    filterbankBackward: (dy, centre, delta, sigma2, attrs) => filterbankGradient(dy.data, centre.data, delta.data, sigma2.data, attrs, alloc),

    unary(op, x, out) {
      const f = unaryFns[op];
      const y = alloc(sizeOf(out));
      for (let i = 0; i < y.length; i++) y[i] = f(x.data[i]);
      return y;
    },

    binary(op, a, b, out) {
      const f = binaryFns[op];
      const y = alloc(sizeOf(out));
      const ad = a.data, bd = b.data;
      if (a.data.length === y.length && b.data.length === y.length) {
        for (let i = 0; i < y.length; i++) y[i] = f(ad[i], bd[i]);
        return y;
      }
      forEachBroadcast(out, [broadcastStrides(a.shape, out), broadcastStrides(b.shape, out)], (i, o) => {
        y[i] = f(ad[o[0]], bd[o[1]]);
      });
      return y;
    },

    where(cond, a, b, out) {
      const y = alloc(sizeOf(out));
      const strides = [cond, a, b].map((t) => broadcastStrides(t.shape, out));
      forEachBroadcast(out, strides, (i, o) => {
        y[i] = cond.data[o[0]] !== 0 ? a.data[o[1]] : b.data[o[2]];
      });
      return y;
    },

    reduce(op, x, axes, out) {
      const y = alloc(sizeOf(out));
      y.fill(op === 'sum' ? 0 : -Infinity);
      // Map every input element onto its output cell: output strides with reduced axes zeroed.
      const outStrides = stridesOf(out);
      const toOut = x.shape.map((_, d) => (axes.includes(d) ? 0 : outStrides[d]));
      const xd = x.data;
      const acc = op === 'sum' ? new Float64Array(y.length) : null;
      forEachBroadcast(x.shape, [toOut], (i, o) => {
        const v = xd[i];
        if (acc) acc[o[0]] += v;
        else if (v > y[o[0]] || v !== v) y[o[0]] = v !== v || y[o[0]] !== y[o[0]] ? NaN : v;
      });
      if (acc) y.set(acc);
      return y;
    },

    argmax(x, axis, out) {
      const y = alloc(sizeOf(out));
      const inner = stridesOf(x.shape)[axis];
      const len = x.shape[axis];
      const outer = sizeOf(x.shape) / (len * inner);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const base = o * len * inner + j;
          let best = 0, bestV = x.data[base];
          for (let k = 1; k < len; k++) {
            const v = x.data[base + k * inner];
            if (v > bestV || (v !== v && bestV === bestV)) { best = k; bestV = v; }
          }
          y[o * inner + j] = best;
        }
      }
      return y;
    },

    transpose(x, perm, out) {
      const y = alloc(sizeOf(out));
      const xs = stridesOf(x.shape);
      const permuted = perm.map((p) => xs[p]);
      forEachBroadcast(out, [permuted], (i, o) => { y[i] = x.data[o[0]]; });
      return y;
    },

    expand(x, out) {
      const y = alloc(sizeOf(out));
      forEachBroadcast(out, [broadcastStrides(x.shape, out)], (i, o) => { y[i] = x.data[o[0]]; });
      return y;
    },

    slice(x, begin, out) {
      const y = alloc(sizeOf(out));
      const xs = stridesOf(x.shape);
      const base = begin.reduce((s, b, d) => s + b * xs[d], 0);
      forEachBroadcast(out, [xs], (i, o) => { y[i] = x.data[base + o[0]]; });
      return y;
    },

    pad(x, before, _after, value, out) {
      const y = alloc(sizeOf(out));
      y.fill(value);
      const os = stridesOf(out);
      const base = before.reduce((s, b, d) => s + b * os[d], 0);
      forEachBroadcast(x.shape, [os], (i, o) => { y[base + o[0]] = x.data[i]; });
      return y;
    },

    matmul(a, b, ta, tb, out) {
      const [B, M, N] = out;
      const K = ta ? a.shape[1] : a.shape[2];
      const y = alloc(B * M * N);
      const aBatch = a.shape[0] === 1 ? 0 : M * K, bBatch = b.shape[0] === 1 ? 0 : K * N;
      // element strides of the logical (untransposed) A[m,k] and B[k,n]
      const [am, ak] = ta ? [1, M] : [K, 1];
      const [bk, bn] = tb ? [1, K] : [N, 1];
      const row = new Float64Array(N);
      for (let bi = 0; bi < B; bi++) {
        const ao = bi * aBatch, bo = bi * bBatch;
        for (let m = 0; m < M; m++) {
          row.fill(0);
          for (let k = 0; k < K; k++) {
            const av = a.data[ao + m * am + k * ak];
            const bRow = bo + k * bk;
            for (let n = 0; n < N; n++) row[n] += av * b.data[bRow + n * bn];
          }
          y.set(row, (bi * M + m) * N);
        }
      }
      return y;
    },

    conv2d(x, w, attrs, out) {
      const y = new Float64Array(sizeOf(out));
      forEachConvTap(x.shape, w.shape, attrs, out, (xi, wi, yi) => { y[yi] += x.data[xi] * w.data[wi]; });
      return fromF64(y);
    },

    conv2dBackpropInput(dy, w, attrs, out) {
      const dx = new Float64Array(sizeOf(out));
      forEachConvTap(out, w.shape, attrs, dy.shape, (xi, wi, yi) => { dx[xi] += dy.data[yi] * w.data[wi]; });
      return fromF64(dx);
    },

    conv2dBackpropFilter(x, dy, attrs, out) {
      const dw = new Float64Array(sizeOf(out));
      forEachConvTap(x.shape, out, attrs, dy.shape, (xi, wi, yi) => { dw[wi] += dy.data[yi] * x.data[xi]; });
      return fromF64(dw);
    },

    pool2d(x, attrs, out) {
      const y = alloc(sizeOf(out));
      poolWindows(x, attrs, out, (o, cells) => {
        if (attrs.mode === 'max') {
          let m = -Infinity;
          for (const i of cells) { const v = x.data[i]; if (v > m || v !== v) m = v !== v || m !== m ? NaN : v; }
          y[o] = m;
        } else {
          let s = 0;
          for (const i of cells) s += x.data[i];
          y[o] = s / (attrs.kernel[0] * attrs.kernel[1]);
        }
      });
      return y;
    },

    pool2dBackward(dy, x, attrs, out) {
      const dx = new Float64Array(sizeOf(out));
      const area = attrs.kernel[0] * attrs.kernel[1];
      poolWindows(x, attrs, dy.shape, (o, cells) => {
        const g = dy.data[o];
        if (attrs.mode === 'max') {
          let best = -1, m = -Infinity;
          for (const i of cells) { const v = x.data[i]; if (best < 0 || v > m) { best = i; m = v; } }
          if (best >= 0) dx[best] += g;
        } else {
          for (const i of cells) dx[i] += g / area;
        }
      });
      return fromF64(dx);
    },

    gather(x, indices, axis, out) {
      const y = alloc(sizeOf(out));
      const inner = stridesOf(x.shape)[axis];
      const len = x.shape[axis];
      const outer = sizeOf(x.shape) / (len * inner || 1);
      const k = indices.data.length;
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < k; j++) {
          const src = (o * len + indices.data[j]) * inner;
          const dst = (o * k + j) * inner;
          for (let i = 0; i < inner; i++) y[dst + i] = x.data[src + i];
        }
      return y;
    },

    scatterAdd(updates, indices, axis, out) {
      const y = alloc(sizeOf(out));
      const inner = stridesOf(out)[axis];
      const len = out[axis];
      const outer = sizeOf(out) / (len * inner || 1);
      const k = indices.data.length;
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < k; j++) {
          const dst = (o * len + indices.data[j]) * inner;
          const src = (o * k + j) * inner;
          for (let i = 0; i < inner; i++) y[dst + i] += updates.data[src + i];
        }
      return y;
    },
  };
}

/**
 * The definition of a 2-D convolution: calls `visit(xOffset, wOffset, yOffset)` for every
 * (output cell, weight tap) pair whose input cell lies inside the (unpadded) input. Forward and
 * both gradients are the same sum read three ways.
 */
function forEachConvTap(x: Shape, w: Shape, a: Conv2dAttrs, y: Shape, visit: (xi: number, wi: number, yi: number) => void): void {
  const [n, c, h, wd] = x;
  const [oc, , kh, kw] = w;
  const [, , oh, ow] = y;
  for (let b = 0; b < n; b++)
    for (let o = 0; o < oc; o++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const yi = ((b * oc + o) * oh + oy) * ow + ox;
          for (let ci = 0; ci < c; ci++)
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * a.stride[0] - a.pad[0] + ky * a.dilation[0];
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * a.stride[1] - a.pad[2] + kx * a.dilation[1];
                if (ix < 0 || ix >= wd) continue;
                visit(((b * c + ci) * h + iy) * wd + ix, ((o * c + ci) * kh + ky) * kw + kx, yi);
              }
            }
        }
}

/** Visits each output cell of a pooling op with the flat input offsets of its (unpadded) window. */
function poolWindows(x: In, a: Pool2dAttrs, out: Shape, visit: (o: number, cells: number[]) => void): void {
  const [n, c, h, w] = x.shape;
  const [, , oh, ow] = out;
  const cells: number[] = [];
  for (let b = 0; b < n * c; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        cells.length = 0;
        for (let ky = 0; ky < a.kernel[0]; ky++) {
          const iy = oy * a.stride[0] - a.pad[0] + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < a.kernel[1]; kx++) {
            const ix = ox * a.stride[1] - a.pad[2] + kx;
            if (ix >= 0 && ix < w) cells.push((b * h + iy) * w + ix);
          }
        }
        visit((b * oh + oy) * ow + ox, cells);
      }
}

/**
 * Creates the reference backend: `precision: 'float32'` (the default, registered as `reference`) or `'float64'`
 * (registered as `reference64`, used for gradient checks).
 */
export function createReferenceBackend(options: { precision?: 'float32' | 'float64' } = {}): Backend<HostArray> {
  const precision = options.precision ?? 'float32';
  const alloc = precision === 'float64' ? (n: number) => new Float64Array(n) : (n: number) => new Float32Array(n);
  return {
    name: precision === 'float64' ? 'reference64' : 'reference',
    precision,
    kernels: createReferenceKernels(alloc),
    upload(values, size) {
      const data = alloc(size);
      data.set(values as ArrayLike<number>);
      return data;
    },
    read: (data) => data,
    free: () => {},
  };
}
