/** The wn-dqn command: option errors, train → eval → render on a tiny budget, the GIF and PNG it writes. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { encodeGif } from '../../src/dqn/render.js';

const dir = mkdtempSync(join(tmpdir(), 'wn-dqn-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Image descriptors (one per frame) in a GIF: each frame here follows a graphic control extension (0x21 0xF9). */
const gifFrames = (b: Uint8Array) => {
  let n = 0;
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0x21 && b[i + 1] === 0xf9) n++;
  return n;
};

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

  it('encodeGif writes one frame per input frame, looping', () => {
    const frame = (v: number) => ({ width: 4, height: 2, data: new Uint8Array(24).fill(v) });
    const b = encodeGif([frame(0), frame(128), frame(255)], { delayMs: 50 });
    expect(gifFrames(b)).toBe(3);
    expect(new TextDecoder().decode(b).includes('NETSCAPE2.0')).toBe(true);
    expect(() => encodeGif([frame(0), { width: 2, height: 2, data: new Uint8Array(12) }], { delayMs: 50 })).toThrow(/frame 1 is 2×2, the first is 4×2/);
  });
});
