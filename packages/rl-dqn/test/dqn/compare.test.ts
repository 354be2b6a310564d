/** A comparison writes one run per variant × seed, a chart with seed bands and a summary table. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/index.js';
import { ChainEnv } from './chain-env.js';

const dir = mkdtempSync(join(tmpdir(), 'wn-dqn-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compare', () => {
  it('runs variants × seeds, then writes return-vs-frames charts and summary.md/json', async () => {
    const overrides = { env: 'Chain-6', frames: 400, learningStarts: 100, replaySize: 400, batchSize: 16, trainEvery: 4, epsilonFrames: 200, logEvery: 100, checkpointEvery: 200, evalEpisodes: 2, evalEpsilon: 0, solvedReturn: 0.5 };
    const r = await compare({ preset: 'quick', overrides, variants: ['standard', 'weightnorm'], seeds: [1, 2], outDir: dir, progress: null, makeEnv: () => new ChainEnv(6) });
    expect(r.interrupted).toBe(false);
    expect(r.rows.map((x) => x.variant)).toEqual(['standard', 'weightnorm']);
    for (const row of r.rows) {
      expect(row.seeds).toBe(2);
      expect(row.solved_at).toHaveLength(2);
      expect(row.eval_mean).not.toBeNull();
    }
    for (const f of ['return-vs-frames.svg', 'return-vs-frames.png', 'summary.md', 'summary.json', 'standard/seed-2/metrics.jsonl', 'weightnorm/seed-1/model.safetensors']) expect(existsSync(join(dir, f))).toBe(true);
    const svg = readFileSync(join(dir, 'return-vs-frames.svg'), 'utf8');
    expect(svg).toContain('weightnorm');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('frames to 100-ep mean ≥ 0.5');
    // a second comparison into the same folder is refused without --resume/--overwrite
    await expect(compare({ preset: 'quick', overrides, variants: ['standard'], seeds: [1], outDir: dir, progress: null, makeEnv: () => new ChainEnv(6) })).rejects.toThrow(/already holds results/);
  }, 60_000);
});
