/** The comparison runner: several parameterizations × seeds, seed-averaged charts and a summary with the seed spread. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compare } from '../src/compare.js';
import { QUICK_ARGS, type Args } from '../src/trainer.js';
import { stripeData } from './synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'wn-classify-compare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const args: Args = { ...QUICK_ARGS, width: 1 / 24, epochs: 2, batchSize: 16, initBatchSize: 32, evalBatchSize: 24, trainLimit: null, testLimit: null };

describe('compare', () => {
  it('runs every parameterization per seed and reports mean ± sd with the per-seed errors', async () => {
    const outDir = join(root, 'cmp');
    const r = await compare({ args, parameterizations: ['standard', 'weightnorm'], seeds: [1, 2], outDir, data: stripeData(48, 24), progress: null });
    expect(r.interrupted).toBe(false);
    expect(r.runs.map((x) => `${x.parameterization}/${x.seed}`)).toEqual(['standard/1', 'standard/2', 'weightnorm/1', 'weightnorm/2']);
    for (const row of r.rows) {
      const own = r.runs.filter((x) => x.parameterization === row.parameterization).map((x) => x.result.metrics.at(-1)!.test_error);
      expect(row.seeds).toBe(2);
      expect(row.final_test_errors).toEqual(own);
      expect(row.final_test_error).toBeCloseTo((own[0] + own[1]) / 2, 12);
      expect(row.final_test_error_sd).toBeCloseTo(Math.abs(own[0] - own[1]) / Math.SQRT2, 12);
    }
    expect(existsSync(join(outDir, 'weightnorm', 'seed-2', 'metrics.jsonl'))).toBe(true);
    const md = readFileSync(join(outDir, 'summary.md'), 'utf8');
    expect(md).toContain('final test error: mean ± sd (per seed)');
    expect(md).toMatch(/\| standard \| 0\.0003 \| [\d.]+% ± [\d.]+ \([\d.]+ \/ [\d.]+\)/);
    for (const f of ['test-error-vs-epoch.svg', 'test-error-vs-epoch.png', 'train-error-vs-time.svg']) expect(existsSync(join(outDir, f))).toBe(true);
  });

  it('labels the epoch axis with the step count when epochs are fixed step counts', async () => {
    const outDir = join(root, 'steps');
    await compare({ args: { ...args, epochSteps: 2 }, parameterizations: ['weightnorm'], seeds: [1], outDir, data: stripeData(48, 24), progress: null });
    expect(readFileSync(join(outDir, 'test-error-vs-epoch.svg'), 'utf8')).toContain('epoch (2 steps of 16 images)');
  });
});

describe('compare, interrupted', () => {
  it('an interruption in a later run reports the finished parameterizations and resumes to the same result', async () => {
    const outDir = join(root, 'interrupted');
    const stop = new AbortController();
    let steps = 0;
    const data = stripeData(48, 24);
    const params = ['weightnorm', 'batchnorm'] as const;
    // stop inside the second parameterization (each run has 2 epochs × 3 steps)
    const first = await compare({ args, parameterizations: [...params], seeds: [1, 2], outDir, data, progress: null, signal: stop.signal, onStep: () => { if (++steps === 17) stop.abort(); } });
    expect(first.interrupted).toBe(true);
    expect(first.rows.map((r) => r.parameterization)).toEqual(['weightnorm']);
    const resumed = await compare({ args: { ...args, resume: true }, parameterizations: [...params], seeds: [1, 2], outDir, data, progress: null });
    const straight = await compare({ args, parameterizations: [...params], seeds: [1, 2], outDir: join(root, 'straight'), data, progress: null });
    expect(resumed.rows.map((r) => r.final_test_errors)).toEqual(straight.rows.map((r) => r.final_test_errors));
    // three comparisons (~30 s on CI's 2 cores, 62 s once beside other work): the limit only guards against a hang
  }, 180_000);
});
