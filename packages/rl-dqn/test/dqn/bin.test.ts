/**
 * The bin wrapper forwards SIGINT to the training process, which saves a checkpoint (with the
 * frame it reached) and exits 130; resuming it with other settings is refused (exact resume: resume.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpointState } from '@wn/runs/node';
import { runCli } from '@wn/tooling/cli-process';

const root = mkdtempSync(join(tmpdir(), 'wn-dqn-bin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bin = new URL('../../bin/wn-dqn.mjs', import.meta.url).pathname;

const runBin = (args: string[], interruptWhen: RegExp | null) => runCli(bin, args, { when: interruptWhen ?? undefined, signal: 'SIGINT', timeoutMs: 90_000 });

describe('bin/wn-dqn.mjs', () => {
  it('SIGINT saves a checkpoint (with its frame) and exits 130; a resume with another budget is refused', async () => {
    const out = join(root, 'run');
    const common = ['train', '--frames', '400000', '--log-every', '500', '--eval-episodes', '0', '--quiet', '--out', out];
    const first = await runBin(common, /frame 1000\//);
    expect(first.code).toBe(130);
    expect(first.stderr).toContain('SIGINT: saving a checkpoint');
    const state = readCheckpointState(join(out, 'checkpoint.safetensors'), 'wn-dqn') as { train: { frame: number } };
    expect(state.train.frame).toBeGreaterThanOrEqual(1000);
    // a changed budget is refused, naming the setting
    const refused = await runBin([...common.map((a) => (a === '400000' ? '500000' : a)), '--resume'], null);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/frames/);
  }, 120_000);
});
