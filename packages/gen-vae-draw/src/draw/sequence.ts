/**
 * DRAW's canvas over the T steps of generation — the picture of the model "drawing" — as arrays,
 * an animated GIF and a PNG strip (@wn/runs' `encodeGif` and `frameGridPng`). No `node:` imports:
 * browsers can render these too.
 */
import { sigmoid, tidy, WnError, Rng } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { encodeGif, frameGrid, frameGridPng, greyFrame, type RgbFrame } from '@wn/runs';
import type { DrawModel } from './model.js';

/** The canvas after each step, as pixel probabilities σ(c_t). */
export interface CanvasSequence {
  /** images per step */
  readonly n: number;
  /** Rows per image. */
  readonly height: number;
  /** Columns per image. */
  readonly width: number;
  /** one entry per step t = 1..T: n·height·width probabilities, image-major */
  readonly steps: readonly Float32Array[];
}

/**
 * Generates `n` images from the prior and returns σ(c_t) after each of the T steps (the last is
 * the sample's mean image). `rng` (or a seed; default 0) draws z_t.
 */
export function drawSequence(model: DrawModel | { readonly module: DrawModel }, n: number, rng: Rng | number = 0): CanvasSequence {
  const m = 'module' in model ? model.module : model;
  if (!Number.isInteger(n) || n < 1) throw new WnError('drawSequence', `n must be a positive integer, got ${n}`);
  const generator = typeof rng === 'number' ? new Rng(rng) : rng;
  const steps = noGrad(() => tidy(() => m.generate(n, generator).map((c) => Float32Array.from(sigmoid(c).dataSync()))));
  return { n, height: m.config.height, width: m.config.width, steps };
}

/** How {@link gridFrame} and the GIF lay the images out. */
export interface RenderOptions {
  /** each pixel becomes scale×scale (default 3) */
  scale?: number;
  /** images per row of a frame's grid (default ⌈√n⌉) */
  columns?: number;
}

/** 1-pixel mid-grey separators, as the package's sample grids (`imageGridPng`). */
const GRID = { gap: 1, margin: 1, background: 160 } as const;

function checkScale(op: string, scale: number): void {
  if (!Number.isInteger(scale) || scale < 1 || scale > 16) throw new WnError(op, `scale must be an integer in 1..16, got ${scale}`);
}

/** Image `k` of step `t` as a frame, each pixel scale×scale; ink (probability 1) is black on white. */
function imageFrame(seq: CanvasSequence, t: number, k: number, scale: number): RgbFrame {
  const { height: h, width: w } = seq;
  const values = seq.steps[t];
  const stride = w * scale;
  const grey = new Uint8Array(stride * h * scale);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const v = Math.round(255 * (1 - Math.min(1, Math.max(0, values[k * h * w + r * w + c]))));
      for (let dy = 0; dy < scale; dy++) grey.fill(v, (r * scale + dy) * stride + c * scale, (r * scale + dy) * stride + (c + 1) * scale);
    }
  }
  return greyFrame(stride, h * scale, grey);
}

/** One step's n images as a grid (`columns` per row), separated by mid-grey lines. */
export function gridFrame(seq: CanvasSequence, step: number, options: RenderOptions = {}): RgbFrame {
  const scale = options.scale ?? 3;
  checkScale('gridFrame', scale);
  if (!Number.isInteger(step) || step < 0 || step >= seq.steps.length) throw new WnError('gridFrame', `step must be an integer in 0..${seq.steps.length - 1}, got ${step}`);
  const cols = options.columns ?? Math.ceil(Math.sqrt(seq.n));
  const rows = Array.from({ length: Math.ceil(seq.n / cols) }, (_, r) => Array.from({ length: Math.min(cols, seq.n - r * cols) }, (_, c) => imageFrame(seq, step, r * cols + c, scale)));
  return frameGrid(rows, GRID);
}

/** An animated GIF: one frame per step (`frameMs` each), the final canvas held for `holdMs`, looping. */
export function canvasSequenceGif(seq: CanvasSequence, options: RenderOptions & { frameMs?: number; holdMs?: number } = {}): Uint8Array {
  return encodeGif(seq.steps.map((_, t) => gridFrame(seq, t, options)), { delayMs: options.frameMs ?? 120, lastDelayMs: options.holdMs ?? 1500 });
}

/**
 * A PNG strip: one row per image, one column per shown step (every step when T ≤ `maxSteps`,
 * default 16; otherwise `maxSteps` steps evenly spaced, the last one included).
 */
export function canvasSequenceStrip(seq: CanvasSequence, options: { scale?: number; maxSteps?: number } = {}): Uint8Array {
  const scale = options.scale ?? 2;
  checkScale('canvasSequenceStrip', scale);
  const total = seq.steps.length, maxSteps = options.maxSteps ?? 16;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new WnError('canvasSequenceStrip', `maxSteps must be a positive integer, got ${maxSteps}`);
  const shown = total <= maxSteps ? seq.steps.map((_, t) => t) : Array.from({ length: maxSteps }, (_, i) => Math.round(((i + 1) * total) / maxSteps) - 1);
  return frameGridPng(Array.from({ length: seq.n }, (_, k) => shown.map((t) => imageFrame(seq, t, k, scale))), GRID);
}

/**
 * The files of `wn-gen draw-sequence`: `canvas-sequence.gif` (a grid of `n` images, one frame per
 * step) and `canvas-sequence.png` (the strip of the first `stripImages` of them).
 */
export function canvasSequenceFiles(model: DrawModel | { readonly module: DrawModel }, options: { n?: number; stripImages?: number; seed?: number } = {}): { name: string; bytes: Uint8Array }[] {
  const n = options.n ?? 16, stripImages = Math.min(n, options.stripImages ?? 8);
  const seq = drawSequence(model, n, options.seed ?? 0);
  const strip: CanvasSequence = { ...seq, n: stripImages, steps: seq.steps.map((s) => s.subarray(0, stripImages * seq.height * seq.width)) };
  return [
    { name: 'canvas-sequence.gif', bytes: canvasSequenceGif(seq) },
    { name: 'canvas-sequence.png', bytes: canvasSequenceStrip(strip) },
  ];
}
