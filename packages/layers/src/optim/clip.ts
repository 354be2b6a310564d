/** Gradient clipping by global norm (PyTorch's clip_grad_norm_). */
import { add, mul, sqrt, sum, tidy, WnError, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';

/** √(Σ‖g‖²) over all gradients. */
export function globalNorm(grads: readonly Tensor[]): number {
  if (grads.length === 0) return 0;
  return noGrad(() => tidy(() => sqrt(grads.map((g) => sum(mul(g, g))).reduce((a, b) => add(a, b))).item()));
}

/**
 * Scales all gradients by min(1, maxNorm / (norm + 1e-6)) where norm is their global L2 norm.
 * Returns new tensors (the caller owns both the inputs and the outputs) and the norm before
 * clipping. Unclipped gradients come back as copies, so disposing inputs and outputs alike is safe.
 */
export function clipGradNorm(grads: readonly Tensor[], maxNorm: number): { grads: Tensor[]; norm: number; clipped: boolean } {
  if (!(maxNorm > 0)) throw new WnError('clipGradNorm', `maxNorm must be > 0, got ${maxNorm}`);
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm)) throw new WnError('clipGradNorm', `the gradient norm is ${norm}`);
  const coef = maxNorm / (norm + 1e-6);
  const clipped = coef < 1;
  const out = noGrad(() => grads.map((g) => mul(g, clipped ? coef : 1)));
  return { grads: out, norm, clipped };
}
