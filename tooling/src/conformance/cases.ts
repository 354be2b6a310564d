/**
 * The op case table: one or more entries per public op family of @wn/tensor. Every backend runs
 * every case (see `describeConformance`): forward against `reference64`, gradients of
 * sum(op(x)·upstream) against `reference64`, and (once, on `reference`) a float64
 * finite-difference gradcheck.
 *
 * A case's `fn` receives one tensor per entry of `inputs` (all differentiated) and may create
 * constants (indices, conditions, labels) itself: they are created on the current backend, which
 * the harness sets. Shapes stay small: the reference backend is plain JS loops.
 */
import {
  abs, add, argmax, avgPool2d, batchMoments, batchNormalize, broadcastTo, concat, conv2d, convTranspose2d, cos, div, elu, equal, exp, expandDims,
  flatten, floor, fuse, fusedDecomposition, fusedElementwise, gather, gaussianFilterbank, globalAvgPool, greater, l2Normalize, leakyRelu, less, log, logSoftmax, logSumExp,
  lstmCell, lstmCellOutput, lstmCellState, matmul, max,
  maxPool2d, maximum, mean, min, minimum, mul, neg, oneHot, pad, pow, reciprocal, relu, reshape, scatterAdd, sigmoid,
  sigmoidCrossEntropy, sign, sin, slice, softmax, softmaxCrossEntropy, softplus, split, sqrt, square, squeeze, stack, sub,
  sum, tanh, tensor, tidy, transpose, variance, weightNormalize, where, type Conv2dOptions, type ConvTranspose2dOptions, type Pool2dOptions,
  type Shape, type Tensor,
} from '@wn/tensor';

/**
 * Tolerances, applied per element as |actual − expected| ≤ tol·max(1, |expected|) (the floor
 * makes them absolute below 1, where rounding error is set by the O(1) inputs, not by a possibly
 * cancelling result). `u` = 2⁻²⁴ is float32's unit roundoff.
 *
 * - `exact` (0): the op moves or selects float32 values without arithmetic — layout ops, max
 *   pooling's forward, relu, neg/abs/sign/floor, comparisons, where, argmax, oneHot. Any
 *   difference is a bug.
 * - `elementwise` (1e-5): each output element is a handful of float32 operations on float32
 *   inputs; a correctly rounded kernel stays within a few u, and 1e-5 (≈ 170 u) leaves room for
 *   transcendental functions that are not correctly rounded on GPUs (WebGL exp/log/sin).
 * - `reduction` (16·u·√k, k = the case's longest sum in its forward or gradients: the inner
 *   dimension of a matmul, Cin·kh·kw or N·H·W for a conv's gradients, the pooled window, the
 *   reduced axis): backends sum in different orders (sequential, SIMD lanes, tiles, fused
 *   multiply-adds), and the rounding error of a K-term sum of O(1) values grows like √K·u
 *   relative to the result. Measured on the CPU backends against reference64, the worst case is
 *   5.3·u·√k (wasm, matmul 7×33·33×65, k = 33) and most are below 2·u·√k; 16 leaves a 3× margin.
 *   At the fixture sizes this is 3e-6..8e-6, where the former flat 1e-4 was 10–100× looser.
 *
 * A case may give its gradients another class (`gradTol`), e.g. max pooling: the forward selects
 * (exact) but overlapping windows sum their gradients.
 */
export type ToleranceClass = 'exact' | 'elementwise' | 'reduction';
/** float32's unit roundoff */
export const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;
/** The reduction class's constant: tol = REDUCTION_ULPS·u·√k. */
export const REDUCTION_ULPS = 16;
/** The fixed classes' tolerances (`reduction` depends on the sum length: `reductionTolerance`). */
export const TOLERANCE = { exact: 0, elementwise: 1e-5 } as const;
/** The `reduction` class's tolerance for a longest sum of `k` terms. */
export function reductionTolerance(k: number): number {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`reductionTolerance: k must be an integer ≥ 1, got ${k}`);
  return REDUCTION_ULPS * FLOAT32_UNIT_ROUNDOFF * Math.sqrt(k);
}
/** The tolerance of a class; `k` is required for `reduction`. */
export function toleranceOf(tol: ToleranceClass, k?: number): number {
  if (tol !== 'reduction') return TOLERANCE[tol];
  if (k === undefined) throw new Error("toleranceOf: the 'reduction' class needs k, the longest sum's length");
  return reductionTolerance(k);
}
/** A case's tolerance for its forward outputs or its gradients. */
export function caseTolerance(c: OpCase, which: 'forward' | 'gradient'): number {
  return toleranceOf(which === 'gradient' ? (c.gradTol ?? c.tol) : c.tol, c.k);
}

export interface InputSpec {
  readonly shape: Shape;
  /** explicit values (rounded to float32); otherwise seeded random */
  readonly values?: readonly number[];
  /** values in [0.25, 2.25) (log, sqrt, pow bases) */
  readonly positive?: boolean;
  /** ±[0.5, ∞): |x| ≥ 0.5 with random sign (divisors, reciprocal) */
  readonly awayFromZero?: boolean;
  /** uniform in [low, high) */
  readonly low?: number;
  readonly high?: number;
}

export interface OpCase {
  /** unique; the family is its prefix, e.g. 'binary/add [2,3,4]+[4]' */
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly fn: (...xs: Tensor[]) => Tensor | Tensor[];
  readonly tol: ToleranceClass;
  /** the gradients' class when it differs from the forward's (default: `tol`) */
  readonly gradTol?: ToleranceClass;
  /** the longest sum (number of terms) in the forward or the gradients: required by `reduction` */
  readonly k?: number;
  /** false: the op is not differentiable (argmax, oneHot); no gradient checks */
  readonly grad?: boolean;
  /** false: no finite-difference check (piecewise-constant ops, or too large to be worth it) */
  readonly gradcheck?: boolean;
}

/**
 * For case functions that build intermediates or constants of their own: the harness checks that
 * a forward leaves no tensor behind, which must catch ops leaking temporaries, not the case's own.
 */
const composed = (f: (...xs: Tensor[]) => Tensor | Tensor[]) => (...xs: Tensor[]) => tidy(() => f(...xs));
const x = (shape: Shape, more: Omit<InputSpec, 'shape'> = {}): InputSpec => ({ shape, ...more });
const fmtShape = (s: Shape) => `[${s.join(',')}]`;

const cases: OpCase[] = [];
const add_ = (c: OpCase) => {
  if ((c.tol === 'reduction' || c.gradTol === 'reduction') && c.k === undefined) throw new Error(`conformance case '${c.name}': a reduction needs k`);
  cases.push(c);
};
const prod = (s: Shape) => s.reduce((a, b) => a * b, 1);

// ---- unary ------------------------------------------------------------------------------------
const UNARY: [string, (t: Tensor) => Tensor, Omit<InputSpec, 'shape'>, { gradcheck?: boolean }?][] = [
  ['neg', neg, {}],
  ['exp', exp, {}],
  ['log', log, { positive: true }],
  ['sqrt', sqrt, { positive: true }],
  ['abs', abs, {}],
  ['sign', sign, {}, { gradcheck: false }],
  ['tanh', tanh, {}],
  ['sigmoid', sigmoid, {}],
  ['reciprocal', reciprocal, { awayFromZero: true }],
  ['sin', sin, {}],
  ['cos', cos, {}],
  ['floor', floor, { low: -3, high: 3 }, { gradcheck: false }],
  ['square', square, {}],
];
/** no arithmetic beyond a sign flip or a truncation: bit-exact on every backend, gradients too */
const EXACT_UNARY = new Set(['neg', 'abs', 'sign', 'floor']);
for (const [name, f, spec, opts] of UNARY) {
  // 35 elements: not a multiple of the 4/8/16-lane widths vectorized backends use
  const tol = EXACT_UNARY.has(name) ? 'exact' : 'elementwise';
  add_({ name: `unary/${name} [5,7]`, inputs: [x([5, 7], spec)], fn: f, tol, ...opts });
}
add_({ name: 'unary/exp,log,sqrt 0-d', inputs: [x([], { positive: true })], fn: (t) => [exp(t), log(t), sqrt(t)], tol: 'elementwise' });
add_({
  name: 'unary/sigmoid,tanh large magnitude',
  inputs: [x([8], { values: [-80, -30, -12, -0.5, 0.5, 12, 30, 80] })],
  fn: (t) => [sigmoid(t), tanh(t)],
  tol: 'elementwise',
});

// ---- binary with broadcasting ----------------------------------------------------------------
const BINARY: [string, (a: Tensor, b: Tensor) => Tensor, Omit<InputSpec, 'shape'>, Omit<InputSpec, 'shape'>][] = [
  ['add', add, {}, {}],
  ['sub', sub, {}, {}],
  ['mul', mul, {}, {}],
  ['div', div, {}, { awayFromZero: true }],
  ['pow', pow, { positive: true }, { low: -2, high: 2 }],
  ['maximum', maximum, {}, {}],
  ['minimum', minimum, {}, {}],
];
const BROADCASTS: [string, Shape, Shape][] = [
  ['same shape', [3, 4], [3, 4]],
  ['size-1 both sides', [3, 1], [1, 4]],
  ['rank mismatch', [2, 3, 4], [4]],
  ['rank mismatch + size-1', [2, 1, 4], [3, 1]],
  ['0-d', [], [2, 3]],
];
for (const [name, f, sa, sb] of BINARY) {
  for (const [label, a, b] of BROADCASTS) {
    // maximum/minimum select (exact); their gradients are summed over broadcast axes
    const tol = name === 'maximum' || name === 'minimum' ? ({ tol: 'exact', gradTol: 'elementwise' } as const) : ({ tol: 'elementwise' } as const);
    add_({ name: `binary/${name} ${fmtShape(a)}·${fmtShape(b)} (${label})`, inputs: [x(a, sa), x(b, sb)], fn: f, ...tol });
  }
}
add_({
  name: 'binary/number operands',
  inputs: [x([2, 3], { positive: true })],
  fn: (t) => [add(t, 2.5), sub(1, t), mul(-3, t), div(t, 4), div(2, t), pow(t, 2), pow(2, t), maximum(t, 1), minimum(1.5, t)],
  tol: 'elementwise',
});
add_({
  // exact ties: maximum/minimum split the gradient evenly, which central differences reproduce
  name: 'binary/maximum,minimum ties',
  inputs: [x([6], { values: [1, 2, 3, 4, -1, 0] }), x([6], { values: [1, 0, 3, 5, -1, 2] })],
  fn: (a, b) => [maximum(a, b), minimum(a, b)],
  tol: 'exact',
  gradTol: 'elementwise',
});
add_({
  name: 'binary/equal,less,greater [3,1]·[4]',
  inputs: [x([3, 1], { values: [0, 1, 2] }), x([4], { values: [0, 1, 2, 1] })],
  fn: (a, b) => [equal(a, b), less(a, b), greater(a, b)],
  tol: 'exact',
  gradcheck: false,
});

// ---- where ------------------------------------------------------------------------------------
add_({
  name: 'where/same shape',
  inputs: [x([2, 3]), x([2, 3])],
  fn: composed((a, b) => where(tensor([1, 0, 1, 0, 0, 1], [2, 3]), a, b)),
  tol: 'exact',
});
add_({
  name: 'where/broadcast cond [2,3,1], a [2,3,4], b [4]',
  inputs: [x([2, 3, 4]), x([4])],
  fn: composed((a, b) => where(tensor([1, 0, 0, 1, 1, 0], [2, 3, 1]), a, b)),
  tol: 'exact',
  gradTol: 'elementwise',
});
add_({
  name: 'where/number branches',
  inputs: [x([2, 3])],
  fn: composed((a) => {
    const c = greater(a, 0);
    return [where(c, a, 0), where(c, -1, a)];
  }),
  tol: 'exact',
});

// ---- reductions -------------------------------------------------------------------------------
const REDUCTIONS: [string, (t: Tensor, axes?: number | number[], keepDims?: boolean) => Tensor][] = [
  ['sum', sum],
  ['max', max],
  ['min', min],
  ['mean', mean],
  ['variance', variance],
  ['logSumExp', logSumExp],
];
/** [label, axes, keepDims, the reduced count of [2,3,4]] */
const AXES: [string, number | number[] | undefined, boolean, number][] = [
  ['axis 1', 1, false, 3],
  ['axis -1 keepDims', -1, true, 4],
  ['axes [0,2]', [0, 2], false, 8],
  ['axes [0,2] keepDims', [0, 2], true, 8],
  ['all', undefined, false, 24],
  ['all keepDims', undefined, true, 24],
];
for (const [name, f] of REDUCTIONS) {
  for (const [label, axes, keep, k] of AXES) {
    // max/min select one value (no ties in random inputs): forward and gradient are exact
    const tol = name === 'max' || name === 'min' ? 'exact' : 'reduction';
    add_({ name: `reduce/${name} [2,3,4] ${label}`, inputs: [x([2, 3, 4])], fn: (t) => f(t, axes, keep), tol, k });
  }
}
add_({ name: 'reduce/sum,max [7,33] axis 1 and axis 0', inputs: [x([7, 33])], fn: (t) => [sum(t, 1), sum(t, 0), max(t, 1), max(t, 0)], tol: 'reduction', k: 33 });
add_({ name: 'reduce/sum,max 0-d and axes []', inputs: [x([]), x([2, 3])], fn: (s, t) => [sum(s), max(s), sum(t, []), max(t, [])], tol: 'exact', gradTol: 'elementwise' });
add_({ name: 'reduce/sum over an empty axis [2,0,3] axis 1', inputs: [x([2, 0, 3])], fn: (t) => [sum(t, 1), sum(t, 1, true), sum(t)], tol: 'exact' });
add_({
  // two-way ties: the gradient is shared evenly (½ each), which central differences reproduce
  name: 'reduce/max with two-way ties',
  inputs: [x([2, 4], { values: [1, 3, 3, 0, -2, -1, -5, -1] })],
  fn: (t) => [max(t, 1), max(t, 0)],
  tol: 'exact',
  gradTol: 'elementwise',
});
add_({
  name: 'reduce/argmax axes -1, 0, keepDims, ties take the first',
  inputs: [x([3, 4], { values: [1, 5, 5, 2, 7, 7, 7, 7, -1, -3, -2, -1] })],
  fn: (t) => [argmax(t), argmax(t, 0), argmax(t, 1, true)],
  tol: 'exact',
  grad: false,
});
add_({ name: 'reduce/argmax random [2,3,5] axis 1', inputs: [x([2, 3, 5])], fn: (t) => argmax(t, 1), tol: 'exact', grad: false });

// ---- layout ------------------------------------------------------------------------------------
add_({ name: 'transpose/2-D default', inputs: [x([3, 4])], fn: (t) => transpose(t), tol: 'exact' });
add_({ name: 'transpose/3-D perm [2,0,1]', inputs: [x([2, 3, 4])], fn: (t) => transpose(t, [2, 0, 1]), tol: 'exact' });
add_({ name: 'transpose/NCHW→NHWC [0,2,3,1]', inputs: [x([2, 3, 2, 4])], fn: (t) => transpose(t, [0, 2, 3, 1]), tol: 'exact' });
add_({ name: 'transpose/identity perm', inputs: [x([3, 4])], fn: (t) => transpose(t, [0, 1]), tol: 'exact' });
add_({ name: 'broadcastTo/[3,1]→[2,3,4]', inputs: [x([3, 1])], fn: (t) => broadcastTo(t, [2, 3, 4]), tol: 'exact', gradTol: 'elementwise' });
add_({ name: 'broadcastTo/[4]→[3,4]', inputs: [x([4])], fn: (t) => broadcastTo(t, [3, 4]), tol: 'exact', gradTol: 'elementwise' });
add_({ name: 'broadcastTo/0-d→[2,2] and same shape', inputs: [x([]), x([2, 2])], fn: (s, t) => [broadcastTo(s, [2, 2]), broadcastTo(t, [2, 2])], tol: 'exact', gradTol: 'elementwise' });
add_({ name: 'slice/2-D window', inputs: [x([4, 5])], fn: (t) => slice(t, [1, 2], [2, 3]), tol: 'exact' });
add_({ name: 'slice/3-D with -1 sizes', inputs: [x([2, 3, 4])], fn: (t) => slice(t, [0, 1, 1], [-1, 2, -1]), tol: 'exact' });
add_({ name: 'slice/whole and empty', inputs: [x([3, 4])], fn: (t) => [slice(t, [0, 0]), slice(t, [1, 2], [0, 2])], tol: 'exact' });
add_({ name: 'slice/4-D box with full trailing axes', inputs: [x([2, 3, 4, 5])], fn: (t) => slice(t, [1, 0, 1, 0], [1, 3, 2, 5]), tol: 'exact' });
add_({ name: 'slice/1-D and a size-1 middle axis', inputs: [x([7]), x([3, 4, 2])], fn: (a, b) => [slice(a, [2], [4]), slice(b, [0, 2, 0], [3, 1, 2])], tol: 'exact' });
add_({ name: 'split/LSTM gates: 4 column blocks', inputs: [x([3, 8])], fn: (t) => split(t, 4, 1), tol: 'exact' });
add_({ name: 'pad/4-D with only leading axes padded', inputs: [x([2, 2, 3, 2])], fn: (t) => pad(t, [[1, 0], [0, 2], [0, 0], [0, 0]]), tol: 'exact' });
add_({ name: 'pad/2-D asymmetric', inputs: [x([3, 4])], fn: (t) => pad(t, [[1, 0], [2, 3]]), tol: 'exact' });
add_({ name: 'pad/3-D value 1.5', inputs: [x([2, 3, 2])], fn: (t) => pad(t, [[0, 1], [1, 1], [2, 0]], 1.5), tol: 'exact' });
add_({ name: 'concat/axis 0', inputs: [x([1, 3]), x([2, 3])], fn: (a, b) => concat([a, b], 0), tol: 'exact' });
add_({ name: 'concat/axis 1, three pieces', inputs: [x([2, 3]), x([2, 1]), x([2, 2])], fn: (a, b, c) => concat([a, b, c], 1), tol: 'exact' });
add_({ name: 'concat/axis -1 3-D, same tensor twice', inputs: [x([2, 2, 3]), x([2, 2, 1])], fn: (a, b) => concat([a, b, a], -1), tol: 'exact', gradTol: 'elementwise' });
add_({ name: 'concat/one tensor, empty piece', inputs: [x([2, 3]), x([0, 3])], fn: (a, e) => [concat([a]), concat([a, e, a], 0)], tol: 'exact', gradTol: 'elementwise' });
add_({ name: 'stack/axis 0', inputs: [x([2, 3]), x([2, 3]), x([2, 3])], fn: (a, b, c) => stack([a, b, c]), tol: 'exact' });
add_({ name: 'stack/last axis', inputs: [x([2, 3]), x([2, 3])], fn: (a, b) => stack([a, b], 2), tol: 'exact' });
add_({ name: 'split/sizes along axis 1', inputs: [x([4, 6])], fn: (t) => split(t, [1, 3, 2], 1), tol: 'exact' });
add_({ name: 'split/2 equal along axis 0', inputs: [x([4, 3])], fn: (t) => split(t, 2, 0), tol: 'exact' });
add_({
  name: 'reshape/views (reshape, -1, flatten, expandDims, squeeze) feeding ops',
  inputs: [x([3, 4])],
  fn: composed((t) => {
    const r = reshape(t, [2, 6]);
    return [mul(r, reshape(t, [2, -1])), reshape(t, [-1]), squeeze(expandDims(t, 1)), flatten(reshape(t, [3, 2, 2])), transpose(reshape(t, [4, 3]))];
  }),
  tol: 'elementwise',
});

// ---- matmul --------------------------------------------------------------------------------------
const MATMUL: [string, Shape, Shape, boolean, boolean, boolean?][] = [
  ['2-D', [3, 4], [4, 5], false, false],
  ['2-D transposeA', [4, 3], [4, 5], true, false],
  ['2-D transposeB', [3, 4], [5, 4], false, true],
  ['2-D transposeA+B', [4, 3], [5, 4], true, true],
  ['3-D batched', [2, 3, 4], [2, 4, 5], false, false],
  ['3-D transposeA', [2, 4, 3], [2, 4, 5], true, false],
  ['3-D transposeB', [2, 3, 4], [2, 5, 4], false, true],
  ['3-D transposeA+B', [2, 4, 3], [2, 5, 4], true, true],
  ['batch broadcast [1,..]·[2,..]', [1, 3, 4], [2, 4, 5], false, false],
  ['batch broadcast [2,..]·[1,..] transposeB', [2, 3, 4], [1, 5, 4], false, true],
  ['3-D·2-D', [2, 3, 4], [4, 5], false, false],
  ['2-D·3-D transposeA', [4, 3], [2, 4, 5], true, false],
  ['1×1·1×1', [1, 1], [1, 1], false, false],
  ['row·column 1×7·7×1', [1, 7], [7, 1], false, false],
  ['outer product K=1 7×1·1×7', [7, 1], [1, 7], false, false],
  ['odd 7×33·33×65', [7, 33], [33, 65], false, false, false],
  ['odd 65×33 (transposeA)·33×7', [33, 65], [33, 7], true, false, false],
  ['odd 33×65·65×1 transposeB', [33, 65], [1, 65], false, true, false],
  ['odd batched 2×33×7·2×7×65', [2, 33, 7], [2, 7, 65], false, false, false],
];
for (const [label, a, b, ta, tb, gc] of MATMUL) {
  // the forward sums K terms; dA sums over N, dB over M (and the batch when b is shared)
  const [m, ka] = ta ? [a.at(-1)!, a.at(-2)!] : [a.at(-2)!, a.at(-1)!];
  const n = tb ? b.at(-2)! : b.at(-1)!;
  const batch = Math.max(prod(a.slice(0, -2)), prod(b.slice(0, -2)));
  add_({
    name: `matmul/${label} ${fmtShape(a)}·${fmtShape(b)}`,
    inputs: [x(a), x(b)],
    fn: (p, q) => matmul(p, q, { transposeA: ta, transposeB: tb }),
    tol: 'reduction',
    k: Math.max(ka, n, m * batch),
    gradcheck: gc,
  });
}

// ---- conv2d -----------------------------------------------------------------------------------
const CONV: [string, Shape, Shape, Conv2dOptions][] = [
  ['3×3 valid', [2, 3, 5, 5], [4, 3, 3, 3], {}],
  ['3×3 pad 1', [2, 3, 5, 5], [4, 3, 3, 3], { padding: 1 }],
  ['3×3 stride 2 pad 1', [2, 3, 7, 7], [4, 3, 3, 3], { stride: 2, padding: 1 }],
  ["'same' stride 1 non-square input", [2, 3, 5, 6], [4, 3, 3, 3], { padding: 'same' }],
  ["'same' stride 2 even input (asymmetric [0,1,0,1])", [2, 3, 6, 6], [4, 3, 3, 3], { stride: 2, padding: 'same' }],
  ["'same' stride 2 odd input", [2, 3, 7, 7], [4, 3, 3, 3], { stride: 2, padding: 'same' }],
  ["'same' even kernel 4×4 (asymmetric [1,2,1,2])", [1, 2, 5, 5], [3, 2, 4, 4], { padding: 'same' }],
  ['explicit asymmetric [0,1,1,2]', [2, 3, 5, 5], [4, 3, 3, 3], { padding: [0, 1, 1, 2] }],
  ["'valid'", [2, 3, 6, 5], [4, 3, 3, 2], { padding: 'valid' }],
  ['dilation 2', [2, 3, 7, 7], [4, 3, 3, 3], { dilation: 2 }],
  ['dilation 2 pad 2', [2, 3, 5, 6], [4, 3, 3, 3], { dilation: 2, padding: 2 }],
  ["dilation [2,1] 'same'", [1, 3, 6, 5], [2, 3, 3, 3], { dilation: [2, 1], padding: 'same' }],
  ['1×1', [2, 3, 4, 5], [4, 3, 1, 1], {}],
  ['1×1 stride 2', [2, 3, 5, 6], [4, 3, 1, 1], { stride: 2 }],
  ['2×3 kernel stride [2,1] pad [1,0]', [2, 3, 5, 6], [4, 3, 2, 3], { stride: [2, 1], padding: [1, 0] }],
  ['stride 3 > kernel 2 (skipped pixels)', [1, 2, 8, 8], [3, 2, 2, 2], { stride: 3 }],
  ['single channel, batch 1', [1, 1, 6, 6], [2, 1, 3, 3], { padding: 1 }],
];
for (const [label, xs, ws, options] of CONV) {
  // forward Cin·kh·kw terms, input gradient ≤ Cout·kh·kw, filter gradient ≤ N·H·W (output pixels)
  const k = Math.max(ws[1] * ws[2] * ws[3], ws[0] * ws[2] * ws[3], xs[0] * xs[2] * xs[3]);
  add_({ name: `conv2d/${label} x${fmtShape(xs)} w${fmtShape(ws)}`, inputs: [x(xs), x(ws)], fn: (a, w) => conv2d(a, w, options), tol: 'reduction', k });
}
const CONVT: [string, Shape, Shape, ConvTranspose2dOptions][] = [
  ['3×3 stride 1', [2, 3, 3, 4], [3, 4, 3, 3], {}],
  ['3×3 stride 2 pad 1 outputPadding 1', [2, 3, 3, 4], [3, 4, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }],
  ['4×4 stride 2 pad 1', [2, 3, 3, 3], [3, 4, 4, 4], { stride: 2, padding: 1 }],
  ['2×3 stride [2,1]', [2, 3, 3, 4], [3, 4, 2, 3], { stride: [2, 1] }],
  ['3×3 stride 2', [1, 3, 2, 3], [3, 2, 3, 3], { stride: 2 }],
  ['3×3 dilation 2 stride 2', [1, 2, 3, 3], [2, 3, 3, 3], { dilation: 2, stride: 2 }],
  ['1×1', [2, 3, 3, 3], [3, 2, 1, 1], {}],
];
for (const [label, xs, ws, options] of CONVT) {
  // the filter gradient sums over N·H·W input pixels; outputs and input gradients ≤ C·kh·kw terms
  const k = Math.max(ws[0] * ws[2] * ws[3], ws[1] * ws[2] * ws[3], xs[0] * xs[2] * xs[3]);
  add_({ name: `convTranspose2d/${label} x${fmtShape(xs)} w${fmtShape(ws)}`, inputs: [x(xs), x(ws)], fn: (a, w) => convTranspose2d(a, w, options), tol: 'reduction', k });
}

// ---- pooling ------------------------------------------------------------------------------------
const POOL: ['max' | 'avg', string, Shape, Pool2dOptions][] = [
  ['max', 'k2 s2', [2, 3, 6, 6], { kernel: 2 }],
  ['max', 'k2 s2 odd input (last row/col dropped)', [2, 3, 5, 7], { kernel: 2 }],
  ['max', 'k3 s2 pad 1', [2, 3, 7, 7], { kernel: 3, stride: 2, padding: 1 }],
  ['max', 'k3 s1 pad 1 (overlapping)', [1, 2, 5, 5], { kernel: 3, stride: 1, padding: 1 }],
  ['max', 'k3 s2 pad 1 all-negative input (padding never wins)', [1, 2, 5, 5], { kernel: 3, stride: 2, padding: 1 }],
  ['max', 'k[2,3] s[1,2] pad [1,1]', [2, 2, 5, 6], { kernel: [2, 3], stride: [1, 2], padding: [1, 1] }],
  ['avg', 'k2 s2', [2, 3, 6, 6], { kernel: 2 }],
  ['avg', 'k3 s1 pad 1 (padding counts as zeros)', [2, 3, 5, 5], { kernel: 3, stride: 1, padding: 1 }],
  ['avg', 'k3 s2 pad 1', [2, 3, 6, 7], { kernel: 3, stride: 2, padding: 1 }],
  ['avg', 'k[3,2] s[2,1] pad [1,0]', [1, 2, 5, 4], { kernel: [3, 2], stride: [2, 1], padding: [1, 0] }],
];
for (const [mode, label, xs, options] of POOL) {
  const f = mode === 'max' ? maxPool2d : avgPool2d;
  const spec = label.includes('all-negative') ? { low: -3, high: -0.5 } : {};
  // max pooling selects (exact forward); overlapping windows sum gradients. avg sums kh·kw cells
  const kernel = typeof options.kernel === 'number' ? [options.kernel, options.kernel] : options.kernel;
  const tol = mode === 'max' ? ({ tol: 'exact', gradTol: 'reduction' } as const) : ({ tol: 'reduction' } as const);
  add_({ name: `pool/${mode}Pool2d ${label} x${fmtShape(xs)}`, inputs: [x(xs, spec)], fn: (t) => f(t, options), ...tol, k: kernel[0] * kernel[1] });
}
add_({ name: 'pool/globalAvgPool [2,3,4,5]', inputs: [x([2, 3, 4, 5])], fn: (t) => globalAvgPool(t), tol: 'reduction', k: 20 });

// ---- indexing ----------------------------------------------------------------------------------
add_({ name: 'gather/axis 0 with repeats', inputs: [x([4, 3])], fn: (t) => gather(t, [3, 0, 3, 1, 2], 0), tol: 'exact', gradTol: 'elementwise' });
add_({ name: 'gather/axis 1 of 3-D', inputs: [x([2, 4, 3])], fn: (t) => gather(t, [1, 1, 3], 1), tol: 'exact', gradTol: 'elementwise' });
add_({ name: 'gather/axis -1, tensor indices', inputs: [x([2, 3, 4])], fn: composed((t) => gather(t, tensor([3, 0], [2]), -1)), tol: 'exact' });
add_({ name: 'scatterAdd/axis 0 with repeats', inputs: [x([5, 3])], fn: (u) => scatterAdd(u, [3, 0, 3, 1, 3], 0, [4, 3]), tol: 'elementwise', gradTol: 'exact' });
add_({ name: 'scatterAdd/axis 1 of 3-D', inputs: [x([2, 3, 3])], fn: (u) => scatterAdd(u, [2, 0, 2], 1, [2, 4, 3]), tol: 'elementwise', gradTol: 'exact' });
add_({ name: 'oneHot/labels [2,0,1,3,1] depth 4', inputs: [], fn: () => oneHot([2, 0, 1, 3, 1], 4), tol: 'exact', grad: false });

// ---- softmax family and losses --------------------------------------------------------------------
const LARGE = { low: -80, high: 80 };
for (const [name, f] of [['softmax', softmax], ['logSoftmax', logSoftmax]] as const) {
  add_({ name: `${name}/axis -1 [3,5]`, inputs: [x([3, 5])], fn: (t) => f(t, -1), tol: 'reduction', k: 5 });
  add_({ name: `${name}/axis 1 of 4-D [2,3,2,2]`, inputs: [x([2, 3, 2, 2])], fn: (t) => f(t, 1), tol: 'reduction', k: 3 });
  add_({ name: `${name}/large magnitudes ±80 [3,4]`, inputs: [x([3, 4], LARGE)], fn: (t) => f(t), tol: 'reduction', k: 4 });
}
add_({ name: 'logSumExp/large magnitudes 60..100', inputs: [x([3, 4], { low: 60, high: 100 })], fn: composed((t) => [logSumExp(t, -1), logSumExp(neg(t), 0, true)]), tol: 'reduction', k: 4 });
add_({
  name: 'softmaxCrossEntropy/index labels',
  inputs: [x([6, 4])],
  fn: (l) => softmaxCrossEntropy(l, [1, 3, 0, 2, 2, 1]),
  tol: 'reduction',
  k: 24,
});
add_({
  name: 'softmaxCrossEntropy/probability targets (differentiated too)',
  inputs: [x([4, 3]), x([4, 3], { positive: true })],
  fn: composed((l, t) => softmaxCrossEntropy(l, div(t, sum(t, 1, true)))),
  tol: 'reduction',
  k: 12,
});
add_({
  name: 'softmaxCrossEntropy/extreme logits ±80, tensor labels',
  inputs: [x([6, 4], LARGE)],
  fn: composed((l) => softmaxCrossEntropy(l, tensor([0, 1, 2, 3, 0, 1], [6]))),
  tol: 'reduction',
  k: 24,
});
add_({ name: 'sigmoidCrossEntropy/logits and targets', inputs: [x([4, 3]), x([4, 3], { low: 0, high: 1 })], fn: sigmoidCrossEntropy, tol: 'reduction', k: 12 });
add_({
  name: 'sigmoidCrossEntropy/extreme logits ±80, ±30',
  inputs: [x([6], { values: [80, -80, 30, -30, 0.5, -2] }), x([6], { values: [1, 0, 0, 1, 0.3, 0.7] })],
  fn: sigmoidCrossEntropy,
  tol: 'reduction',
  k: 6,
});

// ---- activations -------------------------------------------------------------------------------
add_({ name: 'activation/relu', inputs: [x([5, 7])], fn: relu, tol: 'exact' });
add_({ name: 'activation/leakyRelu 0.01 and 0.2', inputs: [x([5, 7])], fn: (t) => [leakyRelu(t), leakyRelu(t, 0.2)], tol: 'elementwise' });
add_({ name: 'activation/elu alpha 1 and 0.5', inputs: [x([5, 7])], fn: (t) => [elu(t), elu(t, 0.5)], tol: 'elementwise' });
add_({ name: 'activation/softplus', inputs: [x([5, 7])], fn: softplus, tol: 'elementwise' });
add_({
  name: 'activation/relu,leakyRelu,elu,softplus at large magnitudes',
  inputs: [x([8], { values: [-100, -90, -30, -1.5, 1.5, 30, 90, 100] })],
  fn: (t) => [relu(t), leakyRelu(t, 0.1), elu(t), softplus(t)],
  tol: 'elementwise',
});
// weight norm as one op: a conv weight per output channel (dim 0, g as [out, 1, 1, 1]), and
// dim 1 with a flat g; 37 = 1·37 terms per unit is not a multiple of the SIMD widths
add_({
  name: 'weightNorm/dim 0 [4,3,2,2] and dim 1 [2,3,37] with a flat g',
  inputs: [x([4, 3, 2, 2]), x([4, 1, 1, 1], { positive: true }), x([2, 3, 37]), x([3], { positive: true })],
  fn: (v, g, v2, g2) => [weightNormalize(v, g, 0), weightNormalize(v2, g2, 1)],
  tol: 'reduction',
  k: 74,
});
// the LSTM cell's two fused ops: H = 8 (the wasm backend's SIMD loops, four units at a time) and
// H = 5 (not a multiple of 4: its reference loops), gates spread over ±6 so every activation's
// saturating and linear ranges are hit; lstmCellOutput and lstmCellState alone on another c
add_({
  name: 'lstm/lstmCell H 8 and H 5, lstmCellOutput on its own',
  inputs: [x([3, 32], { low: -6, high: 6 }), x([3, 8]), x([2, 20], { low: -6, high: 6 }), x([2, 5]), x([2, 5], { low: -3, high: 3 })],
  fn: (g, c, g2, c2, cNext) => {
    const a = lstmCell(g, c), b = lstmCell(g2, c2);
    return [a.h, a.c, b.h, b.c, lstmCellOutput(g2, cNext), lstmCellState(g2, cNext)];
  },
  tol: 'elementwise',
});
// DRAW's Gaussian filterbank as one op: centres over a 9-pixel axis (some filters partly off it),
// strides and variances positive; N = 3 and 4 (odd and even offsets), [B] and [B, 1] inputs
add_({
  name: 'filterbank/gaussianFilterbank N 3 and 4 over 9 pixels',
  inputs: [x([3, 1], { low: -1, high: 9 }), x([3, 1], { low: 0.5, high: 2.5 }), x([3, 1], { positive: true }), x([2], { low: 0, high: 8 }), x([2], { low: 0.2, high: 3 }), x([2], { low: 0.5, high: 4 })],
  fn: (c, d, s, c2, d2, s2) => [gaussianFilterbank(c, d, s, 3, 9), gaussianFilterbank(c2, d2, s2, 4, 9, 1e-3)],
  // sums of 9 (forward) and 36 (gradients) terms, but each an exp: its error on GPUs sets the bound
  tol: 'elementwise',
});
// batch norm as one op (training statistics): [N, C], [N, C, L] and [N, C, H, W]; 2·37 = 74 values
// per channel is not a multiple of the SIMD widths; the gradient is the direct rule's
add_({
  name: 'batchNorm/[6,3], [2,3,37] and [2,2,3,4] with γ, β',
  inputs: [x([6, 3]), x([3], { positive: true }), x([3]), x([2, 3, 37]), x([3], { positive: true }), x([3]), x([2, 2, 3, 4]), x([2], { positive: true }), x([2])],
  fn: (a, g, b, a2, g2, b2, a3, g3, b3) => [batchNormalize(a, g, b), batchNormalize(a2, g2, b2, 1e-3), batchNormalize(a3, g3, b3, 0.1)],
  tol: 'reduction',
  k: 74,
});
add_({
  name: 'batchNorm/batchMoments [2,3,37] and [5,4]',
  inputs: [x([2, 3, 37]), x([5, 4], { low: 3, high: 5 })],
  fn: (a, b) => [batchMoments(a), batchMoments(b)],
  tol: 'reduction',
  k: 74,
  grad: false,
});
// from 2048 values on, the wasm backend runs batch norm as SIMD kernels (float64 channel sums,
// channel ranges per thread); rows of 13·14 = 182 values end mid-vector
add_({
  name: 'batchNorm/[4,3,13,14] with γ, β (the SIMD kernels)',
  inputs: [x([4, 3, 13, 14]), x([3], { positive: true }), x([3])],
  fn: (a, g, b) => batchNormalize(a, g, b),
  tol: 'reduction',
  k: 728,
  gradcheck: false,
});
add_({
  name: 'batchNorm/batchMoments [4,3,13,14]',
  inputs: [x([4, 3, 13, 14], { low: 3, high: 5 })],
  fn: (a) => batchMoments(a),
  tol: 'reduction',
  k: 728,
  grad: false,
});
add_({ name: 'activation/l2Normalize axis 1 and axes [1,2]', inputs: [x([2, 3, 4])], fn: (t) => [l2Normalize(t, 1), l2Normalize(t, [1, 2])], tol: 'reduction', k: 12 });

// ---- fused elementwise programs (forward, gradients by decomposition, gradcheck) ---------------
const ADAM_LIKE = fuse(6, ([p, m, v, sqrtBc2, eps, stepSize], k) => k.sub(p, k.mul(k.div(m, k.add(k.div(k.sqrt(v), sqrtBc2), eps)), stepSize)));
const MIXED = fuse(3, ([a, b, c], k) => k.add(k.mul(k.sigmoid(a), k.tanh(b)), k.div(k.maximum(a, b), c)));
const SELECT = fuse(3, ([a, b, c], k) => k.where(k.greater(a, b), k.exp(k.minimum(a, 1.5)), k.mul(k.log(c), b)));
const UNARIES = fuse(1, ([x], k) => [
  k.neg(x), k.exp(k.mul(x, 0.5)), k.log(k.abs(x)), k.sqrt(k.abs(x)), k.mul(k.sign(x), x), k.tanh(x), k.sigmoid(x),
  k.reciprocal(x), k.sin(x), k.cos(x), k.mul(k.floor(x), 0.25),
].reduce((acc, v) => k.add(acc, v)));
const POW_COMPARE = fuse(2, ([a, b], k) => k.add(k.pow(a, b), k.mul(k.add(k.equal(a, b), k.less(a, b)), k.sub(b, 2))));
add_({
  name: 'fused/adam-like update [5,7] with number inputs',
  inputs: [x([5, 7]), x([5, 7]), x([5, 7], { positive: true })],
  fn: (p, m, v) => fusedElementwise(ADAM_LIKE, [p, m, v, 0.97, 1e-3, 0.01]),
  tol: 'elementwise',
});
add_({
  name: 'fused/broadcast [2,3,4]·[4]·[3,1]',
  inputs: [x([2, 3, 4]), x([4]), x([3, 1], { awayFromZero: true })],
  fn: (a, b, c) => fusedElementwise(MIXED, [a, b, c]),
  tol: 'elementwise',
});
add_({
  name: 'fused/where, greater, minimum, exp, log with a 0-d input',
  inputs: [x([4, 5]), x([]), x([4, 5], { positive: true })],
  fn: (a, b, c) => fusedElementwise(SELECT, [a, b, c]),
  tol: 'elementwise',
});
add_({ name: 'fused/every unary op [6,5]', inputs: [x([6, 5], { awayFromZero: true })], fn: (t) => fusedElementwise(UNARIES, [t]), tol: 'elementwise' });
add_({
  name: 'fused/pow, equal, less [3,4]',
  inputs: [x([3, 4], { positive: true }), x([3, 4])],
  fn: (a, b) => fusedElementwise(POW_COMPARE, [a, b]),
  tol: 'elementwise',
});
add_({
  name: 'fusedDecomposition/broadcast [2,3,4]·[4]·[3,1]',
  inputs: [x([2, 3, 4]), x([4]), x([3, 1], { awayFromZero: true })],
  fn: (a, b, c) => fusedDecomposition(MIXED, [a, b, c]),
  tol: 'elementwise',
});

/** Every conformance case, in a stable order. */
export const CONFORMANCE_CASES: readonly OpCase[] = cases;

const names = new Set<string>();
for (const c of cases) {
  if (names.has(c.name)) throw new Error(`duplicate conformance case name '${c.name}'`);
  names.add(c.name);
}
