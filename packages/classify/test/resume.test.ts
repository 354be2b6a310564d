import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE, QUICK_ARGS, train, type Args } from '../src/trainer.js';
import { readMetricsJsonl, TIMING_FIELDS, type EpochMetrics } from '../src/metrics.js';
import { readCheckpointState } from '@wn/runs/node';
import { stripeData } from './synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'wn-classify-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const data = stripeData(48, 24);
const base: Args = {
  ...QUICK_ARGS,
  width: 1 / 24,
  epochs: 2,
  batchSize: 16,
  initBatchSize: 32,
  evalBatchSize: 24,
  trainLimit: null,
  testLimit: null,
  ema: true, // the averages are part of the state too
};

/** Everything but the wall-clock fields. */
const computed = (ms: readonly EpochMetrics[]) =>
  ms.map((m) => Object.fromEntries(Object.entries(m).filter(([k]) => !(TIMING_FIELDS as readonly string[]).includes(k))));

describe('checkpoints and --resume', () => {
  for (const parameterization of ['weightnorm+init', 'batchnorm'] as const) {
    it(`1 epoch + resume gives exactly the metrics of 2 straight epochs (${parameterization})`, async () => {
      const args = { ...base, parameterization };
      const straight = await train({ ...args, outDir: join(root, `${parameterization}-straight`) }, { data, progress: null, charts: false });

      const dir = join(root, `${parameterization}-resumed`);
      const stop = new AbortController();
      const first = await train({ ...args, outDir: dir }, { data, progress: null, charts: false, signal: stop.signal, onEpoch: () => stop.abort() });
      expect(first.interrupted).toBe(true);
      expect(first.metrics).toHaveLength(1);
      expect(existsSync(join(dir, CHECKPOINT_FILE))).toBe(true);
      const second = await train({ ...args, outDir: dir, resume: true }, { data, progress: null, charts: false });
      expect(second.resumed).toBe(true);
      expect(second.interrupted).toBe(false);

      const a = readMetricsJsonl(join(root, `${parameterization}-straight`, 'metrics.jsonl'));
      const b = readMetricsJsonl(join(dir, 'metrics.jsonl'));
      expect(a).toHaveLength(2);
      expect(computed(b)).toEqual(computed(a)); // exact: toEqual compares numbers with Object.is
      expect(computed(second.metrics)).toEqual(computed(straight.metrics));
      // the final models agree byte for byte
      expect(readFileSync(join(dir, 'model.safetensors')).equals(readFileSync(join(root, `${parameterization}-straight`, 'model.safetensors')))).toBe(true);
    });
  }

  it('--epoch-steps: epochs of N steps cross pass boundaries, and an interruption between them resumes exactly', async () => {
    // 48 images, batch 16: 3 steps per pass; epochs of 4 steps straddle the passes
    const args = { ...base, parameterization: 'weightnorm' as const, epochSteps: 4, epochs: 3 };
    const straight = await train({ ...args, outDir: join(root, 'steps-straight') }, { data, progress: null, charts: false });
    expect(straight.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    const dir = join(root, 'steps-interrupted');
    const stop = new AbortController();
    const r = await train({ ...args, outDir: dir }, {
      data, progress: null, charts: false, signal: stop.signal,
      onStep: ({ epoch, step }) => { if (epoch === 1 && step === 3) stop.abort(); },
    });
    expect(r.interrupted).toBe(true);
    const resumed = await train({ ...args, outDir: dir, resume: true }, { data, progress: null, charts: false });
    expect(computed(resumed.metrics)).toEqual(computed(straight.metrics));
  });

  it('an interruption mid-epoch saves a checkpoint at that step, and resuming from it changes nothing', async () => {
    const args = { ...base, parameterization: 'weightnorm+meanonlybn' as const };
    const straight = await train({ ...args, outDir: join(root, 'mobn-straight') }, { data, progress: null, charts: false });

    const dir = join(root, 'mobn-interrupted');
    const stop = new AbortController();
    const r = await train({ ...args, outDir: dir }, {
      data, progress: null, charts: false, signal: stop.signal,
      onStep: ({ epoch, step }) => { if (epoch === 0 && step === 2) stop.abort(); },
    });
    expect(r.interrupted).toBe(true);
    expect(r.metrics).toHaveLength(0);
    const meta = readCheckpointState(join(dir, CHECKPOINT_FILE));
    expect(meta).toMatchObject({ epoch: 0, step: 2, seen: 32 });
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(false);

    const resumed = await train({ ...args, outDir: dir, resume: true }, { data, progress: null, charts: false });
    expect(computed(resumed.metrics)).toEqual(computed(straight.metrics));
  });

  it('refuses to resume with different settings, naming them', async () => {
    const dir = join(root, 'mismatch');
    await train({ ...base, epochs: 1, outDir: dir }, { data, progress: null, charts: false });
    await expect(train({ ...base, epochs: 1, width: 1 / 12, outDir: dir, resume: true }, { data, progress: null, charts: false })).rejects.toThrow(/different settings \(width: /);
  });

  it('writes the checkpoint atomically (no temp files left behind)', async () => {
    const dir = join(root, 'atomic');
    await train({ ...base, epochs: 1, outDir: dir }, { data, progress: null, charts: false });
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.safetensors', 'config.json', 'metrics.jsonl', 'model.safetensors']);
  });
});

