/**
 * Kernel checks for the gpu.js backend, shared by the vitest suite (cpu, webasm modes) and the
 * Chromium page run (webgl2). Each case calls one kernel on seeded random float32 data and
 * compares against the float64 reference backend. No test-framework imports: the browser bundle
 * uses this module directly.
 */
import type { Backend, Conv2dAttrs, KernelInput, Kernels, Pool2dAttrs } from '../src/kernels.js';
import { BINARY_OPS, UNARY_OPS } from '../src/kernels.js';
import { sizeOf, stridesOf, type Shape } from '../src/shape.js';

/** A host tensor given to a case. */
export interface HostTensor {
  readonly shape: Shape;
  readonly values: Float32Array;
}

export interface KernelCase {
  readonly name: string;
  readonly inputs: readonly HostTensor[];
  /** Calls the kernel under test with uploaded inputs. */
  readonly call: <D>(k: Kernels<D>, inputs: KernelInput<D>[]) => D;
  readonly out: Shape;
  /** |got - want| <= atol + rtol * |want|; NaN must match NaN, infinities must match exactly. */
  readonly atol?: number;
  readonly rtol?: number;
}

export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly message: string;
}

/** mulberry32: small, seeded, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, -1, 1, 1e-30, 100, -100, 0.5, -2.5, 3, 1e-3];

function tensorFrom(shape: Shape, fill: (i: number) => number): HostTensor {
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = fill(i);
  return { shape, values };
}

export function buildCases(seed = 1234): KernelCase[] {
  const rand = seededRandom(seed);
  const uniform = (shape: Shape, lo = -2, hi = 2) => tensorFrom(shape, () => lo + (hi - lo) * rand());
  /** Small integers: many ties, for argmax and max-pool routing. */
  const ties = (shape: Shape) => tensorFrom(shape, () => Math.floor(rand() * 4));
  const specials = (n: number, offset = 0) => tensorFrom([n], (i) => SPECIALS[(i + offset) % SPECIALS.length]);
  const indices = (values: number[]) => tensorFrom([values.length], (i) => values[i]);
  const cases: KernelCase[] = [];
  const add = (c: KernelCase) => cases.push(c);

  // ---- unary
  const unaryDomain: Partial<Record<(typeof UNARY_OPS)[number], [number, number]>> = {
    log: [0.01, 5], sqrt: [0, 5], reciprocal: [0.2, 3], exp: [-10, 10], sin: [-10, 10], cos: [-10, 10], tanh: [-6, 6],
  };
  for (const op of UNARY_OPS) {
    const [lo, hi] = unaryDomain[op] ?? [-5, 5];
    add({ name: `unary ${op} random [3,37]`, inputs: [uniform([3, 37], lo, hi)], out: [3, 37], call: (k, [x]) => k.unary(op, x, [3, 37]) });
    add({ name: `unary ${op} specials`, inputs: [specials(SPECIALS.length)], out: [SPECIALS.length], call: (k, [x]) => k.unary(op, x, [SPECIALS.length]) });
  }
  add({ name: 'unary tanh small values', inputs: [uniform([64], -1e-3, 1e-3)], out: [64], rtol: 1e-5, atol: 0, call: (k, [x]) => k.unary('tanh', x, [64]) });
  add({ name: 'unary exp empty', inputs: [uniform([0, 3])], out: [0, 3], call: (k, [x]) => k.unary('exp', x, [0, 3]) });

  // ---- binary
  const broadcastPairs: [Shape, Shape, Shape][] = [
    [[5, 7], [5, 7], [5, 7]],
    [[4, 1, 5], [3, 1], [4, 3, 5]],
    [[], [2, 3], [2, 3]],
    [[1], [7], [7]],
    [[2, 1, 3, 1], [1, 4, 1, 5], [2, 4, 3, 5]],
    [[0, 3], [1, 3], [0, 3]],
  ];
  for (const op of BINARY_OPS) {
    const positive = op === 'pow';
    for (const [sa, sb, so] of broadcastPairs) {
      const a = positive ? uniform(sa, 0.1, 3) : uniform(sa);
      // ties between a and b so that equal/less/greater see equal values too
      const b = op === 'equal' || op === 'less' || op === 'greater' ? ties(sb) : uniform(sb, positive ? -3 : -2, positive ? 3 : 2);
      if (op === 'equal' || op === 'less' || op === 'greater') a.values.forEach((_, i) => { a.values[i] = Math.floor(rand() * 4); });
      add({ name: `binary ${op} ${JSON.stringify(sa)} x ${JSON.stringify(sb)}`, inputs: [a, b], out: so, call: (k, [x, y]) => k.binary(op, x, y, so) });
    }
    // every special against every special
    const n = SPECIALS.length;
    const grid = [tensorFrom([n, 1], (i) => SPECIALS[i]), tensorFrom([1, n], (i) => SPECIALS[i])];
    add({ name: `binary ${op} specials grid`, inputs: grid, out: [n, n], call: (k, [x, y]) => k.binary(op, x, y, [n, n]) });
  }
  add({
    name: 'binary pow negative bases, integer and fractional exponents',
    inputs: [tensorFrom([6, 1], (i) => [-2, -0.5, -3, 2, 0, -0][i]), tensorFrom([1, 7], (i) => [2, 3, -1, -2, 0.5, 1.5, 0][i])],
    out: [6, 7],
    call: (k, [x, y]) => k.binary('pow', x, y, [6, 7]),
  });

  // ---- where
  add({
    name: 'where broadcast with NaN condition',
    inputs: [tensorFrom([3, 1], (i) => [0, NaN, 2][i]), uniform([1, 4]), uniform([])],
    out: [3, 4],
    call: (k, [c, a, b]) => k.where(c, a, b, [3, 4]),
  });
  add({ name: 'where same shape', inputs: [ties([6, 5]), uniform([6, 5]), uniform([6, 5])], out: [6, 5], call: (k, [c, a, b]) => k.where(c, a, b, [6, 5]) });

  // ---- reduce
  const reduceShapes: [Shape, number[]][] = [
    [[5, 7, 3], [0]], [[5, 7, 3], [1]], [[5, 7, 3], [2]], [[5, 7, 3], [0, 2]], [[5, 7, 3], [0, 1, 2]], [[5, 7, 3], []],
    [[2, 3, 4, 5], [1, 3]], [[9], [0]], [[3, 0], [1]],
    // long reductions with few outputs take the two-pass path
    [[100003], [0]], [[64, 3001], [0, 1]], [[8, 50001], [1]], [[3001, 2, 5], [0, 2]],
  ];
  for (const op of ['sum', 'max'] as const) {
    for (const [shape, axes] of reduceShapes) {
      const out = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const big = sizeOf(shape) > 10000;
      add({
        name: `reduce ${op} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)}`,
        inputs: [uniform(shape)],
        out,
        atol: big ? 5e-3 : 1e-5,
        call: (k, [x]) => k.reduce(op, x, axes, out),
      });
    }
  }
  const withNan = uniform([4, 6]);
  withNan.values[7] = NaN;
  add({ name: 'reduce max propagates NaN', inputs: [withNan], out: [4, 1], call: (k, [x]) => k.reduce('max', x, [1], [4, 1]) });
  add({ name: 'reduce sum of infinities', inputs: [tensorFrom([2, 3], (i) => [Infinity, 1, 2, -Infinity, 3, 1][i])], out: [2, 1], call: (k, [x]) => k.reduce('sum', x, [1], [2, 1]) });

  // ---- argmax
  for (const axis of [0, 1, 2]) {
    const shape = [4, 5, 6];
    const out = shape.map((d, i) => (i === axis ? 1 : d));
    add({ name: `argmax ties axis ${axis}`, inputs: [ties(shape)], out, atol: 0, rtol: 0, call: (k, [x]) => k.argmax(x, axis, out) });
  }
  add({
    name: 'argmax NaN and -Infinity rows',
    inputs: [tensorFrom([3, 4], (i) => [1, NaN, 5, NaN, -Infinity, -Infinity, -Infinity, -Infinity, NaN, 2, 3, 1][i])],
    out: [3, 1],
    atol: 0,
    rtol: 0,
    call: (k, [x]) => k.argmax(x, 1, [3, 1]),
  });

  // ---- movement
  const exact = { atol: 0, rtol: 0 };
  const transposes: [Shape, number[]][] = [[[2, 3, 4, 5], [3, 1, 0, 2]], [[7], [0]], [[1, 5, 1], [2, 0, 1]], [[6, 7], [1, 0]], [[2, 3, 1, 4, 2, 3], [5, 0, 3, 1, 4, 2]]];
  for (const [shape, perm] of transposes) {
    const out = perm.map((p) => shape[p]);
    add({ name: `transpose ${JSON.stringify(shape)} perm ${JSON.stringify(perm)}`, inputs: [uniform(shape)], out, ...exact, call: (k, [x]) => k.transpose(x, perm, out) });
  }
  const expands: [Shape, Shape][] = [[[3, 1], [3, 4]], [[1, 1], [5, 6]], [[2, 1, 3], [2, 4, 3]], [[1], [9]], [[1, 3, 1], [2, 3, 5]]];
  for (const [shape, out] of expands) {
    add({ name: `expand ${JSON.stringify(shape)} to ${JSON.stringify(out)}`, inputs: [uniform(shape)], out, ...exact, call: (k, [x]) => k.expand(x, out) });
  }
  const slices: [Shape, number[], Shape][] = [[[5, 6, 7], [1, 2, 3], [3, 3, 2]], [[10], [4], [5]], [[4, 4], [0, 0], [4, 4]], [[3, 8], [2, 7], [1, 1]]];
  for (const [shape, begin, out] of slices) {
    add({ name: `slice ${JSON.stringify(shape)} at ${JSON.stringify(begin)} size ${JSON.stringify(out)}`, inputs: [uniform(shape)], out, ...exact, call: (k, [x]) => k.slice(x, begin, out) });
  }
  const pads: [Shape, number[], number[], number][] = [
    [[3, 4], [1, 0], [2, 3], 2.5], [[3, 4], [1, 1], [1, 1], -Infinity], [[2, 3, 4], [0, 1, 2], [1, 0, 0], NaN],
    [[5], [0], [0], 7], [[0, 2], [1, 0], [0, 1], -3],
  ];
  for (const [shape, before, after, value] of pads) {
    const out = shape.map((d, i) => d + before[i] + after[i]);
    add({ name: `pad ${JSON.stringify(shape)} ${JSON.stringify(before)}/${JSON.stringify(after)} value ${value}`, inputs: [uniform(shape)], out, ...exact, call: (k, [x]) => k.pad(x, before, after, value, out) });
  }
  const gathers: [Shape, number, number[]][] = [[[4, 5, 3], 1, [4, 0, 0, 2]], [[6, 2], 0, [5, 5, 1]], [[2, 3, 4], 2, [3, 0]], [[7], 0, [6, 0, 3, 3, 1]], [[3, 4], 1, []]];
  for (const [shape, axis, idx] of gathers) {
    const out = shape.map((d, i) => (i === axis ? idx.length : d));
    add({ name: `gather ${JSON.stringify(shape)} axis ${axis} indices ${JSON.stringify(idx)}`, inputs: [uniform(shape), indices(idx)], out, ...exact, call: (k, [x, i]) => k.gather(x, i, axis, out) });
  }
  const scatters: [Shape, number, number[]][] = [[[4, 5, 3], 1, [1, 0, 1, 4]], [[6, 2], 0, [5, 5, 1, 0, 5]], [[2, 3, 4], 2, [3, 0, 3]], [[3, 4], 1, []]];
  for (const [out, axis, idx] of scatters) {
    const shape = out.map((d, i) => (i === axis ? idx.length : d));
    add({ name: `scatterAdd into ${JSON.stringify(out)} axis ${axis} indices ${JSON.stringify(idx)}`, inputs: [uniform(shape), indices(idx)], out, call: (k, [u, i]) => k.scatterAdd(u, i, axis, out) });
  }

  // ---- matmul
  const matmuls: [Shape, Shape, boolean, boolean][] = [
    [[1, 5, 7], [1, 7, 3], false, false],
    [[3, 4, 6], [1, 6, 5], false, false],
    [[1, 4, 6], [3, 6, 5], false, false],
    [[2, 6, 4], [2, 6, 5], true, false],
    [[2, 4, 6], [2, 5, 6], false, true],
    [[1, 6, 4], [3, 5, 6], true, true],
    [[1, 3, 1000], [1, 1000, 2], false, false],
    [[1, 1, 1], [1, 1, 1], false, false],
  ];
  for (const [sa, sb, ta, tb] of matmuls) {
    const m = ta ? sa[2] : sa[1];
    const n = tb ? sb[1] : sb[2];
    const out = [Math.max(sa[0], sb[0]), m, n];
    const k = ta ? sa[1] : sa[2];
    add({
      name: `matmul ${JSON.stringify(sa)}${ta ? 'ᵀ' : ''} x ${JSON.stringify(sb)}${tb ? 'ᵀ' : ''}`,
      inputs: [uniform(sa), uniform(sb)],
      out,
      atol: 1e-6 * k * 4,
      call: (kk, [a, b]) => kk.matmul(a, b, ta, tb, out),
    });
  }

  // ---- conv2d and gradients
  const convs: [Shape, Shape, Conv2dAttrs][] = [
    [[2, 3, 7, 9], [4, 3, 3, 2], { stride: [2, 1], pad: [1, 0, 2, 1], dilation: [1, 2] }],
    [[1, 2, 5, 5], [3, 2, 1, 1], { stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1] }],
    [[2, 2, 8, 7], [2, 2, 3, 3], { stride: [3, 2], pad: [2, 1, 1, 2], dilation: [2, 1] }],
    [[1, 3, 6, 6], [2, 3, 3, 3], { stride: [1, 1], pad: [1, 1, 1, 1], dilation: [1, 1] }],
  ];
  const convOut = (x: Shape, w: Shape, a: Conv2dAttrs): Shape => [
    x[0], w[0],
    Math.floor((x[2] + a.pad[0] + a.pad[1] - a.dilation[0] * (w[2] - 1) - 1) / a.stride[0]) + 1,
    Math.floor((x[3] + a.pad[2] + a.pad[3] - a.dilation[1] * (w[3] - 1) - 1) / a.stride[1]) + 1,
  ];
  for (const [xs, ws, attrs] of convs) {
    const ys = convOut(xs, ws, attrs);
    const label = `x ${JSON.stringify(xs)} w ${JSON.stringify(ws)} ${JSON.stringify(attrs)}`;
    add({ name: `conv2d ${label}`, inputs: [uniform(xs), uniform(ws)], out: ys, atol: 1e-4, call: (k, [x, w]) => k.conv2d(x, w, attrs, ys) });
    add({ name: `conv2dBackpropInput ${label}`, inputs: [uniform(ys), uniform(ws)], out: xs, atol: 1e-4, call: (k, [dy, w]) => k.conv2dBackpropInput(dy, w, attrs, xs) });
    add({ name: `conv2dBackpropFilter ${label}`, inputs: [uniform(xs), uniform(ys)], out: ws, atol: 1e-4, call: (k, [x, dy]) => k.conv2dBackpropFilter(x, dy, attrs, ws) });
  }

  // ---- pooling
  const pools: [Shape, Omit<Pool2dAttrs, 'mode'>][] = [
    [[2, 3, 7, 8], { kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 0] }],
    [[1, 2, 6, 6], { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] }],
    [[1, 1, 5, 7], { kernel: [3, 2], stride: [1, 3], pad: [2, 0, 1, 1] }],
    // windows lying entirely in the padding
    [[1, 1, 2, 2], { kernel: [2, 2], stride: [2, 2], pad: [2, 2, 2, 2] }],
  ];
  const poolOut = (x: Shape, a: Omit<Pool2dAttrs, 'mode'>): Shape => [
    x[0], x[1],
    Math.floor((x[2] + a.pad[0] + a.pad[1] - a.kernel[0]) / a.stride[0]) + 1,
    Math.floor((x[3] + a.pad[2] + a.pad[3] - a.kernel[1]) / a.stride[1]) + 1,
  ];
  for (const mode of ['max', 'avg'] as const) {
    for (const [xs, geometry] of pools) {
      const attrs: Pool2dAttrs = { mode, ...geometry };
      const ys = poolOut(xs, geometry);
      const label = `${mode} x ${JSON.stringify(xs)} ${JSON.stringify(geometry)}`;
      add({ name: `pool2d ${label}`, inputs: [uniform(xs)], out: ys, call: (k, [x]) => k.pool2d(x, attrs, ys) });
      add({ name: `pool2dBackward ${label}`, inputs: [uniform(ys), uniform(xs)], out: xs, call: (k, [dy, x]) => k.pool2dBackward(dy, x, attrs, xs) });
      add({ name: `pool2dBackward ties ${label}`, inputs: [uniform(ys), ties(xs)], out: xs, call: (k, [dy, x]) => k.pool2dBackward(dy, x, attrs, xs) });
    }
  }
  return cases;
}

function same(got: number, want: number, atol: number, rtol: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= atol + rtol * Math.abs(want);
}

/** Runs one case on `backend` and on `reference`, comparing element by element. */
export function runCase<D, R>(backend: Backend<D>, reference: Backend<R>, c: KernelCase): CaseResult {
  try {
    const uploadTo = <S>(b: Backend<S>) => c.inputs.map((t) => ({ data: b.upload(t.values, t.values.length), shape: t.shape }));
    const mine = uploadTo(backend);
    const theirs = uploadTo(reference);
    const size = sizeOf(c.out);
    const outData = c.call(backend.kernels, mine);
    const got = Float32Array.from(backend.read(outData, size));
    // rounded to float32 so that overflow to Infinity counts as agreement
    const want = Float32Array.from(reference.read(c.call(reference.kernels, theirs), size));
    backend.free(outData);
    for (const t of mine) backend.free(t.data);
    if (got.length !== size) return { name: c.name, ok: false, message: `read ${got.length} values, expected ${size}` };
    const atol = c.atol ?? 1e-5;
    const rtol = c.rtol ?? 1e-4;
    const strides = stridesOf(c.out);
    for (let i = 0; i < size; i++) {
      if (!same(got[i], want[i], atol, rtol)) {
        const index = strides.map((s, d) => Math.floor(i / s) % c.out[d]);
        return { name: c.name, ok: false, message: `at ${JSON.stringify(index)}: got ${got[i]}, want ${want[i]}` };
      }
    }
    return { name: c.name, ok: true, message: '' };
  } catch (error) {
    return { name: c.name, ok: false, message: `threw ${(error as Error).stack ?? error}` };
  }
}
