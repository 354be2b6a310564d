/**
 * Rasterizes a chart scene to PNG bytes: shapes are drawn at `supersample`× the final resolution
 * and box-filtered down (cheap anti-aliasing), text uses the 5×7 bitmap font, and the image is
 * compressed with fflate's zlib (pure JS, so this runs in a browser too) plus a CRC-32 here.
 */
import { zlibSync } from 'fflate';
import { WnError } from '@wn/tensor';
import { CAP_HEIGHT, GLYPH_ADVANCE, glyph } from './font.js';
import { layoutLineChart, type ChartSpec, type Primitive, type Scene } from './chart.js';

type Rgb = [number, number, number];

function parseColor(hex: string): Rgb {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new WnError('lineChartPng', `unsupported colour '${hex}' (use #rrggbb)`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** An RGB raster at supersampled resolution; coordinates passed in are final-image pixels. */
class Canvas {
  readonly w: number;
  readonly h: number;
  readonly px: Uint8Array;
  constructor(width: number, height: number, readonly ss: number) {
    this.w = Math.round(width * ss);
    this.h = Math.round(height * ss);
    this.px = new Uint8Array(this.w * this.h * 3).fill(255);
  }

  private set(i: number, j: number, c: Rgb): void {
    if (i < 0 || j < 0 || i >= this.w || j >= this.h) return;
    const k = (j * this.w + i) * 3;
    this.px[k] = c[0];
    this.px[k + 1] = c[1];
    this.px[k + 2] = c[2];
  }

  /** Fills [x0, x1) × [y0, y1) (final-pixel units), covering subpixels whose centres fall inside. */
  fillRect(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    const s = this.ss;
    const i0 = Math.max(0, Math.round(Math.min(x0, x1) * s)), i1 = Math.min(this.w, Math.round(Math.max(x0, x1) * s));
    const j0 = Math.max(0, Math.round(Math.min(y0, y1) * s)), j1 = Math.min(this.h, Math.round(Math.max(y0, y1) * s));
    for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) this.set(i, j, c);
  }

  /** Blends `c` at `alpha` over the inside of a polygon (even-odd rule, subpixel centres). */
  fillPolygon(points: readonly (readonly [number, number])[], c: Rgb, alpha: number): void {
    const s = this.ss;
    const pts = points.map(([x, y]) => [x * s, y * s] as const);
    const ys = pts.map(([, y]) => y);
    const j0 = Math.max(0, Math.floor(Math.min(...ys))), j1 = Math.min(this.h - 1, Math.ceil(Math.max(...ys)));
    for (let j = j0; j <= j1; j++) {
      const cy = j + 0.5;
      const xs: number[] = [];
      for (let k = 0; k < pts.length; k++) {
        const [ax, ay] = pts[k], [bx, by] = pts[(k + 1) % pts.length];
        if ((ay <= cy) !== (by <= cy)) xs.push(ax + ((cy - ay) / (by - ay)) * (bx - ax));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const i0 = Math.max(0, Math.ceil(xs[k] - 0.5)), i1 = Math.min(this.w - 1, Math.floor(xs[k + 1] - 0.5));
        for (let i = i0; i <= i1; i++) {
          const q = (j * this.w + i) * 3;
          for (let ch = 0; ch < 3; ch++) this.px[q + ch] = Math.round(this.px[q + ch] * (1 - alpha) + c[ch] * alpha);
        }
      }
    }
  }

  /** A segment of the given width with round caps (so consecutive segments join smoothly). */
  segment(x1: number, y1: number, x2: number, y2: number, width: number, c: Rgb): void {
    const s = this.ss;
    const [ax, ay, bx, by, r] = [x1 * s, y1 * s, x2 * s, y2 * s, (width * s) / 2];
    const dx = bx - ax, dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const i0 = Math.floor(Math.min(ax, bx) - r), i1 = Math.ceil(Math.max(ax, bx) + r);
    const j0 = Math.floor(Math.min(ay, by) - r), j1 = Math.ceil(Math.max(ay, by) + r);
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const cx = i + 0.5, cy = j + 0.5;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / len2));
        const ex = cx - (ax + t * dx), ey = cy - (ay + t * dy);
        if (ex * ex + ey * ey <= r * r) this.set(i, j, c);
      }
    }
  }

  /** Bitmap text; `y` is the vertical centre of the capitals, as in the scene. */
  text(p: Extract<Primitive, { kind: 'text' }>): void {
    const cell = p.size / 9.5; // one font pixel, in final pixels (cap height ≈ 0.74 em)
    const width = (p.text.length * GLYPH_ADVANCE - 1) * cell;
    const u0 = p.anchor === 'start' ? 0 : p.anchor === 'middle' ? -width / 2 : -width;
    const v0 = -(CAP_HEIGHT * cell) / 2;
    const c = parseColor(p.color);
    // local (u along the text, v down) → screen; rotate(-90) maps (u, v) to (v, −u)
    const put = (u: number, v: number, du: number, dv: number) => {
      if (p.rotate === -90) this.fillRect(p.x + v, p.y - u - du, p.x + v + dv, p.y - u, c);
      else this.fillRect(p.x + u, p.y + v, p.x + u + du, p.y + v + dv, c);
    };
    [...p.text].forEach((ch, k) => {
      glyph(ch).forEach((row, r) =>
        row.forEach((on, col) => {
          if (!on) return;
          const u = u0 + (k * GLYPH_ADVANCE + col) * cell, v = v0 + r * cell;
          put(u, v, cell, cell);
          if (p.bold) put(u + cell * 0.45, v, cell, cell);
        }),
      );
    });
  }

  /** Box-filters down to the final resolution: RGB bytes, width × height. */
  downsample(): { width: number; height: number; rgb: Uint8Array } {
    const s = this.ss, width = Math.floor(this.w / s), height = Math.floor(this.h / s);
    const rgb = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let ch = 0; ch < 3; ch++) {
          let acc = 0;
          for (let j = 0; j < s; j++) for (let i = 0; i < s; i++) acc += this.px[((y * s + j) * this.w + x * s + i) * 3 + ch];
          rgb[(y * width + x) * 3 + ch] = Math.round(acc / (s * s));
        }
      }
    }
    return { width, height, rgb };
  }
}

/**
 * The "on" pieces of a dashed polyline: the pattern [on, off] is measured along the whole line, so
 * dashes continue across vertices as SVG's stroke-dasharray does.
 */
export function dashPieces(points: readonly (readonly [number, number])[], [on, off]: readonly [number, number]): [[number, number], [number, number]][] {
  const pieces: [[number, number], [number, number]][] = [];
  const period = on + off;
  let travelled = 0; // length along the line at the current segment's start
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1], [x1, y1] = points[i];
    const len = Math.hypot(x1 - x0, y1 - y0);
    const at = (t: number): [number, number] => [x0 + ((x1 - x0) * t) / (len || 1), y0 + ((y1 - y0) * t) / (len || 1)];
    // walk the dashes that overlap [travelled, travelled + len]
    for (let start = Math.floor(travelled / period) * period; start < travelled + len; start += period) {
      const a = Math.max(start, travelled) - travelled, b = Math.min(start + on, travelled + len) - travelled;
      if (b > a) pieces.push([at(a), at(b)]);
    }
    travelled += len;
  }
  return pieces;
}

/** Draws a scene into an RGB pixel buffer, antialiased by `supersample`² samples per pixel. */
export function rasterizeScene(scene: Scene, supersample = 3): { width: number; height: number; rgb: Uint8Array } {
  const cv = new Canvas(scene.width, scene.height, supersample);
  for (const p of scene.primitives) {
    switch (p.kind) {
      case 'rect':
        cv.fillRect(p.x, p.y, p.x + p.w, p.y + p.h, parseColor(p.fill));
        break;
      case 'line':
        cv.segment(p.x1, p.y1, p.x2, p.y2, p.width, parseColor(p.stroke));
        break;
      case 'polyline': {
        const c = parseColor(p.stroke);
        const pieces = p.dash ? dashPieces(p.points, p.dash) : p.points.slice(1).map((q, i) => [p.points[i], q] as const);
        for (const [a, b] of pieces) cv.segment(...a, ...b, p.width, c);
        break;
      }
      case 'polygon':
        cv.fillPolygon(p.points, parseColor(p.fill), p.opacity);
        break;
      case 'marker':
        cv.segment(p.x, p.y, p.x, p.y, 2 * p.r, parseColor(p.fill));
        break;
      case 'text':
        cv.text(p);
        break;
    }
  }
  return cv.downsample();
}

// ---- PNG encoding ------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32 of `bytes` (PNG's chunk checksum). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An 8-bit RGB PNG (every scanline filter type 0: charts are flat colours, deflate does the rest). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, adaptive filters, no interlace
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  return concat([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A line chart as PNG bytes (same layout as the SVG). */
export function lineChartPng(spec: ChartSpec): Uint8Array {
  const { width, height, rgb } = rasterizeScene(layoutLineChart(spec));
  return encodePng(width, height, rgb);
}
