/**
 * DRAW's canvas over the T steps of generation — the picture of the model "drawing" — as arrays,
 * an animated GIF (gifenc) and a PNG strip (@wn/runs' PNG encoder). No `node:` imports: browsers
 * can render these too.
 */
import * as gifencModule from 'gifenc';
import { sigmoid, tidy, WnError, Rng } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { encodePng } from '@wn/runs';
import type { DrawModel } from './model.js';

/**
 * gifenc ships CommonJS (Node's `import` sees only `default`, the exports object) and an ES build
 * (bundlers and vitest see the named export): take `GIFEncoder` from whichever shape arrived.
 */
const GIFEncoder = gifencModule.GIFEncoder ?? gifencModule.default.GIFEncoder;

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

const GAP = 1;
const GAP_LEVEL = 160;

function checkScale(op: string, scale: number): void {
  if (!Number.isInteger(scale) || scale < 1 || scale > 16) throw new WnError(op, `scale must be an integer in 1..16, got ${scale}`);
}

/** Writes image `k` of `values` (probabilities) into a grey canvas at (x0, y0), scaled. */
function blit(gray: Uint8Array, stride: number, values: Float32Array, k: number, h: number, w: number, x0: number, y0: number, scale: number): void {
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      // ink (probability 1) is black on white, as the package's sample grids (`imageGridPng`)
      const v = Math.round(255 * (1 - Math.min(1, Math.max(0, values[k * h * w + r * w + c]))));
      for (let dy = 0; dy < scale; dy++) gray.fill(v, (y0 + r * scale + dy) * stride + x0 + c * scale, (y0 + r * scale + dy) * stride + x0 + (c + 1) * scale);
    }
  }
}

/** One step's n images as a grid (gray levels 0..255, separators mid-gray). */
export function gridFrame(seq: CanvasSequence, step: number, options: RenderOptions = {}): { width: number; height: number; gray: Uint8Array } {
  const scale = options.scale ?? 3;
  checkScale('gridFrame', scale);
  if (!Number.isInteger(step) || step < 0 || step >= seq.steps.length) throw new WnError('gridFrame', `step must be an integer in 0..${seq.steps.length - 1}, got ${step}`);
  const cols = options.columns ?? Math.ceil(Math.sqrt(seq.n));
  const rows = Math.ceil(seq.n / cols);
  const cw = seq.width * scale, ch = seq.height * scale;
  const width = cols * cw + (cols + 1) * GAP, height = rows * ch + (rows + 1) * GAP;
  const gray = new Uint8Array(width * height).fill(GAP_LEVEL);
  for (let k = 0; k < seq.n; k++) {
    blit(gray, width, seq.steps[step], k, seq.height, seq.width, GAP + (k % cols) * (cw + GAP), GAP + Math.floor(k / cols) * (ch + GAP), scale);
  }
  return { width, height, gray };
}

/** An animated GIF: one frame per step (`frameMs` each), the final canvas held for `holdMs`, looping. */
export function canvasSequenceGif(seq: CanvasSequence, options: RenderOptions & { frameMs?: number; holdMs?: number } = {}): Uint8Array {
  const frameMs = options.frameMs ?? 120, holdMs = options.holdMs ?? 1500;
  const palette = Array.from({ length: 256 }, (_, i) => [i, i, i]);
  const gif = GIFEncoder();
  seq.steps.forEach((_, t) => {
    const f = gridFrame(seq, t, options);
    const last = t === seq.steps.length - 1;
    gif.writeFrame(f.gray, f.width, f.height, { palette, delay: last ? holdMs : frameMs, repeat: 0 });
  });
  gif.finish();
  return gif.bytes();
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
  const cw = seq.width * scale, ch = seq.height * scale;
  const width = shown.length * cw + (shown.length + 1) * GAP, height = seq.n * ch + (seq.n + 1) * GAP;
  const gray = new Uint8Array(width * height).fill(GAP_LEVEL);
  shown.forEach((t, j) => {
    for (let k = 0; k < seq.n; k++) blit(gray, width, seq.steps[t], k, seq.height, seq.width, GAP + j * (cw + GAP), GAP + k * (ch + GAP), scale);
  });
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < gray.length; i++) rgb.fill(gray[i], 3 * i, 3 * i + 3);
  return encodePng(width, height, rgb);
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
