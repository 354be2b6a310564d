/** convUnit / denseUnit under each variant (what the benchmark and the CIFAR experiment build). */
import { describe, expect, it } from 'vitest';
import { Rng, tidy } from '@wn/tensor';
import { expectClose, loadJson, loadParams, t, type FT } from './helpers.js';
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

/**
 * The same net, initial parameters, batch and optimizer as a PyTorch run (tooling/fixtures/
 * learning.json, `units_*`): the first 8 Adam losses and the final parameters must match PyTorch's,
 * so a broken optimizer (bias correction), weight-norm gradient (‖v‖ not differentiated) or
 * data-dependent init changes the trajectory and fails here, not just "the loss went down".
 */
describe('a CIFAR-style run under every variant vs PyTorch', () => {
  const runs = loadJson('learning.json').cases.filter((c: any) => c.kind === 'units');
  it('the fixture has a run for every variant', () => {
    expect(runs.map((c: any) => c.parameterization).sort()).toEqual([...VARIANT_NAMES].sort());
  });
  for (const p of VARIANT_NAMES) {
    it(`${p}: ${needsDataInit(p) ? 'data init, then ' : ''}8 Adam steps give PyTorch's losses and parameters`, () => {
      const run = runs.find((c: any) => c.parameterization === p);
      const o = { variant: p, rng: 7 };
      const net = new Sequential({
        c1: convUnit(3, 6, 3, { ...o, padding: 1, activation: new LeakyReLU(0.1) }),
        pool: new MaxPool2d(2),
        c2: convUnit(6, 6, 3, { ...o, padding: 1, activation: new LeakyReLU(0.1) }),
        gap: new GlobalAvgPool2d(),
        fc: denseUnit(6, 10, { ...o, variant: p === 'batchnorm' || p === 'weightnorm+meanonlybn' ? 'weightnorm' : p }),
      });
      loadParams(net, run.initial_state);
      const x = t(run.x);
      const labels: number[] = run.labels.data;
      if (needsDataInit(p)) initFromData(net, x);
      const { lr, betas, eps } = run.optimizer;
      const opt = new Adam(net, { lr, beta1: betas[0], beta2: betas[1], eps });
      const losses = Array.from({ length: run.losses.length }, () => trainStep(opt, () => softmaxCrossEntropy(net.forward(x), labels)).loss);
      // float32 rounding differs from PyTorch's (summation order); over 8 steps it stays ≲ 1e-5 relative
      expectClose(losses, run.losses, 1e-5, `units ${p} losses`, 1);
      const state = net.stateDict();
      for (const [k, want] of Object.entries(run.final_state as Record<string, FT>)) expectClose(state[k], want, 1e-4, `units ${p} ${k}`);
      x.dispose();
    });
  }
});

describe('unit options', () => {
  it("refuses the old 'parameterization' key instead of silently building the standard network", () => {
    const stale = { parameterization: 'weightnorm', rng: 1 } as unknown as Parameters<typeof denseUnit>[2];
    expect(() => denseUnit(4, 3, stale)).toThrow(/'parameterization' option is now 'variant'.*"weightnorm"/);
  });
});
