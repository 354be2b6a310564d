/**
 * The trainer: an interrupted run resumed from its checkpoint ends with the metrics (timings
 * aside) and the model file of a run that never stopped — weights, the Polyak average, Adamax's
 * state, and every generator position (all keyed by where training stands).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@wn/tensor';
import type { BinarizedData } from '../src/data/mnist.js';
import { presetArgs, train, TIMING_FIELDS, type Args, type EpochMetrics } from '../src/trainer.js';
import { TINY_SETTINGS } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'wn-gen-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 40 training images of grey blobs and 10 binary test images: enough to exercise the loop. */
function syntheticData(): BinarizedData {
  const rng = new Rng(11);
  const grey = Float32Array.from(rng.uniformArray(40 * 784), (u, i) => (((i % 784) % 28) > 8 && ((i % 784) % 28) < 20 ? u : 0));
  const test = Float32Array.from(rng.uniformArray(10 * 784), (u) => (u < 0.2 ? 1 : 0));
  return { name: 'synthetic', source: 'mnist', train: { n: 40, pixels: grey }, test: { n: 10, pixels: test }, binarization: 'test data' };
}

const args = (outDir: string, variant: Args['variant']): Args => presetArgs('vae', 'quick', {
  variant, settings: TINY_SETTINGS, batchSize: 10, epochs: 2, initBatchSize: 20, evalK: 3, evalKImages: 4, evalBatchSize: 10, emaDecay: 0.9, outDir,
});

const withoutTimings = (rows: readonly EpochMetrics[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !(TIMING_FIELDS as readonly string[]).includes(k))));

describe('checkpoint and resume', () => {
  it('weightnorm+init: interrupted at epoch 1 step 2, resumed, equals an uninterrupted run bit for bit', async () => {
    const data = syntheticData();
    const full = await train(args(join(root, 'full'), 'weightnorm+init'), { data, progress: null, report: false });
    expect(full.metrics).toHaveLength(2);
    expect(full.interrupted).toBe(false);

    const controller = new AbortController();
    const part = await train(args(join(root, 'part'), 'weightnorm+init'), {
      data, progress: null, report: false, signal: controller.signal,
      onStep: ({ epoch, step }) => { if (epoch === 1 && step === 2) controller.abort(); },
    });
    expect(part.interrupted).toBe(true);
    expect(part.metrics).toHaveLength(1);
    const resumed = await train({ ...args(join(root, 'part'), 'weightnorm+init'), resume: true }, { data, progress: null, report: false });
    expect(resumed.resumed).toBe(true);
    expect(withoutTimings(resumed.metrics)).toEqual(withoutTimings(full.metrics));
    expect(readFileSync(join(root, 'part', 'model.safetensors'))).toEqual(readFileSync(join(root, 'full', 'model.safetensors')));
  });

  it('refuses a resume with other settings, and an existing run without --overwrite', async () => {
    const data = syntheticData();
    await expect(train({ ...args(join(root, 'full'), 'weightnorm+init'), lr: 0.01, resume: true }, { data, progress: null })).rejects.toThrow(/lr/);
    await expect(train(args(join(root, 'full'), 'weightnorm+init'), { data, progress: null })).rejects.toThrow(/already holds a run/);
  });

  it('writes the report of a finished run: charts, sample grids, summary', async () => {
    const data = syntheticData();
    const r = await train({ ...args(join(root, 'report'), 'standard'), epochs: 1 }, { data, progress: null });
    const png = (name: string) => readFileSync(join(r.runDir, name)).subarray(0, 8);
    for (const f of ['samples.png', 'reconstructions.png', 'test-elbo-vs-epoch.png', 'test-elbo-vs-time.png']) expect([...png(f)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(readFileSync(join(r.runDir, 'summary.md'), 'utf8')).toMatch(/Final test ELBO -\d+\.\d\d nats, IW bound \(k = 3, 4 images\)/);
  });
});
