/**
 * Losses. `reduction`: 'mean' (over every element), 'sum', 'none' (elementwise), or 'perExample'
 * (summed over every axis but the first: one value per example, e.g. for importance-weighted
 * bounds).
 */
import {
  abs, add, exp, greater, log, maximum, mean, mul, neg, softmaxCrossEntropy, sub, sum, where, WnError, type Tensor,
} from '@wn/tensor';

export { softmaxCrossEntropy };

/**
 * How a loss reduces its per-element values: `'mean'` over all elements, `'sum'`, `'none'` (the elementwise
 * losses), or `'perExample'` (summed over every axis but the first, giving [N]).
 */
export type Reduction = 'mean' | 'sum' | 'none' | 'perExample';

function reduce(op: string, x: Tensor, reduction: Reduction): Tensor {
  switch (reduction) {
    case 'mean': return mean(x);
    case 'sum': return sum(x);
    case 'none': return x;
    case 'perExample': {
      if (x.rank === 0) throw new WnError(op, "reduction 'perExample' needs a batch axis");
      return x.rank === 1 ? x : sum(x, x.shape.map((_, i) => i).slice(1));
    }
    default: throw new WnError(op, `reduction must be 'mean', 'sum', 'none' or 'perExample', got '${reduction as string}'`);
  }
}

function sameShape(op: string, a: Tensor, b: Tensor, names: [string, string]): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new WnError(op, `'${names[1]}' must have the shape of '${names[0]}' [${a.shape.join(', ')}], got [${b.shape.join(', ')}]`);
  }
}

/**
 * Binary cross-entropy from logits z and targets t ∈ [0, 1]: max(z, 0) − z·t + log(1 + e^(−|z|))
 * (stable for any |z|; PyTorch's binary_cross_entropy_with_logits). Default reduction 'mean'.
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  sameShape('binaryCrossEntropyWithLogits', logits, targets, ['logits', 'targets']);
  const per = add(sub(maximum(logits, 0), mul(logits, targets)), log(add(exp(neg(abs(logits))), 1)));
  return reduce('binaryCrossEntropyWithLogits', per, options.reduction ?? 'mean');
}

/** (prediction − target)², default reduction 'mean'. */
export function mseLoss(prediction: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  sameShape('mseLoss', prediction, target, ['prediction', 'target']);
  const d = sub(prediction, target);
  return reduce('mseLoss', mul(d, d), options.reduction ?? 'mean');
}

/**
 * Huber loss (PyTorch's huber_loss): ½d² where |d| < delta, else delta·(|d| − ½delta), with
 * d = prediction − target; default delta 1, reduction 'mean'. (DQN's error clipping.)
 */
export function huberLoss(prediction: Tensor, target: Tensor, options: { delta?: number; reduction?: Reduction } = {}): Tensor {
  sameShape('huberLoss', prediction, target, ['prediction', 'target']);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new WnError('huberLoss', `delta must be > 0, got ${delta}`);
  const d = sub(prediction, target);
  const a = abs(d);
  const per = where(greater(a, delta), mul(sub(a, 0.5 * delta), delta), mul(mul(d, d), 0.5));
  return reduce('huberLoss', per, options.reduction ?? 'mean');
}

/**
 * KL(N(μ, σ²) ‖ N(0, 1)) from μ and **log σ²** (log-variance), elementwise
 * −½(1 + log σ² − μ² − σ²). Default reduction 'perExample' (summed over latent axes: [N]).
 */
export function gaussianKL(mu: Tensor, logVar: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  sameShape('gaussianKL', mu, logVar, ['mu', 'logVar']);
  const per = mul(add(sub(sub(logVar, mul(mu, mu)), exp(logVar)), 1), -0.5);
  return reduce('gaussianKL', per, options.reduction ?? 'perExample');
}

/**
 * The same KL from μ and **log σ** (log standard deviation): −log σ + ½(σ² + μ²) − ½.
 * Default reduction 'perExample'.
 */
export function gaussianKLFromLogStd(mu: Tensor, logStd: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  sameShape('gaussianKLFromLogStd', mu, logStd, ['mu', 'logStd']);
  const per = sub(mul(add(exp(mul(logStd, 2)), mul(mu, mu)), 0.5), add(logStd, 0.5));
  return reduce('gaussianKLFromLogStd', per, options.reduction ?? 'perExample');
}
