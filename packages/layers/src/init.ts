/** Initializers, as PyTorch's defaults (drawn from a seeded `Rng`). */
import { WnError, type Rng, type Shape } from '@wn/tensor';

/**
 * Fan-in as PyTorch's `_calculate_fan_in_and_fan_out`: weight.shape[1] × receptive field. For a
 * transposed-conv weight [in, out, kh, kw] that is out·kh·kw, which is what PyTorch uses.
 */
export function fanIn(shape: Shape): number {
  if (shape.length < 2) throw new WnError('fanIn', `needs a weight of rank ≥ 2, got shape [${shape.join(', ')}]`);
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * kaiming_uniform_(a = √5), PyTorch's default for Linear/Conv weights: gain √(2/(1+a²)) = √(1/3),
 * bound √3 · gain / √fan_in = 1/√fan_in, i.e. U(−1/√fan_in, 1/√fan_in).
 */
export function kaimingUniformA5(shape: Shape, rng: Rng) {
  const bound = 1 / Math.sqrt(fanIn(shape));
  return rng.uniform(shape, -bound, bound);
}

/** U(−bound, bound). */
export function uniformInit(shape: Shape, bound: number, rng: Rng) {
  return rng.uniform(shape, -bound, bound);
}

/** N(0, std²); the paper's weight-norm init draws v with std 0.05. */
export function normalInit(shape: Shape, std: number, rng: Rng) {
  return rng.normal(shape, 0, std);
}
