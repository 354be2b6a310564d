/** DRAW's model: init, the weightnorm variant (same function at step 0, weights once per sequence), bounds, state. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dispose, memory, mean, onOp, Rng, stack, tensor, tidy, type Tensor } from '@wn/tensor';
import {
  Adam, hasWeightNorm, loadOptimizerState, loadState, randomState, saveOptimizerState, saveState, trainStep, WeightNorm,
} from '@wn/layers';
import { noGrad } from '@wn/autograd';
import { logMeanExp } from '../src/common/bounds.js';
import { drawConfig, type DrawConfig } from '../src/draw/config.js';
import { DrawModel } from '../src/draw/model.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A small DRAW on 28×28 images: T steps, LSTMs of 16, z of 4, read 2, write 3. */
const small = (steps = 3, attention = true): DrawConfig =>
  drawConfig('quick', { steps, encoderSize: 16, decoderSize: 12, latentSize: 4, readPatch: attention ? 2 : null, writePatch: attention ? 3 : null });

/** Binary images [n, 784] from a seed. */
function images(n: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return tensor(Array.from(rng.uniformArray(n * 784), (u) => (u < 0.3 ? 1 : 0)), [n, 784]);
}

describe('DrawModel', () => {
  it('starts every weight N(0, 0.01²) and every bias at 0; refuses variants DRAW does not run', () => {
    const model = new DrawModel({ config: 'paper', rng: 1 });
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toEqual([
      'encoder.weight_ih', 'encoder.weight_hh', 'encoder.bias_ih', 'encoder.bias_hh',
      'decoder.weight_ih', 'decoder.weight_hh', 'decoder.bias_ih', 'decoder.bias_hh',
      'mu.weight', 'mu.bias', 'logSigma.weight', 'logSigma.bias',
      'readWindow.weight', 'readWindow.bias', 'writeWindow.weight', 'writeWindow.bias', 'write.weight', 'write.bias',
    ]);
    expect(model.encoder.inputSize).toBe(2 * 2 * 2 + 256);
    expect(model.write.outFeatures).toBe(25);
    for (const [name, p] of model.namedParameters()) {
      const v = p.value.toArray();
      if (name.includes('bias')) expect(v.every((b) => b === 0), name).toBe(true);
      else {
        const m = v.reduce((a, b) => a + b, 0) / v.length;
        const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
        expect(Math.abs(sd - 0.01), name).toBeLessThan(name === 'readWindow.weight' || name === 'writeWindow.weight' ? 0.002 : 0.0005);
      }
    }
    model.dispose();
    expect(() => new DrawModel({ variant: 'batchnorm' as 'standard' })).toThrow(/variant must be one of standard, weightnorm/);
    expect(() => new DrawModel({ variant: 'weightnorm+init' as 'standard' })).toThrow(/variant must be one of standard, weightnorm/);
    expect(() => drawConfig('quick', { readPatch: 1 })).toThrow(/readPatch must be an integer ≥ 2 or null/);
  });

  it('weightnorm normalizes every weight, the LSTMs input and recurrent matrices included, and computes what standard does at step 0', () => {
    const std = new DrawModel({ config: small(), rng: 7 });
    const wn = new DrawModel({ config: small(), variant: 'weightnorm', rng: 7 });
    expect(hasWeightNorm(std)).toBe(false);
    const wnNames = wn.namedParameters().map(([n]) => n);
    expect(wnNames.filter((n) => /weight(_ih|_hh)?$/.test(n))).toEqual([]); // no plain weight left
    for (const n of ['encoder.weight_ih', 'encoder.weight_hh', 'decoder.weight_ih', 'decoder.weight_hh', 'mu.weight', 'logSigma.weight', 'readWindow.weight', 'writeWindow.weight', 'write.weight']) {
      expect(wnNames).toContain(`${n}_g`);
      expect(wnNames).toContain(`${n}_v`);
    }
    const x = images(4, 1);
    const a = noGrad(() => std.negativeElbo(x, new Rng(3)));
    const b = noGrad(() => wn.negativeElbo(x, new Rng(3)));
    const ra = a.reconstruction.toArray(), rb = b.reconstruction.toArray();
    ra.forEach((v, i) => expect(Math.abs(v - rb[i])).toBeLessThan(1e-5 * Math.abs(v)));
    const ka = a.kl.toArray(), kb = b.kl.toArray();
    ka.forEach((v, i) => expect(Math.abs(v - kb[i])).toBeLessThan(1e-4 + 1e-5 * Math.abs(v)));
    dispose([a, b, x]);
    std.dispose();
    wn.dispose();
  });

  it('normalizes each weight once per sequence (9 tensors), not once per step, in training and in generation', () => {
    const calls = vi.spyOn(WeightNorm.prototype, 'forward');
    for (const steps of [2, 5]) {
      const wn = new DrawModel({ config: small(steps), variant: 'weightnorm', rng: 2 });
      const x = images(3, 2);
      calls.mockClear();
      const opt = new Adam(wn, { lr: 3e-4 });
      trainStep(opt, () => wn.negativeElbo(x, new Rng(1)).loss, { clipNorm: 10 });
      expect(calls).toHaveBeenCalledTimes(9);
      calls.mockClear();
      dispose(noGrad(() => wn.generate(2, new Rng(4))));
      expect(calls).toHaveBeenCalledTimes(4); // generation uses the decoder, the write and its window
      opt.dispose();
      wn.dispose();
      x.dispose();
    }
  });

  it('a training step leaves no tensor behind', () => {
    const model = new DrawModel({ config: small(), variant: 'weightnorm', rng: 2 });
    const opt = new Adam(model, { lr: 3e-4 });
    const x = images(3, 2);
    trainStep(opt, () => model.negativeElbo(x, new Rng(1)).loss, { clipNorm: 10 });
    const live = memory().tensors;
    for (let i = 0; i < 2; i++) trainStep(opt, () => model.negativeElbo(x, new Rng(1)).loss, { clipNorm: 10 });
    expect(memory().tensors).toBe(live);
    opt.dispose();
    model.dispose();
    x.dispose();
  });

  it('evaluation without gradients holds a bounded number of tensors: each extra step adds only its μ, log σ and z', () => {
    const peakLive = (steps: number): number => {
      const model = new DrawModel({ config: small(steps), rng: 2 });
      const x = images(3, 2);
      let peak = 0;
      const stop = onOp(() => {
        peak = Math.max(peak, memory().tensors);
      });
      noGrad(() => tidy(() => model.logWeights(x, new Rng(1))));
      stop();
      model.dispose();
      x.dispose();
      return peak;
    };
    const growth = peakLive(10) - peakLive(2);
    expect(growth).toBeLessThanOrEqual(8 * 3); // measured 23; 1,039 when every step's activations stay until the end
  });

  it('refuses images of the wrong size, naming the expected shape', () => {
    const model = new DrawModel({ config: small() });
    expect(() => model.negativeElbo(tensor(new Array(10).fill(0), [1, 10]), new Rng(1))).toThrow(/expected images \[batch, 784\] or \[batch, 1, 28, 28\], got \[1, 10\]/);
    model.dispose();
  });
});

describe('DRAW bounds', () => {
  /** A model whose posteriors are far from the prior (μ ≈ 0.7, σ ≈ e^−1), so the KL is large. */
  function offPrior(attention: boolean): DrawModel {
    const model = new DrawModel({ config: small(3, attention), rng: 5 });
    noGrad(() => {
      model.mu.bias!.update(tensor(new Array(4).fill(0.7)));
      model.logSigma.bias!.update(tensor(new Array(4).fill(-1)));
    });
    return model;
  }

  it('the closed-form KL summed over steps equals a Monte-Carlo estimate (log q − log p at the sampled z)', () => {
    for (const attention of [true, false]) {
      const model = offPrior(attention);
      const x = images(400, 3);
      const { elbo, logW } = noGrad(() => tidy(() => {
        const l = model.negativeElbo(x, new Rng(9));
        const w = model.logWeights(x, new Rng(9)); // the same ε: the same z and canvas, so only the KL term differs
        return { elbo: l.reconstruction.toArray().map((r, i) => -r - l.kl.toArray()[i]), logW: w.toArray() };
      }));
      const diff = logW.map((w, i) => w - elbo[i]); // = KL − (log q − log p) per image, mean 0
      const m = diff.reduce((a, b) => a + b, 0) / diff.length;
      const se = Math.sqrt(diff.reduce((a, b) => a + (b - m) ** 2, 0) / (diff.length - 1) / diff.length);
      const kl = noGrad(() => tidy(() => mean(model.negativeElbo(x, new Rng(9)).kl).item()));
      expect(kl).toBeGreaterThan(3 * 4 * 0.7); // not vacuous: ≈ 0.81 nats per unit per step
      expect(se).toBeGreaterThan(0.01);
      expect(Math.abs(m)).toBeLessThan(4 * se);
      model.dispose();
      x.dispose();
    }
  });

  it('the importance-weighted bound exceeds the ELBO and grows with k (averaged over images)', () => {
    const model = offPrior(true);
    const x = images(20, 4);
    const iw = (k: number, seed: number): number => noGrad(() => tidy(() => {
      const rows = Array.from({ length: k }, (_, j) => model.logWeights(x, new Rng(seed, j)));
      return mean(logMeanExp(stack(rows, 0), 0)).item();
    }));
    const elbo = iw(1, 100);
    const k10 = iw(10, 200), k100 = iw(100, 300);
    expect(k10).toBeGreaterThan(elbo + 1);
    expect(k100).toBeGreaterThan(k10 + 0.5);
    model.dispose();
    x.dispose();
  });
});

describe('DRAW state', () => {
  it('save → load into a fresh model gives the same outputs bit for bit; resuming Adam from bytes continues exactly', () => {
    const x = images(4, 6);
    const train = (model: DrawModel, opt: Adam, rng: Rng, n: number) => {
      for (let i = 0; i < n; i++) trainStep(opt, () => model.negativeElbo(x, rng).loss, { clipNorm: 10 });
    };
    // uninterrupted: 4 steps
    const a = new DrawModel({ config: small(), variant: 'weightnorm', rng: 1 });
    const optA = new Adam(a, { lr: 3e-4 });
    const rngA = new Rng(42);
    train(a, optA, rngA, 4);
    // interrupted after 2: model, optimizer and generator position to bytes, into fresh objects built from another seed
    const b = new DrawModel({ config: small(), variant: 'weightnorm', rng: 1 });
    const optB = new Adam(b, { lr: 3e-4 });
    const rngB = new Rng(42);
    train(b, optB, rngB, 2);
    const bytes = { model: saveState(b), opt: saveOptimizerState(optB), rng: JSON.stringify(rngB.state()) };
    const c = new DrawModel({ config: small(), variant: 'weightnorm', rng: 99 });
    const optC = new Adam(c, { lr: 3e-4 });
    loadState(c, bytes.model);
    loadOptimizerState(optC, bytes.opt);
    const rngC = Rng.fromState(JSON.parse(bytes.rng));
    expect(noGrad(() => tidy(() => c.negativeElbo(x, new Rng(5)).loss.item()))).toBe(noGrad(() => tidy(() => b.negativeElbo(x, new Rng(5)).loss.item())));
    train(c, optC, rngC, 2);
    const sa = a.stateDict(), sc = c.stateDict();
    expect(Object.keys(sc)).toEqual(Object.keys(sa));
    for (const k of Object.keys(sa)) expect(Array.from(sc[k].dataSync()), k).toEqual(Array.from(sa[k].dataSync()));
    expect(randomState(c)).toEqual({}); // DRAW's only generator is the caller's (ε), saved by the trainer
    for (const o of [optA, optB, optC]) o.dispose();
    for (const m of [a, b, c]) m.dispose();
    x.dispose();
  });
});

