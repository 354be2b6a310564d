/** The wn-dqn command: option errors, train → eval → render on a tiny budget, the GIF and PNG it writes. */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { presetArgs, train } from '../../src/dqn/dqn.js';

const dir = mkdtempSync(join(tmpdir(), 'wn-dqn-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wn-dqn', () => {
  it('refuses bad options with a message naming the option', async () => {
    await expect(main(['train', '--lr', '-1'])).rejects.toThrow(/--lr: expected a number > 0, got '-1'/);
    await expect(main(['train', '--variant', 'standard,weightnorm'])).rejects.toThrow(/train takes one parameterization/);
    await expect(main(['train', '--env', 'CartPole-v9'])).rejects.toThrow(/--env: expected one of .*CartPole-v1/);
    await expect(main(['eval'])).rejects.toThrow(/--run: eval needs the run folder/);
    await expect(main(['eval', '--run', dir])).rejects.toThrow(/--run: '.*' has no agent to read \(neither model.safetensors of a finished wn-dqn run nor checkpoint.safetensors of one in progress\)/);
    await expect(main(['train', '--resume', '--overwrite'])).rejects.toThrow('--overwrite: and --resume contradict each other');
    await expect(main(['train', '--backend', 'nope'])).rejects.toThrow(/--backend: expected one of .*wasm.*, got 'nope'/);
    await expect(main(['train', '--seeds', '1,2'])).rejects.toThrow('--seeds: applies to compare and start, not train');
  });

  it('train, then eval and render the saved agent', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const run = join(dir, 'run');
      expect(await main(['train', '--frames', '600', '--learning-starts', '200', '--eval-episodes', '2', '--variant', 'weightnorm+init', '--init-batch', '64', '--log-every', '200', '--out', run, '--quiet'])).toBe(0);
      // --quiet: a line per metric row with every progress figure, the ETA included
      const rows = err.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('[weightnorm+init] frame'));
      expect(rows.map((l) => l.match(/frame (\d+)\//)![1])).toEqual(['200', '400', '600']);
      for (const l of rows) expect(l).toMatch(/^\[weightnorm\+init\] frame \d+\/600 \(\d+%\) {2}episodes \d+ {2}return\(100\) ([\d.]+|–) {2}ε [\d.]+ {2}\d+ frames\/s {2}\d+ updates\/s {2}ETA (estimating|\d+:\d\d)\n$/);
      expect(rows.at(-1)).toMatch(/ETA 0:00\n$/);
      const episodes = rows.at(-1)!.match(/episodes (\d+)/)![1];
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain(`: ${episodes} episodes, 100-episode mean return`);
      expect(existsSync(join(run, 'model.safetensors'))).toBe(true);
      expect(await main(['eval', '--run', run, '--eval-episodes', '3'])).toBe(0);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toMatch(/weightnorm\+init agent on CartPole-v1 \(model\.safetensors \(finished, 600 frames\)\): 3 episodes at ε = 0.05: mean return/);
      // the same agent read from the run's last checkpoint, as for a run still training: the same returns
      const inProgress = join(dir, 'in-progress');
      cpSync(run, inProgress, { recursive: true });
      rmSync(join(inProgress, 'model.safetensors'));
      expect(await main(['eval', '--run', inProgress, '--eval-episodes', '3'])).toBe(0);
      const lines = out.mock.calls.map((c) => String(c[0])).filter((l) => l.includes(' agent on '));
      expect(lines[1]).toMatch(/\(checkpoint\.safetensors at frame 600 of 600\)/);
      const result = (l: string) => l.replace(/^.*: 3 episodes/, '').replace(/ \([\d:]+\)\n$/, '');
      expect(result(lines[1])).toBe(result(lines[0]));
      // interrupted at frame 300
      const halfway = join(dir, 'halfway');
      const stop = new AbortController();
      const r = await train({ ...presetArgs('quick', 'standard'), frames: 600, learningStarts: 200, evalEpisodes: 0, outDir: halfway }, { progress: null, signal: stop.signal, onFrame: (f) => f === 300 && stop.abort() });
      r.online.dispose();
      expect(await main(['eval', '--run', halfway, '--eval-episodes', '1'])).toBe(0);
      expect(String(out.mock.calls.at(-1)![0])).toMatch(/standard agent on CartPole-v1 \(checkpoint\.safetensors at frame 300 of 600\): 1 episodes at ε = 0\.05: mean return [\d.]+, min/);
      await expect(main(['eval', '--run', halfway, '--eval-episodes', '0'])).rejects.toThrow('--eval-episodes: eval plays at least 1 episode, got 0');
      // the folder holding all three runs: each evaluated, then a table by variant
      out.mockClear();
      expect(await main(['eval', '--run', dir, '--eval-episodes', '1'])).toBe(0);
      const all = out.mock.calls.map((c) => String(c[0])).join('');
      expect(all.match(/^(halfway|in-progress|run): /gm)).toEqual(['halfway: ', 'in-progress: ', 'run: ']);
      expect(all).toMatch(/\| CartPole-v1 \| standard \| 1 \| 300 \| [\d.]+ \|/);
      expect(all).toMatch(/\| CartPole-v1 \| weightnorm\+init \| 2 \| 600 \| [\d.]+ ± [\d.]+ \|/);
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
