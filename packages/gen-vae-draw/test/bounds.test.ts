/** The bound pieces against float64 closed forms, with gradchecks and extreme inputs. */
import { describe, expect, it } from 'vitest';
import { Rng, sum, tensor, tidy, withBackend, type Tensor } from '@wn/tensor';
import { gradcheck } from '@wn/autograd';
import { bernoulliLogLikelihood, gaussianKlStandard, gaussianLogDensity, logMeanExp } from '../src/index.js';

const host = (t: Tensor) => Array.from(t.dataSync());
const rng = new Rng(7);
const N = 3, D = 5;
const logits = Array.from(rng.normalArray(N * D, 0, 3));
const pixels = Array.from(rng.uniformArray(N * D)).map((u) => (u < 0.4 ? 1 : 0));
const mu = Array.from(rng.normalArray(N * D));
const logSigma = Array.from(rng.normalArray(N * D, 0, 0.5));
const z = Array.from(rng.normalArray(N * D));

/** Σ over each row of f(i) in float64. */
const perRow = (f: (i: number) => number) => Array.from({ length: N }, (_, n) => {
  let s = 0;
  for (let d = 0; d < D; d++) s += f(n * D + d);
  return s;
});

describe('bernoulliLogLikelihood', () => {
  it('equals Σ x log σ(z) + (1 − x) log(1 − σ(z)) per image (float64)', () => {
    const expected = perRow((i) => {
      const p = 1 / (1 + Math.exp(-logits[i]));
      return pixels[i] * Math.log(p) + (1 - pixels[i]) * Math.log(1 - p);
    });
    withBackend('reference64', () => tidy(() => {
      const got = host(bernoulliLogLikelihood(tensor(logits, [N, D]), tensor(pixels, [N, D])));
      got.forEach((v, n) => expect(v).toBeCloseTo(expected[n], 10));
    }));
  });

  it('sums over every non-batch axis of an image tensor and stays finite at |z| = 1000', () => {
    tidy(() => {
      const z4 = tensor([1000, -1000, 1000, -1000, 0, 0, 0, 0], [2, 1, 2, 2]);
      const x4 = tensor([1, 0, 0, 1, 1, 0, 1, 0], [2, 1, 2, 2]);
      const got = host(bernoulliLogLikelihood(z4, x4));
      expect(got).toHaveLength(2);
      // right with certainty: 0; wrong with certainty: −1000 each; z = 0: log ½ each
      expect(got[0]).toBeCloseTo(-2000, 3);
      expect(got[1]).toBeCloseTo(4 * Math.log(0.5), 5);
    });
  });

  it('has the gradient x − σ(z) (gradcheck, float64)', () => {
    const r = gradcheck((a) => {
      const s = bernoulliLogLikelihood(a, tensor(pixels, [N, D]));
      return sumAll(s);
    }, [{ values: logits, shape: [N, D] }]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });

  it('refuses mismatched shapes and scalars, naming the argument', () => {
    tidy(() => {
      expect(() => bernoulliLogLikelihood(tensor(logits, [N, D]), tensor(pixels.slice(0, D), [1, D]))).toThrow(/x: expected shape \[3, 5\], got \[1, 5\]/);
      expect(() => bernoulliLogLikelihood(tensor([1], []), tensor([1], []))).toThrow(/logits: expected a batch axis/);
    });
  });
});

describe('gaussianKlStandard', () => {
  it('equals Σ ½(μ² + σ² − 1) − log σ per image (float64)', () => {
    const expected = perRow((i) => 0.5 * (mu[i] ** 2 + Math.exp(2 * logSigma[i]) - 1) - logSigma[i]);
    withBackend('reference64', () => tidy(() => {
      host(gaussianKlStandard(tensor(mu, [N, D]), tensor(logSigma, [N, D]))).forEach((v, n) => expect(v).toBeCloseTo(expected[n], 10));
    }));
  });

  it('is zero for the prior itself and positive otherwise', () => {
    tidy(() => {
      expect(host(gaussianKlStandard(tensor(new Array(6).fill(0), [2, 3]), tensor(new Array(6).fill(0), [2, 3])))).toEqual([0, 0]);
      host(gaussianKlStandard(tensor(mu, [N, D]), tensor(logSigma, [N, D]))).forEach((v) => expect(v).toBeGreaterThan(0));
    });
  });

  it('gradchecks in μ and log σ', () => {
    const r = gradcheck((m, s) => sumAll(gaussianKlStandard(m, s)), [{ values: mu, shape: [N, D] }, { values: logSigma, shape: [N, D] }]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });
});

describe('gaussianLogDensity', () => {
  it('equals Σ −½ log 2π − log σ − ½((z − μ)/σ)² per image (float64), and the standard normal by default', () => {
    const expected = perRow((i) => -0.5 * Math.log(2 * Math.PI) - logSigma[i] - 0.5 * ((z[i] - mu[i]) / Math.exp(logSigma[i])) ** 2);
    const standard = perRow((i) => -0.5 * Math.log(2 * Math.PI) - 0.5 * z[i] ** 2);
    withBackend('reference64', () => tidy(() => {
      host(gaussianLogDensity(tensor(z, [N, D]), tensor(mu, [N, D]), tensor(logSigma, [N, D]))).forEach((v, n) => expect(v).toBeCloseTo(expected[n], 10));
      host(gaussianLogDensity(tensor(z, [N, D]))).forEach((v, n) => expect(v).toBeCloseTo(standard[n], 10));
    }));
  });

  it('gradchecks in z, μ and log σ', () => {
    const r = gradcheck((a, m, s) => sumAll(gaussianLogDensity(a, m, s)),
      [{ values: z, shape: [N, D] }, { values: mu, shape: [N, D] }, { values: logSigma, shape: [N, D] }]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });
});

describe('logMeanExp', () => {
  it('matches a float64 log-mean-exp along each axis, also at ±1000', () => {
    const values = [1000, 999, 998, -1000, -1001, -999.5];
    const lme = (xs: number[]) => {
      const m = Math.max(...xs);
      return m + Math.log(xs.reduce((s, v) => s + Math.exp(v - m), 0) / xs.length);
    };
    withBackend('reference64', () => tidy(() => {
      const x = tensor(values, [2, 3]);
      const rows = host(logMeanExp(x, 1));
      expect(rows[0]).toBeCloseTo(lme(values.slice(0, 3)), 10);
      expect(rows[1]).toBeCloseTo(lme(values.slice(3)), 10);
      const cols = host(logMeanExp(x, 0));
      [0, 1, 2].forEach((j) => expect(cols[j]).toBeCloseTo(lme([values[j], values[3 + j]]), 10));
      expect(logMeanExp(x, -1, true).shape).toEqual([2, 1]);
    }));
  });

  it('of equal values is that value; gradchecks', () => {
    tidy(() => host(logMeanExp(tensor([-3, -3, -3, -3], [4]), 0)).forEach((v) => expect(v).toBeCloseTo(-3, 6)));
    const r = gradcheck((a) => sumAll(logMeanExp(a, 0)), [{ values: z, shape: [N, D] }]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });

  it('refuses an axis out of range', () => {
    tidy(() => expect(() => logMeanExp(tensor(z, [N, D]), 2)).toThrow(/axis/));
  });
});

function sumAll(t: Tensor): Tensor {
  return sum(t);
}
