/** The wn-dqn command: option errors, train → eval → render on a tiny budget, the GIF and PNG it writes. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wn-dqn-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wn-dqn', () => {
  it('refuses bad options with a message naming the option', async () => {
    await expect(main(['train', '--lr', '-1'])).rejects.toThrow(/--lr: expected a number > 0, got '-1'/);
    await expect(main(['train', '--variant', 'standard,weightnorm'])).rejects.toThrow(/train takes one parameterization/);
    await expect(main(['train', '--env', 'CartPole-v9'])).rejects.toThrow(/--env: expected one of .*CartPole-v1/);
    await expect(main(['eval'])).rejects.toThrow(/--run: eval needs the run folder/);
    await expect(main(['eval', '--run', dir])).rejects.toThrow(/has no config.json/);
    await expect(main(['train', '--resume', '--overwrite'])).rejects.toThrow('--overwrite: and --resume contradict each other');
    await expect(main(['train', '--backend', 'nope'])).rejects.toThrow(/--backend: expected one of .*wasm.*, got 'nope'/);
    await expect(main(['train', '--seeds', '1,2'])).rejects.toThrow('--seeds: applies to compare and start, not train');
  });

  it('train, then eval and render the saved agent', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const run = join(dir, 'run');
      expect(await main(['train', '--frames', '600', '--learning-starts', '200', '--eval-episodes', '2', '--variant', 'weightnorm+init', '--init-batch', '64', '--out', run, '--quiet'])).toBe(0);
      expect(existsSync(join(run, 'model.safetensors'))).toBe(true);
      expect(await main(['eval', '--run', run, '--eval-episodes', '3'])).toBe(0);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toMatch(/weightnorm\+init agent on CartPole-v1: 3 episodes at ε = 0.05: mean return/);
      const pics = join(dir, 'pics');
      expect(await main(['render', '--run', run, '--out', pics, '--max-frames', '20'])).toBe(0);
      const gif = readFileSync(join(pics, 'CartPole-v1.gif'));
      expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe('GIF89a');
      expect(gif[6] | (gif[7] << 8)).toBe(300); // 600 px wide, halved
      const png = readFileSync(join(pics, 'CartPole-v1-strip.png'));
      expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }, 60_000);
});
