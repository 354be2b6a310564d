/**
 * Batch normalization with the batch's statistics as one op, its direct gradient, and the
 * per-channel batch moments (for running statistics). Backends with the optional `batchNorm`
 * kernels run them (one pass for the statistics and one for the output; the gradient in two
 * passes instead of the long chain through mean, centered square, mean, square root and the
 * broadcasts); the others run the decomposition into primitives below, which is also the
 * definition the kernels are checked against. The channel is axis 1 of [N, C], [N, C, L] or
 * [N, C, H, W].
 */
import { ENGINE } from '../engine.js';
import { argError } from '../errors.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, sqrt, sub } from './elementwise.js';
import { mean, sum } from './reduce.js';
import { reshape, stack } from './shape-ops.js';
import { assertTensor } from './util.js';

const shapeStr = (s: Shape) => `[${s.join(', ')}]`;

/** Every axis of x but the channel axis 1. */
const statAxes = (x: Tensor): number[] => x.shape.map((_, i) => i).filter((i) => i !== 1);
/** A [C] tensor shaped to broadcast along axis 1 of x. */
const perChannel = (t: Tensor, x: Tensor): Tensor => reshape(t, x.shape.map((d, i) => (i === 1 ? d : 1)));

function checkX(op: string, name: string, x: Tensor): void {
  assertTensor(op, name, x);
  if (x.rank < 2) throw argError(op, name, 'a tensor [N, C, ...] of rank ≥ 2', shapeStr(x.shape));
  if (x.size / x.shape[1] < 1) throw argError(op, name, 'at least one value per channel', shapeStr(x.shape));
}

function checkChannelParam(op: string, name: string, t: Tensor, x: Tensor): void {
  assertTensor(op, name, t);
  if (t.rank !== 1 || t.shape[0] !== x.shape[1]) throw argError(op, name, `[${x.shape[1]}] (one per channel of x ${shapeStr(x.shape)})`, shapeStr(t.shape));
}

function checkEps(op: string, eps: number): void {
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) throw argError(op, 'eps', 'a finite number ≥ 0', String(eps));
}

/** The decomposition's mean (keepdims) and biased variance (keepdims). */
function composedMoments(x: Tensor): [Tensor, Tensor] {
  const axes = statAxes(x);
  const mu = mean(x, axes, true);
  const centered = sub(x, mu);
  return [mu, mean(mul(centered, centered), axes, true)];
}

/**
 * `[2, C]`: each channel's batch mean (row 0) and biased variance (row 1) over every axis of x but
 * axis 1 (what batch norm normalizes with). Not differentiable.
 */
export function batchMoments(x: Tensor): Tensor {
  const op = 'batchMoments';
  checkX(op, 'x', x);
  const out = [2, x.shape[1]];
  if (ENGINE.backendOf(op, [x]).kernels.batchMoments) {
    return ENGINE.runKernel('batchMoments', [x], {}, out, (b, xi) => b.kernels.batchMoments!(xi, out));
  }
  return ENGINE.tidy(() => stack(composedMoments(x).map((t) => reshape(t, [x.shape[1]])), 0));
}

/**
 * Batch normalization in training mode (PyTorch's `F.batch_norm(x, None, None, weight, bias,
 * training=True, eps=eps)`): y = (x − μ)·γ/√(σ² + eps) + β with each channel's batch mean μ and
 * biased variance σ² over every axis but 1; `weight` (γ) and `bias` (β) are [C]. Differentiable
 * with respect to x, weight and bias.
 */
export function batchNormalize(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const op = 'batchNormalize';
  checkX(op, 'x', x);
  checkChannelParam(op, 'weight', weight, x);
  checkChannelParam(op, 'bias', bias, x);
  checkEps(op, eps);
  if (ENGINE.backendOf(op, [x, weight, bias]).kernels.batchNorm) {
    return ENGINE.runKernel('batchNorm', [x, weight, bias], { eps }, x.shape, (b, xi, wi, bi) => b.kernels.batchNorm!(xi, wi, bi, eps, x.shape));
  }
  return ENGINE.tidy(() => {
    const [mu, variance] = composedMoments(x);
    const scale = mul(div(1, sqrt(add(variance, eps))), perChannel(weight, x));
    return add(mul(sub(x, mu), scale), perChannel(bias, x));
  });
}

/**
 * The gradient of `batchNormalize(x, weight, bias, eps)` given the output's gradient dy, with
 * x̂ = (x − μ)/σ and σ = √(σ² + eps) per channel: `bias`'s Σ dy, `weight`'s Σ dy·x̂ (both [C]), or
 * x's (γ/σ)·(dy − mean(dy) − x̂·mean(dy·x̂)) (`wrt` 'x', x's shape). Not itself differentiable.
 */
export function batchNormalizeBackward(dy: Tensor, x: Tensor, weight: Tensor, eps: number, wrt: 'x' | 'weight' | 'bias'): Tensor {
  const op = 'batchNormalizeBackward';
  checkX(op, 'x', x);
  assertTensor(op, 'dy', dy);
  if (dy.rank !== x.rank || dy.shape.some((s, i) => s !== x.shape[i])) throw argError(op, 'dy', `x's shape ${shapeStr(x.shape)}`, shapeStr(dy.shape));
  checkChannelParam(op, 'weight', weight, x);
  checkEps(op, eps);
  if (wrt !== 'x' && wrt !== 'weight' && wrt !== 'bias') throw argError(op, 'wrt', "'x', 'weight' or 'bias'", String(wrt));
  const out = wrt === 'x' ? x.shape : [x.shape[1]];
  if (ENGINE.backendOf(op, [dy, x, weight]).kernels.batchNormBackward) {
    return ENGINE.runKernel('batchNormBackward', [dy, x, weight], { eps, wrt }, out, (b, dyi, xi, wi) => b.kernels.batchNormBackward!(dyi, xi, wi, eps, wrt, out));
  }
  const axes = statAxes(x);
  return ENGINE.tidy(() => {
    if (wrt === 'bias') return sum(dy, axes);
    const [mu, variance] = composedMoments(x);
    const invStd = div(1, sqrt(add(variance, eps)));
    const xHat = mul(sub(x, mu), invStd);
    if (wrt === 'weight') return sum(mul(dy, xHat), axes);
    const centered = sub(sub(dy, mean(dy, axes, true)), mul(xHat, mean(mul(dy, xHat), axes, true)));
    return mul(mul(perChannel(weight, x), invStd), centered);
  });
}
