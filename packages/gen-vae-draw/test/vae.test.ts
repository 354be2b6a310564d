/** The convolutional VAE: shapes, errors, gradients (float64 gradcheck), the bounds' statistics. */
import { describe, expect, it } from 'vitest';
import { add, broadcastTo, memory, reshape, Rng, sub, tensor, tidy, withBackend, type Tensor } from '@wn/tensor';
import { gradcheck, noGrad } from '@wn/autograd';
import { gaussianKlStandard, gaussianLogDensity, MODELS, vaeSizes } from '../src/index.js';
import { hostLogMeanExp } from '../src/evaluate.js';
import { ConvVae } from '../src/vae/vae.js';
import { TINY_SETTINGS, tinyVae } from './helpers.js';

/** A VAE whose posteriors sit away from the prior and from σ = 1. */
class OffPrior extends ConvVae {
  override encode(x: Tensor): { mu: Tensor; logSigma: Tensor } {
    const { mu, logSigma } = super.encode(x);
    return { mu: add(mu, 0.7), logSigma: sub(logSigma, 1) };
  }
}

/**
 * Values laid out [draws, images] (image-minor): the mean of all, and the sample variance of the
 * draws of one image, averaged over the images.
 */
function moments(values: ArrayLike<number>, images: number): { mean: number; variance: number } {
  const all = Array.from(values);
  const draws = all.length / images;
  let variance = 0;
  for (let i = 0; i < images; i++) {
    const own = all.filter((_, j) => j % images === i);
    const mu = own.reduce((a, v) => a + v, 0) / draws;
    variance += own.reduce((a, v) => a + (v - mu) ** 2, 0) / (draws - 1) / images;
  }
  return { mean: all.reduce((a, v) => a + v, 0) / all.length, variance };
}

const binary = (n: number, seed: number) => tensor(Array.from(new Rng(seed).uniformArray(n * 784), (u) => (u < 0.3 ? 1 : 0)), [n, 1, 28, 28]);

describe('ConvVae shapes and errors', () => {
  it('the paper-size networks have the layer sizes of vae.md §2.3', () => {
    const m = MODELS.vae.build({ variant: 'standard', rng: new Rng(1), settings: MODELS.vae.presets.paper.settings });
    try {
      const shapes = Object.fromEntries(m.module.namedParameters().map(([n, p]) => [n, p.value.shape]));
      expect(shapes['encoder.input.main.weight']).toEqual([16, 1, 5, 5]);
      expect(shapes['encoder.stage1.1.conv2.main.weight']).toEqual([16, 16, 3, 3]);
      expect(shapes['encoder.down1.main.weight']).toEqual([32, 16, 3, 3]);
      expect(shapes['encoder.down2.main.weight']).toEqual([32, 32, 3, 3]);
      expect(shapes['encoder.fc.main.weight']).toEqual([450, 1568]);
      expect(shapes['encoder.head.main.weight']).toEqual([64, 450]);
      expect(shapes['decoder.fc1.main.weight']).toEqual([450, 32]);
      expect(shapes['decoder.fc2.main.weight']).toEqual([1568, 450]);
      expect(shapes['decoder.up1.main.weight']).toEqual([32, 32, 4, 4]);
      expect(shapes['decoder.up2.main.weight']).toEqual([32, 16, 4, 4]);
      expect(shapes['decoder.output.main.weight']).toEqual([1, 16, 3, 3]);
      // 2 blocks × 3 stages × 2 convs in each network
      expect(Object.keys(shapes).filter((n) => /stage\d\.\d\.conv\d\.main\.weight$/.test(n))).toHaveLength(24);
    } finally {
      m.dispose();
    }
  });

  it('weight norm on every conv, transposed conv (output axis) and dense layer under weightnorm+init', () => {
    const m = tinyVae('weightnorm+init');
    try {
      const names = m.module.namedParameters().map(([n]) => n);
      expect(names.some((n) => n.endsWith('.weight'))).toBe(false);
      const g = Object.fromEntries(m.module.namedParameters().filter(([n]) => n.endsWith('weight_g')).map(([n, p]) => [n, p.value.shape]));
      expect(Object.keys(g)).toHaveLength(names.filter((n) => n.endsWith('weight_v')).length);
      expect(g['decoder.up2.main.weight_g']).toEqual([1, vaeSizes(TINY_SETTINGS).c1, 1, 1]);
    } finally {
      m.dispose();
    }
  });

  it('encode, loss, elbo, logWeights, sample and reconstruct give the documented shapes and leave no tensor behind', () => {
    const m = tinyVae();
    const x = binary(3, 2);
    // a first pass: weight norm keeps each computed weight for reuse outside gradient recording
    tidy(() => m.sample(1, new Rng(0)) && m.encode(x));
    const before = memory().tensors;
    tidy(() => {
      const { mu, logSigma } = m.encode(x);
      expect(mu.shape).toEqual([3, 4]);
      expect(logSigma.shape).toEqual([3, 4]);
      const { loss, parts } = m.loss(x, new Rng(1));
      expect(loss.shape).toEqual([]);
      expect(loss.item()).toBeCloseTo(parts.reconstruction + parts.kl, 3);
      expect(m.elbo(x, new Rng(1)).shape).toEqual([3]);
      expect(m.logWeights(x, 5, new Rng(1)).shape).toEqual([5, 3]);
      const s = m.sample(7, new Rng(1));
      expect(s.shape).toEqual([7, 1, 28, 28]);
      for (const v of s.dataSync()) expect(v >= 0 && v <= 1).toBe(true);
      expect(m.reconstruct(x, new Rng(1)).shape).toEqual([3, 1, 28, 28]);
    });
    expect(memory().tensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it('refuses images of another shape, bad k and n, unknown settings and variants, naming them', () => {
    const m = tinyVae();
    tidy(() => {
      expect(() => m.loss(tensor(new Array(2 * 784).fill(0), [2, 784]), new Rng(1))).toThrow(/x: expected binary images \[N, 1, 28, 28\], got \[2, 784\]/);
      expect(() => m.logWeights(binary(1, 1), 0, new Rng(1))).toThrow(/k: expected an integer ≥ 1, got 0/);
      expect(() => m.sample(1.5, new Rng(1))).toThrow(/n: expected an integer ≥ 1/);
    });
    m.dispose();
    expect(() => vaeSizes({ ...TINY_SETTINGS, depth: 3 })).toThrow(/unknown setting 'depth'/);
    expect(() => vaeSizes({ ...TINY_SETTINGS, latent: 0 })).toThrow(/'latent': expected an integer ≥ 1, got 0/);
    expect(() => MODELS.vae.build({ variant: 'batchnorm', rng: new Rng(1), settings: TINY_SETTINGS })).toThrow(/variant: expected one of standard, weightnorm, weightnorm\+init, got 'batchnorm'/);
  });
});

describe('gradients of the loss (float64 gradcheck on a tiny VAE)', () => {
  for (const variant of ['standard', 'weightnorm'] as const) {
    it(`${variant}: parameters in the encoder head, residual blocks of both networks, the transposed conv and the output conv`, () => {
      withBackend('reference64', () => {
        const m = tinyVae(variant, 3);
        const x = binary(1, 4);
        const params = Object.fromEntries(m.module.namedParameters());
        const pick = variant === 'standard'
          ? ['encoder.head.main.bias', 'encoder.stage2.0.conv2.main.bias', 'decoder.up2.main.bias', 'decoder.stage1.0.conv1.main.bias', 'decoder.output.main.bias']
          : ['encoder.head.main.bias', 'encoder.stage2.0.conv2.main.weight_g', 'decoder.up2.main.weight_g', 'decoder.stage1.0.conv1.main.weight_g', 'decoder.output.main.bias'];
        const inputs = pick.map((n) => ({ values: Float64Array.from(params[n].value.dataSync()), shape: [...params[n].value.shape] }));
        const r = gradcheck((...values: Tensor[]) => {
          pick.forEach((n, i) => { params[n].value = values[i]; });
          // the same ε at every evaluation: the loss is a deterministic function of the parameters
          return m.loss(x, new Rng(5)).loss;
        }, inputs, { eps: 1e-6, atol: 1e-5, rtol: 1e-4 });
        expect(r.ok, JSON.stringify(r)).toBe(true);
      });
    });
  }
});

describe('bounds', () => {
  it('the closed-form KL agrees with a Monte-Carlo estimate E_q[log q(z) − log p(z)] within 4 standard errors', () => {
    tidy(() => {
      const mu = tensor([0.5, -1, 0.2, 1.5], [1, 4]);
      const logSigma = tensor([-0.3, 0.4, -1, 0.1], [1, 4]);
      const n = 20000;
      const eps = new Rng(9).normal([n, 4]);
      const sigma = logSigma.dataSync().map(Math.exp);
      const m = mu.dataSync();
      const zs = tensor(Array.from(eps.dataSync(), (e, i) => m[i % 4] + sigma[i % 4] * e), [n, 4]);
      const muN = tensor(Array.from({ length: n * 4 }, (_, i) => m[i % 4]), [n, 4]);
      const lsN = tensor(Array.from({ length: n * 4 }, (_, i) => logSigma.dataSync()[i % 4]), [n, 4]);
      const logPrior = gaussianLogDensity(zs).dataSync();
      const diff = Array.from(gaussianLogDensity(zs, muN, lsN).dataSync(), (lq, i) => lq - logPrior[i]);
      const est = diff.reduce((s, v) => s + v, 0) / n;
      const sd = Math.sqrt(diff.reduce((s, v) => s + (v - est) ** 2, 0) / (n - 1));
      const exact = gaussianKlStandard(mu, logSigma).item();
      expect(Math.abs(est - exact)).toBeLessThan(4 * sd / Math.sqrt(n));
      expect(exact).toBeGreaterThan(0.5);
    });
  });

  it('per image, the IW bound of k log weights ≥ their mean (the ELBO estimate); on average non-decreasing in k = 1, 5, 50', () => {
    const m = tinyVae('weightnorm', 2);
    const x = binary(4, 6);
    const k = 500;
    const w = noGrad(() => tidy(() => m.logWeights(x, k, new Rng(3)).dataSync()));
    const perImage = (i: number) => Float64Array.from({ length: k }, (_, s) => w[s * 4 + i]);
    const averages: Record<number, number> = {};
    for (const group of [1, 5, 50]) {
      let total = 0, count = 0;
      for (let i = 0; i < 4; i++) {
        const all = perImage(i);
        for (let start = 0; start + group <= k; start += group) {
          const chunk = all.subarray(start, start + group);
          const iw = hostLogMeanExp(chunk);
          const elbo = chunk.reduce((s, v) => s + v, 0) / group;
          expect(iw).toBeGreaterThanOrEqual(elbo - 1e-9);
          total += iw;
          count++;
        }
      }
      averages[group] = total / count;
    }
    expect(averages[5]).toBeGreaterThan(averages[1]);
    expect(averages[50]).toBeGreaterThan(averages[5]);
    // for log weights of variance s², E[IW_k] − E[ELBO] ≈ (s²/2)(1 − 1/k) (delta method): the gain is of that size
    const { variance } = moments(w, 4);
    const predicted = (variance / 2) * (1 - 1 / 50);
    expect(averages[50] - averages[1]).toBeGreaterThan(0.3 * predicted);
    expect(averages[50] - averages[1]).toBeLessThan(1.5 * predicted);
    x.dispose();
    m.dispose();
  });

  it('the mean log weight E_q[log p(x, z) − log q(z | x)] equals the ELBO with the analytic KL, within 4 standard errors', () => {
    // posteriors away from N(0, 1) (μ + 0.7, σ·e⁻¹), so a log q or a sample drawn with the wrong σ shows
    const m = tinyVae('weightnorm', 2, OffPrior);
    const x = binary(4, 6);
    const k = 100;
    const w = moments(noGrad(() => tidy(() => m.logWeights(x, k, new Rng(3)).toArray())), 4);
    // the model's own ELBO (analytic KL) averages to the k = 1 value (E_q[log w]) within 4 standard errors
    const repeats = 25;
    const elbo = moments(noGrad(() => tidy(() => m.elbo(reshape(broadcastTo(x, [repeats, 4, 1, 28, 28]), [repeats * 4, 1, 28, 28]), new Rng(100)).toArray())), 4);
    const se = Math.sqrt(elbo.variance / (repeats * 4) + w.variance / (k * 4));
    expect(se).toBeLessThan(0.25); // tight enough to see a log q off by a nat
    expect(Math.abs(elbo.mean - w.mean)).toBeLessThan(4 * se);
    m.dispose();
    x.dispose();
  });
});
