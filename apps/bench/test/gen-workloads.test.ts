/**
 * W7 (conv VAE step) and W8 (DRAW step): what the PyTorch peer is given must be the model @wn
 * trains — its parameters in the model's order, the weight-norm axes, the noise of every z draw.
 * (The losses of both sides are compared in the bench itself: CI has no PyTorch.)
 */
import { Rng } from '@wn/tensor';
import { describe, expect, it } from 'vitest';
import { MODELS } from '@wn/gen-vae-draw';
import { GEN_IDS, workload } from '../src/workloads/spec.js';
import { W7_SETTINGS, W8_SETTINGS, genNoiseRng } from '../src/workloads/gen.js';

describe('W7 and W8 workloads (issue "Fast on an ordinary CPU, round two")', () => {
  it('take every parameter of @wn/gen-vae-draw\'s model, in its order and shapes, at the paper\'s sizes', () => {
    for (const [id, model, variant, settings] of [['W7', 'vae', 'standard', W7_SETTINGS], ['W8-WN', 'draw', 'weightnorm', W8_SETTINGS]] as const) {
      const m = MODELS[model].build({ variant, rng: new Rng(3), settings });
      const names = m.module.namedParameters().map(([n, p]) => `${n} [${p.value.shape.join(',')}]`);
      m.dispose();
      expect(workload(id).params.map(([n, a]) => `${n} [${a.shape.join(',')}]`)).toEqual(names);
    }
    const w8 = workload('W8').params;
    expect(w8.find(([n]) => n === 'encoder.weight_ih')?.[1].shape).toEqual([4 * 256, 2 * 2 * 2 + 256]);
    expect(w8.find(([n]) => n === 'decoder.weight_ih')?.[1].shape).toEqual([4 * 256, 100]);
    expect(workload('W7').params.find(([n]) => n === 'encoder.fc.main.weight')?.[1].shape).toEqual([450, 32 * 7 * 7]);
  });

  it("gives the peer each weight norm's axis: the output axis, 1 for transposed convs", () => {
    const dims = workload('W7-WN').gen!.wnDims;
    expect(dims['encoder.input.main.weight_v']).toBe(0);
    expect(dims['encoder.fc.main.weight_v']).toBe(0);
    expect(dims['decoder.up1.main.weight_v']).toBe(1);
    expect(dims['decoder.up2.main.weight_v']).toBe(1);
    expect(dims['decoder.output.main.weight_v']).toBe(0);
    const draw = workload('W8-WN').gen!.wnDims;
    expect(Object.keys(draw).sort()).toEqual(['decoder.weight_hh_v', 'decoder.weight_ih_v', 'encoder.weight_hh_v', 'encoder.weight_ih_v', 'logSigma.weight_v', 'mu.weight_v', 'readWindow.weight_v', 'write.weight_v', 'writeWindow.weight_v']);
    expect(Object.values(draw).every((d) => d === 0)).toBe(true);
  });

  it('fixes the noise: one [64, 32] draw for the VAE, T = 16 draws of [64, 100] for DRAW, the ones @wn\'s step makes', () => {
    const vae = workload('W7').gen!, draw = workload('W8').gen!;
    expect(vae.eps.map((e) => e.shape)).toEqual([[64, 32]]);
    expect(draw.eps.map((e) => e.shape)).toEqual(Array.from({ length: 16 }, () => [64, 100]));
    // the trainer draws from a fresh genNoiseRng() every step, in the model's order
    const rng = genNoiseRng();
    const first = rng.normal([64, 100]).dataSync(), second = rng.normal([64, 100]).dataSync();
    expect(Array.from(first)).toEqual(Array.from(draw.eps[0].data));
    expect(Array.from(second)).toEqual(Array.from(draw.eps[1].data));
    expect(Array.from(genNoiseRng().normal([64, 32]).dataSync())).toEqual(Array.from(vae.eps[0].data));
  });

  it('uses binary images, batch 64, and the optimizers of the issue', () => {
    for (const id of GEN_IDS) {
      const w = workload(id);
      expect(w.x.shape).toEqual([64, 1, 28, 28]);
      expect(w.x.data.every((v) => v === 0 || v === 1)).toBe(true);
    }
    expect(workload('W7').gen!.optimizer).toMatchObject({ name: 'adamax', lr: 2e-3 });
    expect(workload('W7').gen!.clipNorm).toBe(0);
    expect(workload('W8').gen!.optimizer).toMatchObject({ name: 'adam', lr: 3e-4 });
    expect(workload('W8').gen!.clipNorm).toBe(10);
  });
});
