/**
 * DRAW against PyTorch (test/fixtures/draw.json, written by scripts/make_draw_fixture.py from the
 * spec with torch ops): the loss, its terms per image and every parameter's gradient, standard and
 * weight-normalized, for a tiny model with attention given the same weights, images and noise.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tensor, type Rng, type Tensor } from '@wn/tensor';
import { paramGrads } from '@wn/layers';
import { DrawModel } from '../src/draw/model.js';
import type { DrawConfig } from '../src/draw/config.js';

interface Values { shape: number[]; values: number[] }
interface Fixture {
  torch: string;
  config: DrawConfig;
  params: Record<string, Values>;
  x: Values;
  eps: Values[];
  standard: { loss: number; reconstruction: Values; kl: Values; grads: Record<string, Values> };
  weightnorm: { loss: number; grads: Record<string, Values> };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/draw.json', import.meta.url), 'utf8')) as Fixture;
const t = (v: Values): Tensor => tensor(v.values, v.shape);

/** A generator stand-in that hands out the fixture's ε_t in order (the model only calls `normal`). */
function fixtureNoise(): Rng {
  let step = 0;
  return {
    normal: (shape: readonly number[]) => {
      const e = fixture.eps[step++];
      expect(shape).toEqual(e.shape);
      return t(e);
    },
  } as unknown as Rng;
}

/** max |a − b| / (max |b| over the tensor) ≤ tol, reporting the worst element. */
function expectClose(actual: ArrayLike<number>, expected: Values, tol: number, what: string): number {
  expect(actual.length, what).toBe(expected.values.length);
  const scale = Math.max(1e-6, ...expected.values.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected.values[i]) / scale);
  expect(worst, what).toBeLessThan(tol);
  return worst;
}

describe(`DRAW vs PyTorch ${fixture.torch}`, () => {
  it('standard: loss, reconstruction and KL per image, and every gradient', () => {
    const model = new DrawModel({ config: fixture.config, rng: 1 });
    model.loadStateDict(Object.fromEntries(Object.entries(fixture.params).map(([k, v]) => [k, t(v)])));
    const params = model.namedTrainableParameters();
    let terms: { reconstruction: number[]; kl: number[] } | null = null;
    const { loss, grads } = paramGrads(params.map(([, p]) => p), () => {
      const r = model.negativeElbo(t(fixture.x), fixtureNoise());
      terms = { reconstruction: r.reconstruction.toArray(), kl: r.kl.toArray() };
      return r.loss;
    });
    expect(Math.abs(loss.item() - fixture.standard.loss)).toBeLessThan(1e-5 * fixture.standard.loss);
    expectClose(terms!.reconstruction, fixture.standard.reconstruction, 1e-5, 'reconstruction');
    expectClose(terms!.kl, fixture.standard.kl, 1e-4, 'kl');
    expect(params.map(([n]) => n).sort()).toEqual(Object.keys(fixture.standard.grads).sort());
    params.forEach(([name], i) => expectClose(grads[i].dataSync(), fixture.standard.grads[name], 1e-4, name));
    model.dispose();
  });

  it('weightnorm (every weight, from g = ‖v‖): the same loss, and the gradients of every g and v', () => {
    const model = new DrawModel({ config: fixture.config, variant: 'weightnorm', rng: 1 });
    // v = the fixture's weight and g = its row norms: the variant's starting point for these weights
    const dict: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(fixture.params)) {
      if (v.shape.length === 1) dict[k] = t(v);
      else {
        const [rows, cols] = v.shape;
        dict[`${k}_v`] = t(v);
        dict[`${k}_g`] = tensor(Array.from({ length: rows }, (_, r) => Math.hypot(...v.values.slice(r * cols, (r + 1) * cols))), [rows, 1]);
      }
    }
    model.loadStateDict(dict);
    const params = model.namedTrainableParameters();
    const { loss, grads } = paramGrads(params.map(([, p]) => p), () => model.negativeElbo(t(fixture.x), fixtureNoise()).loss);
    expect(Math.abs(loss.item() - fixture.weightnorm.loss)).toBeLessThan(1e-5 * fixture.weightnorm.loss);
    expect(params.map(([n]) => n).sort()).toEqual(Object.keys(fixture.weightnorm.grads).sort());
    params.forEach(([name], i) => expectClose(grads[i].dataSync(), fixture.weightnorm.grads[name], 1e-4, name));
    model.dispose();
  });
});
