/**
 * Train-only stochastic layers, seeded. Each draws from its own `rng` field, whose position
 * `randomState(model)` saves and `loadRandomState` restores (a resumed run draws the same masks).
 */
import { add, mul, WnError, type Rng, type Tensor } from '@wn/tensor';
import { Layer } from '../module.js';
import { resolveRng, type RngOption } from '../rng.js';

/**
 * Inverted dropout: in training mode zeroes each element with probability p and scales the rest
 * by 1/(1−p); identity in eval mode. Masks come from the layer's own `Rng` (one stream per call).
 */
export class Dropout extends Layer {
  /** The generator the dropout masks are drawn from. */
  rng: Rng;
  /** @param p The probability of zeroing an element, in [0, 1). Throws a `WnError` outside that range. */
  constructor(readonly p = 0.5, options: { rng?: RngOption } = {}) {
    super();
    if (!(p >= 0 && p < 1)) throw new WnError('Dropout', `p must be in [0, 1), got ${p}`);
    this.rng = resolveRng(options.rng);
  }
  protected compute(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const mask = this.rng.bernoulli(x.shape, 1 - this.p);
    return mul(x, mul(mask, 1 / (1 - this.p)));
  }
}

/** Adds N(0, std²) noise in training mode (the paper's CIFAR net: std 0.15 on the input); identity in eval. */
export class GaussianNoise extends Layer {
  /** The generator the noise is drawn from. */
  rng: Rng;
  /** @param std The noise's standard deviation (≥ 0; throws a `WnError` otherwise). */
  constructor(readonly std: number, options: { rng?: RngOption } = {}) {
    super();
    if (!(std >= 0)) throw new WnError('GaussianNoise', `std must be ≥ 0, got ${std}`);
    this.rng = resolveRng(options.rng);
  }
  protected compute(x: Tensor): Tensor {
    if (!this.training || this.std === 0) return x;
    return add(x, this.rng.normal(x.shape, 0, this.std));
  }
}
