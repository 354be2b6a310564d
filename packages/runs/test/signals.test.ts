/** A child process running a tiny run gets SIGINT / SIGTERM: it saves a checkpoint and exits with 130 / 143. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpointState } from '../src/node/index.js';
import { tempRoot } from './helpers.js';

const root = tempRoot('signals');
const script = new URL('./fixtures/tiny-run.ts', import.meta.url).pathname;
const pkg = new URL('..', import.meta.url).pathname;

/** Runs the tiny run, sends `signal` once it has done 3 steps; resolves with its exit code and output. */
function interruptAfterSteps(out: string, signal: NodeJS.Signals, extra: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@wn/source', '--import', 'tsx', script, '--out', out, '--steps', '100000', '--step-delay-ms', '20', ...extra], { cwd: pkg, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      if (!sent && /step 3\n/.test(stdout)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out: ${stdout} ${stderr}`)); }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('signals save a checkpoint, then exit', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} → checkpoint saved, exit ${code}`, async () => {
      const out = join(root, signal);
      const r = await interruptAfterSteps(out, signal, ['--quiet']);
      expect(r.code).toBe(code);
      expect(r.stderr).toContain(`${signal}: saving a checkpoint after the current step`);
      const m = /interrupted at step (\d+)/.exec(r.stdout);
      expect(m).not.toBeNull();
      const state = readCheckpointState(join(out, 'checkpoint.safetensors'), 'tiny-run');
      expect(state.step).toBe(Number(m![1]));
      expect(state.step).toBeGreaterThanOrEqual(3);
      expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).settings.steps).toBe(100000);
    });
  }
});
