/**
 * DQN learns: on an 8-state chain (optimal return 1, reached only by looking 6 steps ahead
 * against an immediate 0.1 on the left), greedy evaluation episodes on a separate env after a
 * short run must all return 1. A broken agent — TD target sign flipped, γ ignored, a target
 * network never updated — ends up with the 0.1 or nothing (see the README for the planted-bug
 * record).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { train } from '../../src/index.js';
import { ChainEnv, chainArgs } from './chain-env.js';

const dir = mkdtempSync(join(tmpdir(), 'wn-dqn-learn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DQN learning on a chain', () => {
  for (const variant of ['standard', 'weightnorm+init'] as const) {
    it(`${variant}: every greedy evaluation episode reaches the far end (return 1)`, async () => {
      const r = await train(chainArgs({ variant, outDir: join(dir, variant) }), { progress: null, makeEnv: () => new ChainEnv(8) });
      expect(r.evalReturns).toHaveLength(20);
      expect(Math.min(...r.evalReturns)).toBe(1);
      r.online.dispose();
    }, 60_000);
  }
});
