/**
 * Pictures of an agent: one episode rendered frame by frame (written as an animated GIF and a PNG
 * strip by @wn/runs' `encodeGif` and `frameStripPng`).
 */
import { Rng, WnError } from '@wn/tensor';
import type { Sequential } from '@wn/layers';
import type { Env, Frame } from '../envs/index.js';
import { greedyAction } from './qnet.js';

/** One rendered episode. */
export interface RenderedEpisode {
  /** Every frame, the first (after reset) included. */
  frames: Frame[];
  /** The episode's return (sum of rewards). */
  return: number;
  /** Steps taken. */
  length: number;
}

/**
 * Plays one episode with the ε-greedy policy of `net` (a uniformly random policy when `net` is
 * null) and renders every state, the first included. Stops after `maxFrames` steps.
 */
export function renderEpisode(net: Sequential | null, env: Env, options: { seed: number; epsilon: number; maxFrames: number }): RenderedEpisode {
  const rng = new Rng(options.seed, 11);
  const n = env.actionSpace.n;
  let obs = env.reset({ seed: options.seed }).obs;
  const frames = [env.render()];
  let total = 0, length = 0;
  while (length < options.maxFrames) {
    const a = net === null || rng.nextFloat() < options.epsilon ? rng.nextInt(n) : greedyAction(net, obs, n);
    const s = env.step(a);
    total += s.reward;
    length++;
    frames.push(env.render());
    obs = s.obs;
    if (s.terminated || s.truncated) break;
  }
  return { frames, return: total, length };
}

/** Every `factor`-th pixel in each direction (nearest neighbour). */
export function downscale(f: Frame, factor: number): Frame {
  if (!Number.isInteger(factor) || factor < 1) throw new WnError('downscale', `factor must be a positive integer, got ${factor}`);
  if (factor === 1) return f;
  const width = Math.floor(f.width / factor), height = Math.floor(f.height / factor);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = ((y * factor) * f.width + x * factor) * 3, dst = (y * width + x) * 3;
      data[dst] = f.data[src];
      data[dst + 1] = f.data[src + 1];
      data[dst + 2] = f.data[src + 2];
    }
  }
  return { width, height, data };
}
