// gifenc ships no types: the reference brings its declaration into every program that compiles this
// file (the model packages typecheck @wn/runs from source, where an include of src/ does not reach it).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./gifenc.d.ts" />
/**
 * Pictures made of frames: an animated GIF (encoded by gifenc, a maintained GIF encoder) and
 * grids or strips of frames as PNG (our encoder). An agent's episode and DRAW's canvas over its
 * steps are both written with these. No `node:` imports: this runs in a browser too.
 */
import * as gifencModule from 'gifenc';
import { WnError } from '@wn/tensor';
import { encodePng } from './png.js';

/** An RGB image, row-major, 3 bytes per pixel. */
export interface RgbFrame {
  /** pixels per row */
  width: number;
  /** rows */
  height: number;
  /** width × height × 3 bytes, row-major RGB */
  data: Uint8Array;
}

/**
 * gifenc ships CommonJS for Node (whose ESM import sees only `default`) and an ES module for
 * bundlers and vitest (named exports): take the functions from whichever this loader produced.
 */
const gifenc: typeof gifencModule = 'GIFEncoder' in gifencModule && typeof gifencModule.GIFEncoder === 'function'
  ? gifencModule
  : (gifencModule as unknown as { default: typeof gifencModule }).default;

/** The 256 grey levels: a grey frame is written with every level it has. */
const GREY_PALETTE = Array.from({ length: 256 }, (_, i) => [i, i, i]);

function isGrey(f: RgbFrame): boolean {
  for (let i = 0; i < f.data.length; i += 3) if (f.data[i] !== f.data[i + 1] || f.data[i] !== f.data[i + 2]) return false;
  return true;
}

function checkFrame(op: string, f: RgbFrame, k: number): void {
  if (!Number.isInteger(f.width) || !Number.isInteger(f.height) || f.width < 1 || f.height < 1 || f.data.length !== f.width * f.height * 3) {
    throw new WnError(op, `frame ${k}: expected ${f.width}×${f.height}×3 = ${f.width * f.height * 3} bytes for a positive size, got ${f.data.length}`);
  }
}

/**
 * An animated GIF of `frames` (all of one size), `delayMs` per frame (`lastDelayMs` for the last,
 * to hold the final picture), looping. Grey frames keep all 256 levels; coloured ones are
 * quantized to 256 colours each.
 */
export function encodeGif(frames: readonly RgbFrame[], options: { delayMs: number; lastDelayMs?: number }): Uint8Array {
  if (frames.length === 0) throw new WnError('encodeGif', 'no frames');
  const { width, height } = frames[0];
  const gif = gifenc.GIFEncoder();
  const rgba = new Uint8Array(width * height * 4);
  for (const [k, f] of frames.entries()) {
    checkFrame('encodeGif', f, k);
    if (f.width !== width || f.height !== height) throw new WnError('encodeGif', `frame ${k} is ${f.width}×${f.height}, the first is ${width}×${height}`);
    const delay = k === frames.length - 1 ? (options.lastDelayMs ?? options.delayMs) : options.delayMs;
    const loop = k === 0 ? { repeat: 0 } : {};
    if (isGrey(f)) {
      const index = new Uint8Array(width * height);
      for (let i = 0; i < index.length; i++) index[i] = f.data[3 * i];
      gif.writeFrame(index, width, height, { palette: GREY_PALETTE, delay, ...loop });
      continue;
    }
    for (let i = 0, j = 0; i < f.data.length; i += 3, j += 4) {
      rgba[j] = f.data[i];
      rgba[j + 1] = f.data[i + 1];
      rgba[j + 2] = f.data[i + 2];
      rgba[j + 3] = 255;
    }
    const palette = gifenc.quantize(rgba, 256, { format: 'rgb444' });
    gif.writeFrame(gifenc.applyPalette(rgba, palette, 'rgb444'), width, height, { palette, delay, ...loop });
  }
  gif.finish();
  return gif.bytes();
}

/** Layout of {@link frameGrid}: the spacing and background around frames. */
export interface FrameGridOptions {
  /** pixels between frames (default 4) */
  gap?: number;
  /** pixels around the grid (default 0) */
  margin?: number;
  /** the grey level of gaps and margins (default 255, white) */
  background?: number;
}

/**
 * Frames laid out in rows (each row's frames side by side, rows one under another), `gap`
 * pixels apart. Every frame has the size of the first.
 */
export function frameGrid(rows: readonly (readonly RgbFrame[])[], options: FrameGridOptions = {}): RgbFrame {
  const first = rows.find((r) => r.length > 0)?.[0];
  if (!first) throw new WnError('frameGrid', 'no frames');
  const gap = options.gap ?? 4, margin = options.margin ?? 0, background = options.background ?? 255;
  const { width: w, height: h } = first;
  const columns = Math.max(...rows.map((r) => r.length));
  const width = 2 * margin + columns * w + (columns - 1) * gap;
  const height = 2 * margin + rows.length * h + (rows.length - 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(background);
  rows.forEach((row, r) => row.forEach((f, c) => {
    checkFrame('frameGrid', f, r * columns + c);
    if (f.width !== w || f.height !== h) throw new WnError('frameGrid', `row ${r}, frame ${c} is ${f.width}×${f.height}, the first is ${w}×${h}`);
    const x0 = margin + c * (w + gap), y0 = margin + r * (h + gap);
    for (let y = 0; y < h; y++) data.set(f.data.subarray(y * w * 3, (y + 1) * w * 3), ((y0 + y) * width + x0) * 3);
  }));
  return { width, height, data };
}

/** `frameGrid` as PNG bytes. */
export function frameGridPng(rows: readonly (readonly RgbFrame[])[], options: FrameGridOptions = {}): Uint8Array {
  const g = frameGrid(rows, options);
  return encodePng(g.width, g.height, g.data);
}

/** Up to `count` evenly spaced frames side by side (the first and the last included), as a PNG. */
export function frameStripPng(frames: readonly RgbFrame[], options: { count: number } & FrameGridOptions): Uint8Array {
  if (frames.length === 0) throw new WnError('frameStripPng', 'no frames');
  if (!Number.isInteger(options.count) || options.count < 1) throw new WnError('frameStripPng', `count: expected an integer ≥ 1, got ${options.count}`);
  const k = Math.min(options.count, frames.length);
  const picks = Array.from({ length: k }, (_, i) => frames[k === 1 ? 0 : Math.round((i * (frames.length - 1)) / (k - 1))]);
  return frameGridPng([picks], options);
}

/** A grey image (levels 0..255, one byte per pixel) as an RGB frame. */
export function greyFrame(width: number, height: number, grey: Uint8Array): RgbFrame {
  if (grey.length !== width * height) throw new WnError('greyFrame', `grey: expected ${width}×${height} = ${width * height} bytes, got ${grey.length}`);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < grey.length; i++) data.fill(grey[i], 3 * i, 3 * i + 3);
  return { width, height, data };
}
