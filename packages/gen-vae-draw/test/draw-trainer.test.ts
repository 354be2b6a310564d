/** DRAW through the package's trainer: a short run interrupted mid-epoch resumes to the uninterrupted run's weights. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBinarizedData } from '../src/data/mnist.js';
import { presetArgs, train } from '../src/trainer.js';

const dir = mkdtempSync(join(tmpdir(), 'wn-draw-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DRAW training runs', () => {
  it('an interrupted weightnorm run resumes bit for bit (weights, Adam state, clipping, generator positions)', async () => {
    const base = presetArgs('draw', 'quick', {
      variant: 'weightnorm',
      dataset: 'mnist',
      trainLimit: 60,
      testLimit: 20,
      batchSize: 20,
      epochs: 2,
      lr: 3e-3,
      settings: { steps: 3, encoder: 16, decoder: 12, latent: 4, read: 2, write: 3 },
      seed: 5,
    });
    const data = loadBinarizedData(base);
    const quiet = { data, progress: null, report: false } as const;
    const whole = await train({ ...base, outDir: join(dir, 'whole') }, quiet);
    expect(whole.interrupted).toBe(false);

    const stop = new AbortController();
    const first = await train({ ...base, outDir: join(dir, 'split') }, { ...quiet, signal: stop.signal, onStep: ({ epoch, step }) => { if (epoch === 0 && step === 2) stop.abort(); } });
    expect(first.interrupted).toBe(true);
    let resumedSteps = 0;
    const rest = await train({ ...base, outDir: join(dir, 'split'), resume: true }, { ...quiet, onStep: () => resumedSteps++ });
    expect(rest.resumed).toBe(true);
    expect(resumedSteps).toBe(2 * 3 - 2); // it continued from the checkpoint, not from scratch
    expect(rest.metrics.map((m) => m.test_elbo)).toEqual(whole.metrics.map((m) => m.test_elbo));
    expect(rest.metrics.map((m) => m.train_elbo)).toEqual(whole.metrics.map((m) => m.train_elbo));
    const a = readFileSync(join(dir, 'whole', 'model.safetensors')), b = readFileSync(join(dir, 'split', 'model.safetensors'));
    expect(b.equals(a)).toBe(true);
    expect(whole.metrics[1].test_elbo).toBeGreaterThan(whole.metrics[0].test_elbo); // it trains (ELBO is negative nats)
  }, 60_000);
});
