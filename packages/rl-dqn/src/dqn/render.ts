/**
 * Pictures of an agent: one episode rendered frame by frame, written as an animated GIF
 * (encoded by gifenc, a maintained GIF encoder) and as a PNG strip of evenly spaced frames
 * (@wn/runs' PNG encoder).
 */
import * as gifencModule from 'gifenc';
import { Rng, WnError } from '@wn/tensor';
import { encodePng } from '@wn/runs';
import type { Sequential } from '@wn/layers';
import type { Env, Frame } from '../envs/index.js';
import { greedyAction } from './qnet.js';

/**
 * gifenc ships CommonJS for Node (whose ESM import sees only `default`) and an ES module for
 * bundlers (named exports): take the functions from whichever this loader produced.
 */
const gifenc: typeof gifencModule = 'GIFEncoder' in gifencModule && typeof gifencModule.GIFEncoder === 'function'
  ? gifencModule
  : (gifencModule as unknown as { default: typeof gifencModule }).default;

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

/** An animated GIF of `frames` (all of one size), `delayMs` per frame, looping. */
export function encodeGif(frames: readonly Frame[], options: { delayMs: number }): Uint8Array {
  if (frames.length === 0) throw new WnError('encodeGif', 'no frames');
  const { width, height } = frames[0];
  const gif = gifenc.GIFEncoder();
  const rgba = new Uint8Array(width * height * 4);
  for (const [k, f] of frames.entries()) {
    if (f.width !== width || f.height !== height) throw new WnError('encodeGif', `frame ${k} is ${f.width}×${f.height}, the first is ${width}×${height}`);
    for (let i = 0, j = 0; i < f.data.length; i += 3, j += 4) {
      rgba[j] = f.data[i];
      rgba[j + 1] = f.data[i + 1];
      rgba[j + 2] = f.data[i + 2];
      rgba[j + 3] = 255;
    }
    const palette = gifenc.quantize(rgba, 256, { format: 'rgb444' });
    gif.writeFrame(gifenc.applyPalette(rgba, palette, 'rgb444'), width, height, { palette, delay: options.delayMs, ...(k === 0 ? { repeat: 0 } : {}) });
  }
  gif.finish();
  return gif.bytes();
}

/** Up to `count` evenly spaced frames side by side (first and last included), `gap` pixels apart, as a PNG. */
export function frameStripPng(frames: readonly Frame[], options: { count: number; gap?: number }): Uint8Array {
  if (frames.length === 0) throw new WnError('frameStripPng', 'no frames');
  const k = Math.min(options.count, frames.length);
  const picks = Array.from({ length: k }, (_, i) => frames[k === 1 ? 0 : Math.round((i * (frames.length - 1)) / (k - 1))]);
  const gap = options.gap ?? 4;
  const { width: w, height: h } = picks[0];
  const width = k * w + (k - 1) * gap;
  const rgb = new Uint8Array(width * h * 3).fill(255);
  picks.forEach((f, i) => {
    for (let y = 0; y < h; y++) rgb.set(f.data.subarray(y * w * 3, (y + 1) * w * 3), (y * width + i * (w + gap)) * 3);
  });
  return encodePng(width, h, rgb);
}
