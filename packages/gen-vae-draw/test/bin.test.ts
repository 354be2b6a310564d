/**
 * The bin wrapper forwards SIGTERM to the training process it starts, which saves a checkpoint
 * and exits with 143; the wrapper exits with that code and leaves no child behind.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpointState } from '@wn/runs/node';
import { isAlive, runCli } from '@wn/tooling/cli-process';

const root = mkdtempSync(join(tmpdir(), 'wn-gen-bin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bin = new URL('../bin/wn-gen.mjs', import.meta.url).pathname;
const hasDist = existsSync(new URL('../dist/cli.js', import.meta.url));

describe(`bin/wn-gen.mjs (${hasDist ? 'built CLI, in-process' : 'source mode, a child process'})`, () => {
  it('SIGTERM to the wrapper: the child saves a checkpoint, both exit 143', async () => {
    const out = join(root, 'run');
    // epochs of 2 steps of 10 images on a tiny VAE: the first epoch line comes within seconds
    const r = await runCli(bin, ['train', '--setting', 'width=1/4,hidden=16,latent=4,blocks=1', '--dataset', 'embedded', '--epochs', '500',
      '--train-limit', '20', '--test-limit', '10', '--batch-size', '10', '--init-batch', '10', '--k', '0', '--out', out, '--quiet'], { when: /epoch 1\/500/, signal: 'SIGTERM' });
    if (hasDist) expect(r.child).toBe(0);
    else expect(r.child).toBeGreaterThan(0);
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('SIGTERM: saving a checkpoint after the current step');
    if (r.child > 0) expect(isAlive(r.child)).toBe(false); // in-process (built CLI): no child to leave behind
    const state = readCheckpointState(join(out, 'checkpoint.safetensors'), 'wn-gen');
    expect(state.epoch).toBeGreaterThanOrEqual(1);
  }, 70_000);
});
