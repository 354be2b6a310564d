import type { Frame } from './types.js';

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/**
 * A tiny RGB rasterizer for the classic-control frames: filled rectangles, convex polygons,
 * circles and thick lines, no anti-aliasing. Coordinates are pixels with y pointing down.
 */
export class Canvas implements Frame {
  /** The pixels, row-major, 3 bytes per pixel. */
  readonly data: Uint8Array;
  constructor(
    /** Width in pixels. */
    readonly width: number,
    /** Height in pixels. */
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets one pixel (ignored outside the canvas). */
  setPixel(x: number, y: number, [r, g, b]: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.data[i] = r;
    this.data[i + 1] = g;
    this.data[i + 2] = b;
  }

  /** The colour of one pixel. */
  pixel(x: number, y: number): [number, number, number] {
    const i = (y * this.width + x) * 3;
    return [this.data[i], this.data[i + 1], this.data[i + 2]];
  }

  /** Pixels whose centres lie in [x0, x1) × [y0, y1). */
  fillRect(x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
    const xa = Math.max(0, Math.ceil(x0 - 0.5));
    const xb = Math.min(this.width, Math.ceil(x1 - 0.5));
    const ya = Math.max(0, Math.ceil(y0 - 0.5));
    const yb = Math.min(this.height, Math.ceil(y1 - 0.5));
    for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) this.setPixel(x, y, color);
  }

  /** A convex polygon given as [x, y] vertices in either winding order. */
  fillPolygon(points: readonly (readonly [number, number])[], color: Rgb): void {
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const xa = Math.max(0, Math.floor(Math.min(...xs)));
    const xb = Math.min(this.width - 1, Math.ceil(Math.max(...xs)));
    const ya = Math.max(0, Math.floor(Math.min(...ys)));
    const yb = Math.min(this.height - 1, Math.ceil(Math.max(...ys)));
    const n = points.length;
    for (let y = ya; y <= yb; y++) {
      for (let x = xa; x <= xb; x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        let pos = false;
        let neg = false;
        for (let i = 0; i < n; i++) {
          const [ax, ay] = points[i];
          const [bx, by] = points[(i + 1) % n];
          const cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
          if (cross > 0) pos = true;
          else if (cross < 0) neg = true;
        }
        if (!(pos && neg)) this.setPixel(x, y, color);
      }
    }
  }

  /** Fills a circle of `radius` pixels centred at (cx, cy). */
  fillCircle(cx: number, cy: number, radius: number, color: Rgb): void {
    const r2 = radius * radius;
    for (let y = Math.floor(cy - radius); y <= Math.ceil(cy + radius); y++) {
      for (let x = Math.floor(cx - radius); x <= Math.ceil(cx + radius); x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        if (dx * dx + dy * dy <= r2) this.setPixel(x, y, color);
      }
    }
  }

  /** A line segment `thickness` pixels wide (a rotated rectangle). */
  line(x0: number, y0: number, x1: number, y1: number, thickness: number, color: Rgb): void {
    const len = Math.hypot(x1 - x0, y1 - y0) || 1;
    const nx = (-(y1 - y0) / len) * (thickness / 2);
    const ny = ((x1 - x0) / len) * (thickness / 2);
    this.fillPolygon(
      [
        [x0 + nx, y0 + ny],
        [x1 + nx, y1 + ny],
        [x1 - nx, y1 - ny],
        [x0 - nx, y0 - ny],
      ],
      color,
    );
  }

  /** A plain Frame view (what `render()` returns). */
  toFrame(): Frame {
    return { width: this.width, height: this.height, data: this.data };
  }
}
