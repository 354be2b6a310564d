/**
 * The bin wrapper forwards SIGINT and SIGTERM to the training process it starts, which saves a
 * checkpoint and exits with 130 / 143; the wrapper exits with that code and leaves no child behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpointState } from '@wn/runs/node';

const root = mkdtempSync(join(tmpdir(), 'wn-classify-bin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bin = new URL('../bin/wn-classify.mjs', import.meta.url).pathname;
const hasDist = existsSync(new URL('../dist/cli.js', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The wrapper's child process (source mode), or 0 when it runs the built CLI in-process. */
function childOf(pid: number): number {
  try {
    return Number(execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n')[0]);
  } catch {
    return 0; // pgrep exits 1 when there is none
  }
}

function trainThenSignal(out: string, signal: NodeJS.Signals): Promise<{ code: number | null; child: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    // epochs of 2 steps of 10 images: the first epoch line comes within a second of the start
    const wrapper = spawn(process.execPath, [bin, 'train', '--param', 'weightnorm', '--width', '1/12', '--epochs', '500', '--epoch-steps', '2', '--train-limit', '100', '--test-limit', '50', '--batch-size', '10', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '', child = 0, sent = false;
    wrapper.stderr.on('data', (d: Buffer) => {
      stderr += d;
      // the progress line (non-TTY: none) or the first epoch line means training has begun
      if (!sent && /epoch 1\/500/.test(stderr)) {
        sent = true;
        child = childOf(wrapper.pid!);
        wrapper.kill(signal);
      }
    });
    const timer = setTimeout(() => { wrapper.kill('SIGKILL'); reject(new Error(`timed out: ${stderr}`)); }, 60_000);
    wrapper.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, child, stderr });
    });
  });
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
      if (r.child > 0) expect(alive(r.child)).toBe(false); // in-process (built CLI): no child to leave behind
      const state = readCheckpointState(join(out, 'checkpoint.safetensors'), 'wn-classify');
      expect(state.epoch).toBeGreaterThanOrEqual(1);
    });
  }
});
