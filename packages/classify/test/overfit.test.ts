import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memory } from '@wn/tensor';
import { VARIANT_NAMES } from '@wn/layers';
import { evaluate, QUICK_ARGS, train, type Args } from '../src/trainer.js';
import { stripeData } from './synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'wn-classify-overfit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// 64 training images, the paper's network at 1/24 width (4/8 channels) on 12×12 inputs, no noise
// or dropout, 60 Adam steps: every parameterization must drive the training loss down, fit the
// set and generalize to held-out images. Small enough for the reference backend.
const data = stripeData(64, 32);
const tiny: Args = {
  ...QUICK_ARGS,
  width: 1 / 24,
  noiseStd: 0,
  dropout: 0,
  epochs: 15,
  batchSize: 16,
  lr: 0.003,
  initBatchSize: 64,
  evalBatchSize: 64,
  trainLimit: null,
  testLimit: null,
  seed: 5,
};

/**
 * Without data-dependent init the 10-layer, 4-channel net starts with logits near 0 (the signal
 * shrinks at every layer) and needs about twice the steps; at this width it also plateaus with one
 * class unlearned (25% error) for some seeds — 4 of seeds 1–8 with @wn/tensor's shuffles; seed 5
 * is not one of them — the weakness data init addresses.
 */
const epochsFor = (p: string) => (p === 'weightnorm' ? 2 * tiny.epochs : tiny.epochs);

describe('a tiny ConvPool-CNN-C fits 64 images', () => {
  for (const parameterization of VARIANT_NAMES) {
    it(parameterization, async () => {
      const before = memory().tensors;
      const epochs = epochsFor(parameterization);
      const r = await train({ ...tiny, parameterization, epochs, outDir: join(root, parameterization) }, { data, progress: null, charts: false });
      const first = r.metrics[0];
      const last = r.metrics[r.metrics.length - 1];
      expect(r.metrics).toHaveLength(epochs);
      expect(last.train_loss).toBeLessThan(first.train_loss * 0.5);
      expect(last.train_loss).toBeLessThan(0.4); // batch norm on the logits keeps them near unit scale: ≈0.3 here
      expect(last.train_error).toBeLessThanOrEqual(0.1); // training accuracy ≥ 90% (last epoch's minibatches)
      expect(last.test_error).toBeLessThan(0.35); // held-out: chance is 75% error
      expect(memory().tensors).toBe(before); // the trainer disposes what it made
    });
  }

  it('evaluate() reports the error rate of the model in eval mode', async () => {
    const { ConvPoolCnnC } = await import('../src/model.js');
    const m = new ConvPoolCnnC({ parameterization: 'weightnorm', width: 1 / 24, inputChannels: 1, inputSize: 12, classes: 4, noiseStd: 0, dropout: 0, leakySlope: 0.1, seed: 1, meanOnlyBnDataInit: true });
    const e = evaluate(m, data.test, 10);
    expect(e.error).toBeGreaterThan(0.4); // untrained: near chance
    expect(Number.isFinite(e.loss)).toBe(true);
    expect(m.training).toBe(true); // mode restored
    m.dispose();
  });
});
