/**
 * The bin wrapper forwards SIGINT and SIGTERM to the training process it starts, which saves a
 * checkpoint and exits with 130 / 143; the wrapper exits with that code and leaves no child behind.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpointState } from '@wn/runs/node';
import { isAlive, runCli } from '@wn/tooling/cli-process';

const root = mkdtempSync(join(tmpdir(), 'wn-classify-bin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bin = new URL('../bin/wn-classify.mjs', import.meta.url).pathname;
const hasDist = existsSync(new URL('../dist/cli.js', import.meta.url));

/** Trains, and sends `signal` once the first epoch line shows that training has begun. */
function trainThenSignal(out: string, signal: NodeJS.Signals) {
  // epochs of 2 steps of 10 images: the first epoch line comes within a second of the start
  return runCli(bin, ['train', '--param', 'weightnorm', '--width', '1/12', '--epochs', '500', '--epoch-steps', '2', '--train-limit', '100', '--test-limit', '50', '--batch-size', '10', '--out', out], { when: /epoch 1\/500/, signal });
}

describe(`bin/wn-classify.mjs (${hasDist ? 'built CLI, in-process' : 'source mode, a child process'})`, () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal} to the wrapper: the child saves a checkpoint, both exit ${code}`, async () => {
      const out = join(root, signal);
      const r = await trainThenSignal(out, signal);
      if (hasDist) expect(r.child).toBe(0);
      else expect(r.child).toBeGreaterThan(0);
      expect(r.code).toBe(code);
      expect(r.stderr).toContain(`${signal}: saving a checkpoint after the current step`);
      if (r.child > 0) expect(isAlive(r.child)).toBe(false); // in-process (built CLI): no child to leave behind
      const state = readCheckpointState(join(out, 'checkpoint.safetensors'), 'wn-classify');
      expect(state.epoch).toBeGreaterThanOrEqual(1);
    });
  }
});
