/** convUnit / denseUnit under each parameterization (what the benchmark and the CIFAR experiment build). */
import { describe, expect, it } from 'vitest';
import { Rng, tidy } from '@wn/tensor';
import {
  Adam, BatchNorm, convUnit, DataInitScale, denseUnit, GlobalAvgPool2d, initFromData, LeakyReLU, MaxPool2d, MeanOnlyBatchNorm, needsDataInit,
  PARAMETERIZATIONS, Sequential, softmaxCrossEntropy, trainStep, WeightNorm, type Parameterization,
} from '../src/index.js';

const expectedKeys: Record<Parameterization, string[]> = {
  standard: ['main.weight', 'main.bias'],
  weightnorm: ['main.weight_g', 'main.weight_v', 'main.bias'],
  'weightnorm+init': ['main.weight_g', 'main.weight_v', 'main.bias'],
  batchnorm: ['main.weight', 'norm.weight', 'norm.bias', 'norm.running_mean', 'norm.running_var', 'norm.num_batches_tracked'],
  'weightnorm+meanonlybn': ['main.weight_g', 'main.weight_v', 'norm.bias', 'norm.running_mean'],
};

describe('convUnit', () => {
  for (const p of PARAMETERIZATIONS) {
    it(`${p}: structure, names, forward shape`, () => {
      tidy(() => {
        const u = convUnit(3, 4, 3, { parameterization: p, padding: 1, rng: 1, activation: new LeakyReLU(0.1) });
        expect(Object.keys(u.stateDict())).toEqual(expectedKeys[p]);
        expect(u.parameterization).toBe(p);
        expect(u.main.weight instanceof WeightNorm).toBe(p.startsWith('weightnorm'));
        expect(u.norm instanceof BatchNorm).toBe(p === 'batchnorm');
        expect(u.norm instanceof MeanOnlyBatchNorm).toBe(p === 'weightnorm+meanonlybn');
        expect([...u.forward(new Rng(2).normal([2, 3, 6, 6])).shape]).toEqual([2, 4, 6, 6]);
        expect(needsDataInit(p)).toBe(p === 'weightnorm+init');
      });
    });
  }

  it("'weightnorm' keeps the standard function; 'weightnorm+init' starts from the paper's v ~ N(0, 0.05²), g = 1", () => {
    tidy(() => {
      const x = new Rng(3).normal([2, 3, 5, 5]);
      const a = convUnit(3, 4, 3, { parameterization: 'standard', rng: 5 }), b = convUnit(3, 4, 3, { parameterization: 'weightnorm', rng: 5 });
      const ya = a.forward(x).dataSync(), yb = b.forward(x).dataSync();
      ya.forEach((v, i) => expect(yb[i]).toBeCloseTo(v, 5));
      const c = convUnit(3, 4, 3, { parameterization: 'weightnorm+init', rng: 5 });
      expect(Array.from((c.main.weight as WeightNorm).g.value.dataSync())).toEqual([1, 1, 1, 1]);
    });
  });

  it("'standard' with dataInitScale: bias-free conv + DataInitScale; rejected for other parameterizations", () => {
    const u = convUnit(3, 4, 3, { parameterization: 'standard', dataInitScale: true });
    expect(u.norm).toBeInstanceOf(DataInitScale);
    expect(Object.keys(u.stateDict())).toEqual(['main.weight', 'norm.scale', 'norm.bias']);
    expect(needsDataInit('standard', { dataInitScale: true })).toBe(true);
    expect(() => convUnit(3, 4, 3, { parameterization: 'batchnorm', dataInitScale: true })).toThrow(/standard/);
    expect(() => convUnit(3, 4, 3, { parameterization: 'bogus' as Parameterization })).toThrow(/parameterization must be one of/);
  });
});

describe('a CIFAR-style step under every parameterization', () => {
  for (const p of PARAMETERIZATIONS) {
    it(`${p}: (data init where needed) and Adam steps reduce the loss`, () => {
      const rng = new Rng(7);
      const o = { parameterization: p, rng };
      const net = new Sequential({
        c1: convUnit(3, 6, 3, { ...o, padding: 1, activation: new LeakyReLU(0.1) }),
        pool: new MaxPool2d(2),
        c2: convUnit(6, 6, 3, { ...o, padding: 1, activation: new LeakyReLU(0.1) }),
        gap: new GlobalAvgPool2d(),
        fc: denseUnit(6, 10, { ...o, parameterization: p === 'batchnorm' || p === 'weightnorm+meanonlybn' ? 'weightnorm' : p }),
      });
      const x = tidy(() => new Rng(8).normal([4, 3, 8, 8]));
      const labels = [1, 3, 5, 7];
      if (needsDataInit(p)) initFromData(net, x);
      const opt = new Adam(net, { lr: 3e-3 });
      const losses = Array.from({ length: 8 }, () => trainStep(opt, () => softmaxCrossEntropy(net.forward(x), labels)).loss);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[7]).toBeLessThan(losses[0]);
    });
  }
});
