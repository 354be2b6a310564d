import { argError, fmt, WnError } from './errors.js';

/** A tensor's shape: one size per axis, outermost first (row-major). */
export type Shape = readonly number[];

/** The number of elements of a tensor of `shape` (1 for a scalar's `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Whether two shapes are the same. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertValidShape(op: string, arg: string, shape: Shape): void {
  if (!Array.isArray(shape)) throw argError(op, arg, 'an array of non-negative integers', shape);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw argError(op, arg, 'an array of non-negative integers', shape);
  }
}

/** NumPy broadcasting of two shapes; throws naming both shapes when they are incompatible. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new WnError(op, `shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalizes one axis (negative counts from the end). */
export function normalizeAxis(op: string, axis: number, rank: number, arg = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw argError(op, arg, `an integer in [${-rank}, ${rank - 1}]`, axis);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalizes a list of axes (undefined means all), sorted, without duplicates. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank, 'axes'));
  if (new Set(out).size !== out.length) throw argError(op, 'axes', 'distinct axes', axes);
  return out.sort((x, y) => x - y);
}

/** Multi-index iteration helper: the flat offset into a tensor of `shape` broadcast to `outShape`. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(shape);
  const rank = outShape.length;
  const out = new Array<number>(rank).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const o = rank - shape.length + i;
    out[o] = shape[i] === 1 ? 0 : strides[i];
  }
  return out;
}
