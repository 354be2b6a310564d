/**
 * The pieces of a variational bound, per image, built from differentiable @wn ops:
 *
 * - `bernoulliLogLikelihood(logits, x)`: log p(x | logits) of independent Bernoullis, summed per image;
 * - `gaussianKlStandard(mu, logSigma)`: KL(N(μ, σ²) ‖ N(0, I)) in closed form, per image;
 * - `gaussianLogDensity(z, mu, logSigma)`: log N(z; μ, σ²) of a diagonal Gaussian, per image;
 * - `logMeanExp(x, axis)`: log(mean(exp(x))) along an axis, stable for any magnitude.
 *
 * "Per image" means summed over every axis but the first: inputs are [N, ...], results are [N].
 * All are in nats.
 */
import { add, exp, log, logSumExp, maximum, mul, neg, normalizeAxis, square, sub, sum, abs, tidy, WnError, Tensor, type TensorLike } from '@wn/tensor';
import { gaussianKLFromLogStd } from '@wn/layers';

const LOG_TWO_PI = Math.log(2 * Math.PI);

function checkSameShape(op: string, name: string, expected: Tensor, actual: Tensor): void {
  if (expected.shape.join() !== actual.shape.join()) {
    throw new WnError(op, `${name}: expected shape [${expected.shape.join(', ')}], got [${actual.shape.join(', ')}]`);
  }
}

function checkBatched(op: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new WnError(op, `${name}: expected a Tensor, got ${typeof t}`);
  if (t.rank < 1) throw new WnError(op, `${name}: expected a batch axis (rank ≥ 1), got a scalar`);
}

/** Sum over every axis but the first: [N, ...] → [N]. A rank-1 input is returned as is. */
export function sumPerImage(x: Tensor): Tensor {
  if (x.rank <= 1) return x;
  return sum(x, Array.from({ length: x.rank - 1 }, (_, i) => i + 1));
}

/**
 * log p(x | z) for independent Bernoullis with logits z, summed per image:
 * Σ x·z − softplus(z), written as −(max(z, 0) − x·z + log(1 + exp(−|z|))) so it never overflows.
 * `x` may be any value in [0, 1] (binary images in the models).
 */
export function bernoulliLogLikelihood(logits: Tensor, x: Tensor): Tensor {
  checkBatched('bernoulliLogLikelihood', 'logits', logits);
  checkBatched('bernoulliLogLikelihood', 'x', x);
  checkSameShape('bernoulliLogLikelihood', 'x', logits, x);
  return tidy(() => sumPerImage(sub(mul(x, logits), add(maximum(logits, 0), log(add(exp(neg(abs(logits))), 1))))));
}

/** KL(N(μ, σ²) ‖ N(0, I)) = Σ ½(μ² + σ² − 1) − log σ, per image, from log σ. */
export function gaussianKlStandard(mu: Tensor, logSigma: Tensor): Tensor {
  checkBatched('gaussianKlStandard', 'mu', mu);
  checkBatched('gaussianKlStandard', 'logSigma', logSigma);
  checkSameShape('gaussianKlStandard', 'logSigma', mu, logSigma);
  return gaussianKLFromLogStd(mu, logSigma, { reduction: 'perExample' });
}

/**
 * log N(z; μ, diag σ²) = Σ −½ log 2π − log σ − ½((z − μ)/σ)², per image. `mu` and `logSigma`
 * broadcast against `z` (numbers allowed): `gaussianLogDensity(z, 0, 0)` is the standard normal.
 */
export function gaussianLogDensity(z: Tensor, mu: TensorLike = 0, logSigma: TensorLike = 0): Tensor {
  checkBatched('gaussianLogDensity', 'z', z);
  return tidy(() => {
    const inverseSigma = logSigma instanceof Tensor ? exp(neg(logSigma)) : Math.exp(-logSigma);
    const standardized = mul(sub(z, mu), inverseSigma);
    const perDim = sub(neg(add(mul(square(standardized), 0.5), logSigma)), 0.5 * LOG_TWO_PI);
    return sumPerImage(perDim);
  });
}

/** log((1/n) Σ exp(x)) along `axis` (n its length), through the max-shifted log-sum-exp. */
export function logMeanExp(x: Tensor, axis = 0, keepDims = false): Tensor {
  checkBatched('logMeanExp', 'x', x);
  const a = normalizeAxis('logMeanExp', axis, x.rank);
  return tidy(() => sub(logSumExp(x, a, keepDims), Math.log(x.shape[a])));
}
