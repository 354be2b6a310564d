import { describe, expect, it } from 'vitest';
import { mean, tidy, variance, type Tensor } from '@wn/tensor';
import { initFromData, LeakyReLU, loadRandomState, randomState, Unit, type Layer } from '@wn/layers';
import { noGrad } from '@wn/autograd';
import { ConvPoolCnnC, PAPER_MODEL } from '../src/model.js';
import { gatherBatch } from '../src/batches.js';
import { dataInitOptions } from '../src/trainer.js';
import { stripeImages } from './synthetic.js';

/**
 * Runs the model stage by stage in training mode and returns, for every conv/dense unit, the
 * per-channel mean and std of its pre-activation (the unit's output before the leaky ReLU).
 */
function preActivationStats(model: ConvPoolCnnC, x: Tensor): { unit: string; means: number[]; stds: number[] }[] {
  const out: { unit: string; means: number[]; stds: number[] }[] = [];
  noGrad(() =>
    tidy(() => {
      let h = x;
      for (const [name, stage] of model.namedChildren()) {
        if (!(stage instanceof Unit)) {
          h = (stage as Layer).forward(h);
          continue;
        }
        for (const layer of stage.layers()) {
          if (layer instanceof LeakyReLU) record(name, h);
          h = layer.forward(h);
        }
        if (!stage.layers().some((l) => l instanceof LeakyReLU)) record(name, h); // the dense output
      }
    }),
  );
  function record(unit: string, z: Tensor): void {
    const axes = z.rank === 4 ? [0, 2, 3] : [0];
    out.push({ unit, means: mean(z, axes).toArray(), stds: variance(z, axes).toArray().map(Math.sqrt) });
  }
  return out;
}

describe('data-dependent initialization in the ConvPool-CNN-C', () => {
  for (const parameterization of ['weightnorm+init', 'standard', 'weightnorm+meanonlybn'] as const) {
    it(`gives every pre-activation mean 0 and std 1 on the init batch (${parameterization})`, () => {
      const model = new ConvPoolCnnC({ ...PAPER_MODEL, parameterization, width: 1 / 16, inputChannels: 1, inputSize: 16, seed: 3 });
      const { x } = gatherBatch(stripeImages(32, 16, 5), Uint32Array.from({ length: 32 }, (_, i) => i));
      const positions = randomState(model); // the same noise and dropout masks in the init pass and the check
      const report = initFromData(model, x);
      loadRandomState(model, positions);
      expect(report.notReached).toEqual([]);
      expect(report.layers).toHaveLength(10); // 9 convs + the dense layer
      const stats = preActivationStats(model, x);
      expect(stats.map((s) => s.unit)).toEqual(['conv1a', 'conv1b', 'conv1c', 'conv2a', 'conv2b', 'conv2c', 'conv3a', 'nin1', 'nin2', 'dense']);
      for (const s of stats) {
        for (const m of s.means) expect(Math.abs(m)).toBeLessThan(1e-4);
        for (const sd of s.stds) expect(Math.abs(sd - 1)).toBeLessThan(1e-4);
      }
      x.dispose();
      model.dispose();
    });
  }

  it('outputInitScale sets the output layer to its own std and leaves the convs at 1', () => {
    const model = new ConvPoolCnnC({ ...PAPER_MODEL, parameterization: 'weightnorm+init', width: 1 / 16, inputChannels: 1, inputSize: 16, seed: 3 });
    const { x } = gatherBatch(stripeImages(32, 16, 5), Uint32Array.from({ length: 32 }, (_, i) => i));
    const positions = randomState(model);
    const report = initFromData(model, x, dataInitOptions({ outputInitScale: 0.1 }));
    loadRandomState(model, positions);
    expect(report.layers.map((l) => l.scale)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0.1]);
    const stats = preActivationStats(model, x);
    for (const s of stats) for (const sd of s.stds) expect(Math.abs(sd - (s.unit === 'dense' ? 0.1 : 1))).toBeLessThan(1e-4);
    x.dispose();
    model.dispose();
  });

  it('the standard parameterization keeps its data-initialized scale frozen', () => {
    const model = new ConvPoolCnnC({ ...PAPER_MODEL, parameterization: 'standard', width: 1 / 16, inputChannels: 1, inputSize: 16, seed: 3 });
    const frozen = model.namedParameters().filter(([, p]) => !p.trainable).map(([n]) => n);
    expect(frozen).toContain('conv1a.norm.scale');
    expect(frozen).toHaveLength(10);
    expect(model.namedTrainableParameters().some(([n]) => n === 'conv1a.norm.bias')).toBe(true);
    model.dispose();
  });
});
