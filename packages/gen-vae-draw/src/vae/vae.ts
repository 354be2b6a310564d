/**
 * The convolutional VAE as a `GenerativeModel`: a diagonal Gaussian posterior q(z | x) =
 * N(μ(x), σ(x)²) from the encoder, the prior N(0, I), and independent Bernoullis p(x | z) with
 * the decoder's logits. z = μ + σ ⊙ ε with ε ~ N(0, I) from the caller's generator
 * (reparameterization: gradients flow through μ and σ).
 */
import { add, broadcastTo, exp, mean, mul, neg, reshape, sigmoid, split, sub, tidy, WnError, type Rng, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { initFromData, type Variant } from '@wn/layers';
import { bernoulliLogLikelihood, gaussianKlStandard, gaussianLogDensity } from '../common/bounds.js';
import type { GenerativeModel, LossResult } from '../model.js';
import { VaeNetwork, type VaeSizes } from './network.js';

/** The shape of one image: [1, 28, 28]. */
export const IMAGE_SHAPE = [1, 28, 28] as const;

/**
 * The paper's convolutional ResNet VAE (Salimans & Kingma 2016, section 5.3) as a {@link GenerativeModel}:
 * diagonal Gaussian posterior, Bernoulli pixels, analytic KL.
 */
export class ConvVae implements GenerativeModel {
  readonly kind = 'vae';
  readonly module: VaeNetwork;

  /**
   * @param sizes The sizes the network was built with.
   * @param variant The parameterization of every layer.
   * @param rng The generator of the initial weights.
   */
  constructor(readonly sizes: VaeSizes, readonly variant: Variant, rng: Rng) {
    this.module = new VaeNetwork(sizes, { variant, rng });
  }

  private checkImages(op: string, x: Tensor): void {
    const s = x.shape;
    if (s.length !== 4 || s[1] !== 1 || s[2] !== 28 || s[3] !== 28) {
      throw new WnError(`ConvVae.${op}`, `x: expected binary images [N, 1, 28, 28], got [${s.join(', ')}]`);
    }
  }

  /** μ and log σ of q(z | x), each [N, Z]. */
  encode(x: Tensor): { mu: Tensor; logSigma: Tensor } {
    this.checkImages('encode', x);
    const [mu, logSigma] = split(this.module.encoder.forward(x), 2, 1);
    return { mu, logSigma };
  }

  /** z = μ + σ ⊙ ε, ε ~ N(0, I) from `rng`. */
  protected reparameterize(mu: Tensor, logSigma: Tensor, rng: Rng): Tensor {
    return add(mu, mul(exp(logSigma), rng.normal(mu.shape)));
  }

  initFromData(x: Tensor): void {
    this.checkImages('initFromData', x);
    // one pass through both networks, the decoder at the posterior means
    initFromData(this.module, () => this.module.decoder.forward(this.encode(x).mu));
  }

  /** log p(x | z) − KL(q ‖ p) per image, and its two terms. */
  protected terms(x: Tensor, rng: Rng): { reconstruction: Tensor; kl: Tensor } {
    const { mu, logSigma } = this.encode(x);
    const z = this.reparameterize(mu, logSigma, rng);
    return { reconstruction: bernoulliLogLikelihood(this.module.decoder.forward(z), x), kl: gaussianKlStandard(mu, logSigma) };
  }

  /** The mean negative ELBO of a batch (scalar, differentiable) and its reconstruction and KL parts. */
  loss(x: Tensor, rng: Rng): LossResult {
    return tidy(() => {
      const { reconstruction, kl } = this.terms(x, rng);
      const parts = { reconstruction: -noGrad(() => mean(reconstruction).item()), kl: noGrad(() => mean(kl).item()) };
      return { loss: neg(mean(sub(reconstruction, kl))), parts };
    });
  }

  elbo(x: Tensor, rng: Rng): Tensor {
    return tidy(() => {
      const { reconstruction, kl } = this.terms(x, rng);
      return sub(reconstruction, kl);
    });
  }

  logWeights(x: Tensor, k: number, rng: Rng): Tensor {
    if (!Number.isInteger(k) || k < 1) throw new WnError('ConvVae.logWeights', `k: expected an integer ≥ 1, got ${k}`);
    return tidy(() => {
      const n = x.shape[0];
      const { mu, logSigma } = this.encode(x);
      const latent = mu.shape[1];
      // z_i for every sample and image: [k, N, Z] flattened to [k·N, Z]
      const eps = rng.normal([k, n, latent]);
      const z = reshape(add(mu, mul(exp(logSigma), eps)), [k * n, latent]);
      const xs = reshape(broadcastTo(x, [k, n, ...IMAGE_SHAPE]), [k * n, ...IMAGE_SHAPE]);
      const logLikelihood = bernoulliLogLikelihood(this.module.decoder.forward(z), xs);
      const logPrior = gaussianLogDensity(z);
      const muK = reshape(broadcastTo(mu, [k, n, latent]), [k * n, latent]);
      const logSigmaK = reshape(broadcastTo(logSigma, [k, n, latent]), [k * n, latent]);
      const logPosterior = gaussianLogDensity(z, muK, logSigmaK);
      return reshape(sub(add(logLikelihood, logPrior), logPosterior), [k, n]);
    });
  }

  sample(n: number, rng: Rng): Tensor {
    if (!Number.isInteger(n) || n < 1) throw new WnError('ConvVae.sample', `n: expected an integer ≥ 1, got ${n}`);
    return tidy(() => sigmoid(this.module.decoder.forward(rng.normal([n, this.sizes.latent]))));
  }

  /** The decoder's pixel probabilities at the posterior mean (deterministic; `rng` is unused). */
  reconstruct(x: Tensor, _rng: Rng): Tensor {
    return tidy(() => sigmoid(this.module.decoder.forward(this.encode(x).mu)));
  }

  /** Disposes the model's parameters. */
  dispose(): void {
    this.module.dispose();
  }
}
