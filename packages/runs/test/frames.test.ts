/** Animated GIFs (gifenc) and grids/strips of frames as PNG: what an episode or a canvas sequence is written as. */
import { describe, expect, it } from 'vitest';
import { unzlibSync } from 'fflate';
import { encodeGif, frameGrid, frameGridPng, frameStripPng, greyFrame, type RgbFrame } from '../src/index.js';

const solid = (width: number, height: number, rgb: [number, number, number]): RgbFrame => {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { width, height, data };
};

const table = (b: Uint8Array, at: number, size: number) => Array.from({ length: size }, (_, k) => Array.from(b.subarray(at + 3 * k, at + 3 * k + 3)));

/** Each frame's graphic control extension (0x21 0xF9 0x04 …): its delay in ms, and its palette (local, else the global one). */
function gifFrames(b: Uint8Array): { delayMs: number; palette: number[][] }[] {
  const globalSize = b[10] & 0x80 ? 2 << (b[10] & 7) : 0;
  const global = table(b, 13, globalSize);
  const out: { delayMs: number; palette: number[][] }[] = [];
  for (let i = 0; i + 8 < b.length; i++) {
    if (b[i] !== 0x21 || b[i + 1] !== 0xf9 || b[i + 2] !== 0x04) continue;
    const delayMs = (b[i + 4] | (b[i + 5] << 8)) * 10;
    const descriptor = i + 8; // 0x2C, x, y, w, h (2 bytes each), packed
    expect(b[descriptor]).toBe(0x2c);
    const packed = b[descriptor + 9];
    out.push({ delayMs, palette: packed & 0x80 ? table(b, descriptor + 10, 2 << (packed & 7)) : global });
  }
  return out;
}

/** The RGB pixels of one of our PNGs (8-bit RGB, filter 0 on every row). */
function decodePng(png: Uint8Array): RgbFrame {
  const view = new DataView(png.buffer, png.byteOffset);
  const width = view.getUint32(16), height = view.getUint32(20);
  let at = 8;
  const idat: number[] = [];
  while (at < png.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (type === 'IDAT') idat.push(...png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = unzlibSync(Uint8Array.from(idat));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (1 + 3 * width)]).toBe(0);
    data.set(raw.subarray(y * (1 + 3 * width) + 1, (y + 1) * (1 + 3 * width)), y * width * 3);
  }
  return { width, height, data };
}

const pixel = (f: RgbFrame, x: number, y: number) => Array.from(f.data.subarray((y * f.width + x) * 3, (y * f.width + x) * 3 + 3));

describe('encodeGif', () => {
  it('writes one frame per input frame, looping, with the delays asked for (the last held longer)', () => {
    const frames = [solid(4, 2, [255, 0, 0]), solid(4, 2, [0, 128, 0]), solid(4, 2, [0, 0, 255])];
    const b = encodeGif(frames, { delayMs: 50, lastDelayMs: 1500 });
    expect(new TextDecoder().decode(b.subarray(0, 6))).toBe('GIF89a');
    expect(b[6] | (b[7] << 8)).toBe(4);
    expect(b[8] | (b[9] << 8)).toBe(2);
    expect(new TextDecoder().decode(b).includes('NETSCAPE2.0')).toBe(true);
    expect(gifFrames(b).map((f) => f.delayMs)).toEqual([50, 50, 1500]);
    // a coloured frame's palette holds its colour
    expect(gifFrames(b)[0].palette).toContainEqual([255, 0, 0]);
  });

  it('grey frames keep all 256 levels (a fixed grey palette), not a 16-level quantization', () => {
    const grey = greyFrame(16, 16, Uint8Array.from({ length: 256 }, (_, i) => i));
    const [frame] = gifFrames(encodeGif([grey], { delayMs: 100 }));
    expect(frame.palette).toEqual(Array.from({ length: 256 }, (_, i) => [i, i, i]));
  });

  it('refuses no frames, frames of different sizes and frames whose bytes do not match their size', () => {
    expect(() => encodeGif([], { delayMs: 50 })).toThrow(/encodeGif: no frames/);
    expect(() => encodeGif([solid(4, 2, [0, 0, 0]), solid(2, 2, [0, 0, 0])], { delayMs: 50 })).toThrow(/frame 1 is 2×2, the first is 4×2/);
    expect(() => encodeGif([{ width: 4, height: 2, data: new Uint8Array(10) }], { delayMs: 50 })).toThrow(/frame 0: expected 4×2×3 = 24 bytes/);
  });
});

describe('frame grids and strips', () => {
  it('lays out rows of frames with gaps and a margin in the background grey', () => {
    const a = solid(2, 3, [10, 20, 30]), b = solid(2, 3, [40, 50, 60]);
    const g = frameGrid([[a, b], [b]], { gap: 1, margin: 2, background: 160 });
    expect([g.width, g.height]).toEqual([2 * 2 + 2 * 2 + 1, 2 * 2 + 2 * 3 + 1]);
    expect(pixel(g, 0, 0)).toEqual([160, 160, 160]); // margin
    expect(pixel(g, 2, 2)).toEqual([10, 20, 30]); // row 0, frame 0
    expect(pixel(g, 4, 2)).toEqual([160, 160, 160]); // the gap
    expect(pixel(g, 5, 4)).toEqual([40, 50, 60]); // row 0, frame 1
    expect(pixel(g, 2, 6)).toEqual([40, 50, 60]); // row 1, frame 0
    expect(pixel(g, 5, 6)).toEqual([160, 160, 160]); // row 1 has one frame
    expect(decodePng(frameGridPng([[a, b], [b]], { gap: 1, margin: 2, background: 160 }))).toEqual(g);
    expect(() => frameGrid([[a, solid(3, 3, [0, 0, 0])]])).toThrow(/row 0, frame 1 is 3×3, the first is 2×3/);
    expect(() => frameGrid([[]])).toThrow(/no frames/);
  });

  it('a strip picks evenly spaced frames, the first and the last included', () => {
    const frames = Array.from({ length: 10 }, (_, i) => solid(1, 1, [i * 20, 0, 0]));
    const strip = decodePng(frameStripPng(frames, { count: 4, gap: 1 }));
    expect([strip.width, strip.height]).toEqual([4 + 3, 1]);
    expect([0, 2, 4, 6].map((x) => pixel(strip, x, 0)[0])).toEqual([0, 3, 6, 9].map((i) => i * 20));
    expect(decodePng(frameStripPng(frames.slice(0, 2), { count: 8 })).width).toBe(2 + 4); // fewer frames than asked: all of them
    expect(() => frameStripPng(frames, { count: 0 })).toThrow(/count: expected an integer ≥ 1, got 0/);
    expect(() => greyFrame(2, 2, new Uint8Array(3))).toThrow(/grey: expected 2×2 = 4 bytes, got 3/);
  });
});
