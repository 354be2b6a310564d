/**
 * Gaussian input noise and dropout whose random numbers are a pure function of a shared key (set
 * by the trainer to a hash of (seed, epoch, step)) and a per-layer salt. @wn/layers' Dropout and
 * GaussianNoise draw from a generator whose position is private state, which a checkpoint cannot
 * capture; keyed draws make a resumed run see exactly the masks an uninterrupted one would.
 */
import { add, mul, randomBits, Rng, WnError, type Tensor } from '@wn/tensor';
import { Layer } from '@wn/layers';

/** The current randomness key, shared by a model's stochastic layers. */
export class NoiseKey {
  value = 0;
  /** Sets the key from integers (e.g. seed, epoch, step); any tuple gives an unrelated stream. */
  set(...parts: number[]): void {
    let h = 0x6a09e667;
    for (const p of parts) h = randomBits(h, p >>> 0, Math.floor(p / 0x1_0000_0000));
    this.value = h;
  }
}

/** A generator for one call of one layer: depends only on (key, salt). */
function rngFor(key: NoiseKey, salt: number): Rng {
  return new Rng(randomBits(key.value, salt, 0));
}

/** Adds N(0, std²) noise in training mode (the paper: σ 0.15 on the input); identity in eval. */
export class KeyedGaussianNoise extends Layer {
  constructor(readonly std: number, readonly key: NoiseKey, readonly salt: number) {
    super();
    if (!(std >= 0)) throw new WnError('KeyedGaussianNoise', `std must be ≥ 0, got ${std}`);
  }
  protected compute(x: Tensor): Tensor {
    if (!this.training || this.std === 0) return x;
    return add(x, rngFor(this.key, this.salt).normal(x.shape, 0, this.std));
  }
}

/** Inverted dropout in training mode (zero with probability p, scale the rest by 1/(1−p)); identity in eval. */
export class KeyedDropout extends Layer {
  constructor(readonly p: number, readonly key: NoiseKey, readonly salt: number) {
    super();
    if (!(p >= 0 && p < 1)) throw new WnError('KeyedDropout', `p must be in [0, 1), got ${p}`);
  }
  protected compute(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keepMask = rngFor(this.key, this.salt).bernoulli(x.shape, 1 - this.p);
    return mul(x, mul(keepMask, 1 / (1 - this.p)));
  }
}
