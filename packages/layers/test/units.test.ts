/** convUnit / denseUnit under each variant (what the benchmark and the CIFAR experiment build). */
import { describe, expect, it } from 'vitest';
import { Rng, tidy } from '@wn/tensor';
import {
  Adam, BatchNorm, convUnit, DataInitScale, denseUnit, GlobalAvgPool2d, initFromData, LeakyReLU, MaxPool2d, MeanOnlyBatchNorm, needsDataInit,
  isParametrized, resolveVariant, Sequential, softmaxCrossEntropy, trainStep, VARIANT_NAMES, VARIANTS, weightNormOf, WeightNorm, type VariantName,
} from '../src/index.js';

const expectedKeys: Record<VariantName, string[]> = {
  standard: ['main.weight', 'main.bias'],
  weightnorm: ['main.weight_g', 'main.weight_v', 'main.bias'],
  'weightnorm+init': ['main.weight_g', 'main.weight_v', 'main.bias'],
  batchnorm: ['main.weight', 'norm.weight', 'norm.bias', 'norm.running_mean', 'norm.running_var', 'norm.num_batches_tracked'],
  'weightnorm+meanonlybn': ['main.weight_g', 'main.weight_v', 'norm.bias', 'norm.running_mean'],
};

describe('convUnit', () => {
  for (const p of VARIANT_NAMES) {
    it(`${p}: structure, names, forward shape`, () => {
      tidy(() => {
        const u = convUnit(3, 4, 3, { variant: p, padding: 1, rng: 1, activation: new LeakyReLU(0.1) });
        expect(Object.keys(u.stateDict())).toEqual(expectedKeys[p]);
        expect(u.variant).toBe(VARIANTS[p]);
        expect(isParametrized(u.main, 'weight', WeightNorm)).toBe(p.startsWith('weightnorm'));
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
      const a = convUnit(3, 4, 3, { variant: 'standard', rng: 5 }), b = convUnit(3, 4, 3, { variant: 'weightnorm', rng: 5 });
      const ya = a.forward(x).dataSync(), yb = b.forward(x).dataSync();
      ya.forEach((v, i) => expect(yb[i]).toBeCloseTo(v, 5));
      const c = convUnit(3, 4, 3, { variant: 'weightnorm+init', rng: 5 });
      expect(Array.from(weightNormOf(c.main).g.value.dataSync())).toEqual([1, 1, 1, 1]);
    });
  });

  it("the authors' baseline as a Variant record: bias-free conv + DataInitScale, needing data init", () => {
    const baseline = { ...VARIANTS.standard, norm: 'dataInitScale', bias: false, dataInit: true } as const;
    const u = convUnit(3, 4, 3, { variant: baseline });
    expect(u.norm).toBeInstanceOf(DataInitScale);
    expect(Object.keys(u.stateDict())).toEqual(['main.weight', 'norm.scale', 'norm.bias']);
    expect(needsDataInit(baseline)).toBe(true);
    expect(u.variant.name).toBe('standard');
  });

  it('rejects unknown names and inconsistent records, naming the field and the value', () => {
    expect(() => convUnit(3, 4, 3, { variant: 'bogus' as VariantName })).toThrow(/variant must be one of standard, weightnorm, weightnorm\+init, batchnorm, weightnorm\+meanonlybn, got 'bogus'/);
    expect(() => resolveVariant({ ...VARIANTS.batchnorm, norm: 'dataInitScale' })).toThrow(/'dataInitScale' needs weightNorm 'none' and dataInit true/);
    expect(() => resolveVariant({ ...VARIANTS.batchnorm, dataInit: true })).toThrow(/dataInit needs something to initialize/);
    expect(() => resolveVariant({ ...VARIANTS.weightnorm, weightNorm: 'yes' as 'paper' })).toThrow(/variant.weightNorm must be one of none, preserve, paper, got "yes"/);
    expect(() => needsDataInit('nope' as VariantName)).toThrow(/needsDataInit: variant must be one of/);
  });

  it('needsDataInit follows the dataInit field of every preset', () => {
    for (const p of VARIANT_NAMES) expect(needsDataInit(p)).toBe(VARIANTS[p].dataInit);
    expect(VARIANT_NAMES.filter((p) => VARIANTS[p].dataInit)).toEqual(['weightnorm+init']);
  });
});

describe('a CIFAR-style step under every variant', () => {
  for (const p of VARIANT_NAMES) {
    it(`${p}: (data init where needed) and Adam steps reduce the loss`, () => {
      const rng = new Rng(7);
      const o = { variant: p, rng };
      const net = new Sequential({
        c1: convUnit(3, 6, 3, { ...o, padding: 1, activation: new LeakyReLU(0.1) }),
        pool: new MaxPool2d(2),
        c2: convUnit(6, 6, 3, { ...o, padding: 1, activation: new LeakyReLU(0.1) }),
        gap: new GlobalAvgPool2d(),
        fc: denseUnit(6, 10, { ...o, variant: p === 'batchnorm' || p === 'weightnorm+meanonlybn' ? 'weightnorm' : p }),
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
