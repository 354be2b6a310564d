/** Activations and losses composed from primitives. */
import { ENGINE } from '../engine.js';
import { argError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { abs, add, exp, log, maximum, mul, neg, sqrt, sub, div } from './elementwise.js';
import { type Indices, oneHot } from './indexing.js';
import { logSoftmax, mean, sum } from './reduce.js';
import { assertTensor } from './util.js';
import { fuse } from '../fused/builder.js';
import type { FusedProgram } from '../fused/program.js';
import { fusedElementwise } from './fused.js';

/** 1 where x > 0, else 0: piecewise constant, so the tape does not record it. */
const RELU_MASK = fuse(1, ([x], k) => k.greater(x, 0));

/** max(x, 0). Its gradient is 0 at x = 0, and NaN stays NaN, as in PyTorch. */
export function relu(x: Tensor): Tensor {
  // x · mask: one fused pass and one multiply forward, one multiply backward; NaN · 0 keeps NaN
  // (a select on x > 0 alone would map NaN to 0). Negative inputs give −0 (equal to 0).
  return ENGINE.tidy(() => mul(x, fusedElementwise(RELU_MASK, [x])));
}

/**
 * The leaky-ReLU mask, 1 where x > 0 and `slope` elsewhere, in one pass. The slope is a program
 * constant, so the program is piecewise constant and the tape does not record it.
 */
const leakyMasks = new Map<number, FusedProgram>();
function leakyMask(slope: number): FusedProgram {
  let p = leakyMasks.get(slope);
  if (!p) leakyMasks.set(slope, (p = fuse(1, ([x], k) => k.where(k.greater(x, 0), 1, slope))));
  return p;
}

/**
 * x for x > 0, `slope`·x otherwise (default slope 0.01). Written as x · (x > 0 ? 1 : slope): the mask is
 * piecewise constant, so the backward pass is one multiply (a where-of-both-branches form costs four ops).
 */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  // x · mask: the backward pass is one multiply by the mask, which the tape keeps
  return ENGINE.tidy(() => mul(x, fusedElementwise(leakyMask(slope), [x])));
}

/**
 * ELU as one program: where(x > 0, x, alpha·(exp(where(x > 0, 0, x)) − 1)). exp of the clamped
 * input: exp(x) of a large positive x overflows, and the unused branch's gradient 0·Infinity
 * would be NaN. One pass forward; autograd differentiates it in one pass too.
 */
const eluPrograms = new Map<number, FusedProgram>();
function eluProgram(alpha: number): FusedProgram {
  let p = eluPrograms.get(alpha);
  if (!p) {
    p = fuse(1, ([x], k) => {
      const positive = k.greater(x, 0);
      return k.where(positive, x, k.mul(k.sub(k.exp(k.where(positive, 0, x)), 1), alpha));
    });
    eluPrograms.set(alpha, p);
  }
  return p;
}

/** x for x > 0, `alpha`·(eˣ − 1) otherwise (default alpha 1); never overflows for large x. */
export function elu(x: Tensor, alpha = 1): Tensor {
  assertTensor('elu', 'x', x);
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw argError('elu', 'alpha', 'a finite number', alpha);
  return fusedElementwise(eluProgram(alpha), [x]);
}

/** log(1 + exp(x)), computed as max(x, 0) + log(1 + exp(−|x|)) so it never overflows. */
export function softplus(x: Tensor): Tensor {
  return ENGINE.tidy(() => add(maximum(x, 0), log(add(exp(neg(abs(x))), 1))));
}

/** x², elementwise. */
export const square = (x: Tensor) => mul(x, x);

/** x / ‖x‖₂ over `axes` (kept), with ‖x‖ floored at eps. */
export function l2Normalize(x: Tensor, axes: number | readonly number[], eps = 1e-12): Tensor {
  return ENGINE.tidy(() => div(x, maximum(sqrt(sum(mul(x, x), axes, true)), eps)));
}

/**
 * Mean softmax cross-entropy from logits [N, C] and labels: class indices [N] or target
 * probabilities [N, C]. Stable for any logit magnitude.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Indices | Tensor): Tensor {
  assertTensor('softmaxCrossEntropy', 'logits', logits);
  if (logits.rank !== 2) throw argError('softmaxCrossEntropy', 'logits', 'rank 2 [batch, classes]', `shape [${logits.shape.join(', ')}]`);
  const [n, c] = logits.shape;
  return ENGINE.tidy(() => {
    let targets: Tensor;
    if (labels instanceof Tensor && labels.rank === 2) {
      if (labels.shape[0] !== n || labels.shape[1] !== c) throw argError('softmaxCrossEntropy', 'labels', `shape [${n}, ${c}]`, labels.shape);
      targets = labels;
    } else {
      const count = labels instanceof Tensor ? labels.size : labels.length;
      if (count !== n) throw argError('softmaxCrossEntropy', 'labels', `${n} class indices (one per row of logits)`, `${count}`);
      targets = oneHot(labels, c);
    }
    return neg(mean(sum(mul(targets, logSoftmax(logits, 1)), 1)));
  });
}

/** Mean binary cross-entropy from logits: max(x,0) − x·z + log(1 + exp(−|x|)). */
export function sigmoidCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  assertTensor('sigmoidCrossEntropy', 'logits', logits);
  assertTensor('sigmoidCrossEntropy', 'targets', targets);
  if (logits.shape.join() !== targets.shape.join()) throw argError('sigmoidCrossEntropy', 'targets', `shape [${logits.shape.join(', ')}]`, targets.shape);
  return ENGINE.tidy(() => mean(add(sub(maximum(logits, 0), mul(logits, targets)), log(add(exp(neg(abs(logits))), 1)))));
}
