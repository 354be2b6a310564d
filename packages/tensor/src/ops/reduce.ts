import { ENGINE } from '../engine.js';
import { WnError } from '../errors.js';
import type { ReduceOp } from '../kernels.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div, exp, log, mul, neg, sub, add } from './elementwise.js';
import { reshape } from './shape-ops.js';
import { assertTensor } from './util.js';

/** Options of a reduction. */
export interface ReduceOptions {
  /** Keep the reduced axes as size 1 (default false: drop them). */
  keepDims?: boolean;
}

function reduce(op: ReduceOp, x: Tensor, axes: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  assertTensor(op, 'x', x);
  const list = normalizeAxes(op, axes, x.rank);
  if (op === 'max') {
    for (const a of list) if (x.shape[a] === 0) throw new WnError('max', `cannot reduce over empty axis ${a} of shape [${x.shape.join(', ')}]`);
  }
  const kept = x.shape.map((d, i) => (list.includes(i) ? 1 : d));
  const y = list.length === 0
    ? reshape(x, x.shape)
    : ENGINE.runKernel('reduce', [x], { op, axes: list }, kept, (b, xi) => b.kernels.reduce(op, xi, list, kept));
  if (keepDims) return y;
  const squeezed = reshape(y, x.shape.filter((_, i) => !list.includes(i)));
  y.dispose();
  return squeezed;
}

/** Sum over `axes` (all when omitted). Empty axes sum to 0. */
export const sum = (x: Tensor, axes?: number | readonly number[], keepDims = false) => reduce('sum', x, axes, keepDims);
/** Maximum over `axes`; NaN propagates. */
export const max = (x: Tensor, axes?: number | readonly number[], keepDims = false) => reduce('max', x, axes, keepDims);

/** Minimum over `axes` (all when omitted); NaN propagates. */
export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return ENGINE.tidy(() => neg(max(neg(x), axes, keepDims)));
}

/** Arithmetic mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes('mean', axes, x.rank);
  const count = sizeOf(list.map((a) => x.shape[a]));
  return ENGINE.tidy(() => div(sum(x, list, keepDims), count));
}

/** Population variance (divides by N, like torch.var(unbiased=False)). */
export function variance(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes('variance', axes, x.rank);
  return ENGINE.tidy(() => {
    const centered = sub(x, mean(x, list, true));
    return mean(mul(centered, centered), list, keepDims);
  });
}

/** Index of the first maximum along `axis`, as float-coded integers. */
export function argmax(x: Tensor, axis = -1, keepDims = false): Tensor {
  assertTensor('argmax', 'x', x);
  const a = normalizeAxis('argmax', axis, x.rank);
  if (x.shape[a] === 0) throw new WnError('argmax', `axis ${a} of shape [${x.shape.join(', ')}] is empty`);
  const kept = x.shape.map((d, i) => (i === a ? 1 : d));
  const y = ENGINE.runKernel('argmax', [x], { axis: a }, kept, (b, xi) => b.kernels.argmax(xi, a, kept));
  if (keepDims) return y;
  const out = reshape(y, x.shape.filter((_, i) => i !== a));
  y.dispose();
  return out;
}

/** log(sum(exp(x))) over `axes`, stable for large inputs. */
export function logSumExp(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes('logSumExp', axes, x.rank);
  return ENGINE.tidy(() => {
    // the shift is a constant for the gradient's purposes; any value gives the same result
    const m = max(x, list, true);
    const lse = add(log(sum(exp(sub(x, m)), list, true)), m);
    return keepDims ? lse : reshape(lse, x.shape.filter((_, i) => !list.includes(i)));
  });
}

/** log(softmax(x)) along `axis` (default the last), computed stably as x − logsumexp(x). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return ENGINE.tidy(() => sub(x, logSumExp(x, axis, true)));
}

/** exp(x) / Σ exp(x) along `axis` (default the last), with the maximum subtracted first so it never overflows. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return ENGINE.tidy(() => {
    const e = exp(sub(x, max(x, axis, true)));
    return div(e, sum(e, axis, true));
  });
}
