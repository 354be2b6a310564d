/**
 * Line-chart layout: turns data series into a list of drawing primitives (a "scene") in pixel
 * coordinates. The SVG writer and the PNG rasterizer both draw the same scene, so the two images
 * agree by construction and each renderer stays a small translation table.
 */

export interface Series {
  /** The legend label. */
  name: string;
  /** [x, y] points in data units, drawn in order; non-finite points are skipped. */
  points: readonly (readonly [number, number])[];
  /** CSS hex colour (#rrggbb); defaults to a fixed palette by series index. */
  color?: string;
  /** A shaded band around the line, [x, low, high] (e.g. mean ± sd over seeds); drawn under the lines. */
  band?: readonly (readonly [number, number, number])[];
  /** Draw the line dashed (a secondary curve of the same quantity, e.g. raw weights beside their average). */
  dashed?: boolean;
}

/** A line chart to lay out. */
export interface ChartSpec {
  /** The chart's title. */
  title: string;
  /** a smaller second line under the title (e.g. the dataset) */
  subtitle?: string;
  /** The x axis label. */
  xLabel: string;
  /** The y axis label. */
  yLabel: string;
  /** The lines to draw. */
  series: readonly Series[];
  /** Width in pixels (default 720). */
  width?: number;
  /** Height in pixels (default 450). */
  height?: number;
  /** Integer x ticks only (epochs) */
  xIntegers?: boolean;
  /** Start the x axis here (e.g. 0 for time) instead of at the first nice tick below the data. */
  xMin?: number;
  /** Force the y range (data units); by default it spans the data, padded to nice ticks. */
  yMin?: number;
  /** Upper end of the y range (data units). */
  yMax?: number;
  /** Format tick labels as percentages (values are fractions). */
  yPercent?: boolean;
  /** Logarithmic axes (base 10); points with a non-positive coordinate on such an axis are skipped. */
  xLog?: boolean;
  /** Logarithmic y axis. */
  yLog?: boolean;
}

/** Where a text's `x` is: at its start, middle or end. */
export type TextAnchor = 'start' | 'middle' | 'end';

/**
 * Drawing primitives, in pixels (y pointing down); colours are CSS colour strings. `y` of a text is
 * the vertical centre of its capital letters.
 */
export type Primitive =
  | {
    /** A filled rectangle. */
    kind: 'rect';
    /** Left edge. */
    x: number;
    /** Top edge. */
    y: number;
    /** Width. */
    w: number;
    /** Height. */
    h: number;
    /** Fill colour. */
    fill: string;
  }
  | {
    /** A straight line. */
    kind: 'line';
    /** Start x. */
    x1: number;
    /** Start y. */
    y1: number;
    /** End x. */
    x2: number;
    /** End y. */
    y2: number;
    /** Line colour. */
    stroke: string;
    /** Line width. */
    width: number;
    /** What the line is part of. */
    role: 'axis' | 'grid' | 'tick' | 'legend';
  }
  | {
    /** A data series' line. */
    kind: 'polyline';
    /** The vertices, in order. */
    points: [number, number][];
    /** Line colour. */
    stroke: string;
    /** Line width. */
    width: number;
    /** The series' name. */
    name: string;
    /** Dash pattern in pixels, [on, off], measured along the line; absent for a solid line. */
    dash?: [number, number];
  }
  | {
    /** A filled area: a series' ± sd band. */
    kind: 'polygon';
    /** The vertices, in order. */
    points: [number, number][];
    /** Fill colour. */
    fill: string;
    /** Fill opacity, 0–1. */
    opacity: number;
    /** The series' name. */
    name: string;
  }
  | {
    /** A filled circle marking a data point. */
    kind: 'marker';
    /** Centre x. */
    x: number;
    /** Centre y. */
    y: number;
    /** Radius. */
    r: number;
    /** Fill colour. */
    fill: string;
  }
  | {
    /** A line of text. */
    kind: 'text';
    /** Anchor x (see `anchor`). */
    x: number;
    /** Vertical centre of the capital letters. */
    y: number;
    /** The text. */
    text: string;
    /** Font size. */
    size: number;
    /** Whether `x` is the text's start, middle or end. */
    anchor: TextAnchor;
    /** Text colour. */
    color: string;
    /** Rotated a quarter turn counter-clockwise (a y-axis label). */
    rotate?: -90;
    /** Bold type. */
    bold?: boolean;
  };

/** A laid-out chart: drawing primitives in pixel coordinates, for the SVG writer and the PNG rasterizer. */
export interface Scene {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** What to draw, in order. */
  primitives: Primitive[];
}

/** The dash pattern of a dashed series, [on, off] in pixels. */
const DASH: [number, number] = [7, 5];

/** Colour-blind-safe palette (Okabe–Ito), in a fixed order so a parameterization keeps its colour. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

const AXIS = '#333333';
const GRID = '#e3e3e3';
const TEXT = '#222222';

/** "Nice" tick positions covering [lo, hi]: steps of 1, 2 or 5 × 10^k, about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 6, minStep = 0): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(minStep, [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw && (minStep === 0 || Number.isInteger(s))) ?? 10 * mag);
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= hi + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Ticks of a log axis covering [lo, hi] (both > 0): powers of ten, with 2× and 5× when the range spans few decades. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi > 0)) return [1, 10];
  if (!(hi > lo)) [lo, hi] = [lo / 2, hi * 2];
  const d0 = Math.floor(Math.log10(lo) + 1e-9), d1 = Math.ceil(Math.log10(hi) - 1e-9);
  const mult = d1 - d0 <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let d = d0; d <= d1; d++) for (const m of mult) ticks.push(Number((m * 10 ** d).toPrecision(12)));
  // keep the ticks inside the covering decades' neighbours of the data
  const first = ticks.filter((t) => t <= lo).at(-1) ?? ticks[0];
  const last = ticks.find((t) => t >= hi) ?? ticks[ticks.length - 1];
  return ticks.filter((t) => t >= first && t <= last);
}

/** A log-axis tick label: 0.001, 0.02, 1, 50, 1e+6. */
export function formatLogTick(v: number): string {
  return v >= 1e5 || v < 1e-4 ? v.toExponential(0) : String(Number(v.toPrecision(3)));
}

/** A tick label with no more digits than the step needs. */
export function formatTick(v: number, step: number, percent = false): string {
  const scaled = percent ? v * 100 : v;
  const scaledStep = percent ? step * 100 : step;
  let needs = 0;
  while (needs < 6 && Math.abs(Number(scaledStep.toFixed(needs)) - scaledStep) > 1e-9 * Math.abs(scaledStep)) needs++;
  return scaled.toFixed(needs) + (percent ? '%' : '');
}

/** Rough text width for layout (both renderers use a ~0.6 em advance). */
export const textWidth = (text: string, size: number): number => text.length * size * 0.6;

/** Lays out a line chart (axes, ticks, series, bands, legend) as a {@link Scene}. */
export function layoutLineChart(spec: ChartSpec): Scene {
  const width = spec.width ?? 720;
  const height = spec.height ?? 450;
  const prims: Primitive[] = [{ kind: 'rect', x: 0, y: 0, w: width, h: height, fill: '#ffffff' }];
  // a point can be drawn when finite, and positive on a log axis
  const okX = (x: number) => Number.isFinite(x) && (!spec.xLog || x > 0);
  const okY = (y: number) => Number.isFinite(y) && (!spec.yLog || y > 0);
  const drawable = (s: Series) => s.points.filter(([x, y]) => okX(x) && okY(y));
  const bandYs = spec.series.flatMap((s) => (s.band ?? []).filter(([x]) => okX(x)).flatMap(([, lo, hi]) => [lo, hi]).filter(okY));
  const finite = spec.series.flatMap(drawable);
  const xs = finite.map(([x]) => x);
  const ys = [...finite.map(([, y]) => y), ...bandYs];
  const xLo = spec.xMin ?? (xs.length ? Math.min(...xs) : spec.xLog ? 1 : 0);
  const xHi = xs.length ? Math.max(...xs) : spec.xLog ? 10 : 1;
  const yLo = spec.yMin ?? (ys.length ? Math.min(...ys) : spec.yLog ? 1 : 0);
  const yHi = spec.yMax ?? (ys.length ? Math.max(...ys) : spec.yLog ? 10 : 1);
  const xTicks = spec.xLog ? logTicks(xLo, xHi) : niceTicks(xLo, xHi, 6, spec.xIntegers ? 1 : 0);
  const yTicks = spec.yLog ? logTicks(yLo, yHi) : niceTicks(yLo, yHi);
  const [x0, x1] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [y0, y1] = [spec.yMin ?? yTicks[0], spec.yMax ?? yTicks[yTicks.length - 1]];
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  const xStep = xTicks.length > 1 ? xTicks[1] - xTicks[0] : 1;
  const xLabelOf = (v: number) => (spec.xLog ? formatLogTick(v) : formatTick(v, xStep));
  const yLabelOf = (v: number) => (spec.yLog ? (spec.yPercent ? formatLogTick(v * 100) + '%' : formatLogTick(v)) : formatTick(v, yStep, spec.yPercent));

  const fontSize = 12;
  const yLabels = yTicks.map(yLabelOf);
  const left = 34 + Math.max(...yLabels.map((l) => textWidth(l, fontSize))) + 8;
  const legendWidth = 36 + Math.max(...spec.series.map((s) => textWidth(s.name, fontSize) * 1.05), 40);
  const top = spec.subtitle ? 56 : 40;
  const plot = { left, top, right: width - legendWidth - 24, bottom: height - 52 };
  const tx = (x: number) => (spec.xLog ? Math.log10(x) : x);
  const ty = (y: number) => (spec.yLog ? Math.log10(y) : y);
  const px = (x: number) => plot.left + ((tx(x) - tx(x0)) / (tx(x1) - tx(x0) || 1)) * (plot.right - plot.left);
  const py = (y: number) => plot.bottom - ((ty(y) - ty(y0)) / (ty(y1) - ty(y0) || 1)) * (plot.bottom - plot.top);
  const clampY = (y: number) => Math.min(plot.bottom, Math.max(plot.top, py(y)));

  // grid and ticks
  for (const [i, v] of yTicks.entries()) {
    if (v < y0 - 1e-12 || v > y1 + 1e-12) continue;
    const y = py(v);
    prims.push({ kind: 'line', x1: plot.left, y1: y, x2: plot.right, y2: y, stroke: GRID, width: 1, role: 'grid' });
    prims.push({ kind: 'line', x1: plot.left - 5, y1: y, x2: plot.left, y2: y, stroke: AXIS, width: 1, role: 'tick' });
    prims.push({ kind: 'text', x: plot.left - 8, y, text: yLabels[i], size: fontSize, anchor: 'end', color: TEXT });
  }
  for (const v of xTicks) {
    const x = px(v);
    prims.push({ kind: 'line', x1: x, y1: plot.top, x2: x, y2: plot.bottom, stroke: GRID, width: 1, role: 'grid' });
    prims.push({ kind: 'line', x1: x, y1: plot.bottom, x2: x, y2: plot.bottom + 5, stroke: AXIS, width: 1, role: 'tick' });
    prims.push({ kind: 'text', x, y: plot.bottom + 16, text: xLabelOf(v), size: fontSize, anchor: 'middle', color: TEXT });
  }
  // axes
  prims.push({ kind: 'line', x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: AXIS, width: 1.5, role: 'axis' });
  prims.push({ kind: 'line', x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom, stroke: AXIS, width: 1.5, role: 'axis' });

  // seed bands first (under every line), then the lines; y is clipped to the range by clamping
  spec.series.forEach((s, i) => {
    const band = (s.band ?? []).filter(([x, lo, hi]) => okX(x) && okY(lo) && okY(hi));
    if (band.length < 2) return;
    const upper = band.map(([x, , hi]): [number, number] => [px(x), clampY(hi)]);
    const lower = band.map(([x, lo]): [number, number] => [px(x), clampY(lo)]).reverse();
    prims.push({ kind: 'polygon', points: [...upper, ...lower], fill: s.color ?? PALETTE[i % PALETTE.length], opacity: 0.18, name: s.name });
  });
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = drawable(s).map(([x, y]): [number, number] => [px(x), clampY(y)]);
    prims.push({ kind: 'polyline', points: pts, stroke: color, width: 2, name: s.name, ...(s.dashed ? { dash: DASH } : {}) });
    // markers show where the measurements are when there are few (one per epoch)
    if (pts.length <= 40) for (const [x, y] of pts) prims.push({ kind: 'marker', x, y, r: 3, fill: color });
  });

  // labels
  // titles shrink to fit the width rather than run off the edge
  const fit = (text: string, size: number) => Math.max(9, Math.min(size, (width - 24) / (text.length * 0.62)));
  prims.push({ kind: 'text', x: width / 2, y: 20, text: spec.title, size: fit(spec.title, 15), anchor: 'middle', color: TEXT, bold: true });
  if (spec.subtitle) prims.push({ kind: 'text', x: width / 2, y: 39, text: spec.subtitle, size: fit(spec.subtitle, 12), anchor: 'middle', color: '#555555' });
  prims.push({ kind: 'text', x: (plot.left + plot.right) / 2, y: height - 16, text: spec.xLabel, size: 13, anchor: 'middle', color: TEXT });
  prims.push({ kind: 'text', x: 16, y: (plot.top + plot.bottom) / 2, text: spec.yLabel, size: 13, anchor: 'middle', color: TEXT, rotate: -90 });

  // legend
  const lx = plot.right + 16;
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const ly = plot.top + 8 + i * 20;
    if (s.dashed) {
      // two short strokes: the legend shows the dash
      prims.push({ kind: 'line', x1: lx, y1: ly, x2: lx + 8, y2: ly, stroke: color, width: 3, role: 'legend' });
      prims.push({ kind: 'line', x1: lx + 12, y1: ly, x2: lx + 20, y2: ly, stroke: color, width: 3, role: 'legend' });
    } else {
      prims.push({ kind: 'line', x1: lx, y1: ly, x2: lx + 20, y2: ly, stroke: color, width: 3, role: 'legend' });
    }
    prims.push({ kind: 'text', x: lx + 26, y: ly, text: s.name, size: fontSize, anchor: 'start', color: TEXT });
  });
  return { width, height, primitives: prims };
}
