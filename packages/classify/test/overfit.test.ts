import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memory } from '@wn/tensor';
import { PARAMETERIZATIONS } from '@wn/layers';
import { evaluate, QUICK_ARGS, train, type Args } from '../src/trainer.js';
import { stripeData } from './synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'wn-classify-overfit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// 64 training images, a network of 8/16 channels on 12×12 inputs, no noise or dropout: every
// parameterization must drive the training loss down and fit the set, and generalize to held-out images.
const data = stripeData(64, 64);
const tiny: Args = {
  ...QUICK_ARGS,
  width: 1 / 12,
  noiseStd: 0,
  dropout: 0,
  epochs: 20,
  batchSize: 16,
  lr: 0.003,
  initBatchSize: 64,
  evalBatchSize: 64,
  trainEvalSize: 64,
  trainLimit: null,
  testLimit: null,
};

describe('a tiny ConvPool-CNN-C fits 64 images', () => {
  for (const parameterization of PARAMETERIZATIONS) {
    it(parameterization, async () => {
      const before = memory().tensors;
      const r = await train({ ...tiny, parameterization, outDir: join(root, parameterization) }, { data, progress: null, charts: false });
      const first = r.metrics[0];
      const last = r.metrics[r.metrics.length - 1];
      expect(r.metrics).toHaveLength(tiny.epochs);
      expect(last.train_loss).toBeLessThan(first.train_loss * 0.5);
      expect(last.train_eval_loss).toBeLessThan(0.4); // batch norm on the logits keeps them near unit scale: ≈0.25 here
      // accuracy ≥ 90% on the training set, in eval mode (running statistics for the batch norms)
      expect(last.train_eval_error).toBeLessThanOrEqual(0.1);
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
