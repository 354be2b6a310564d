/**
 * slice and pad as block copies: both move a box of the smaller tensor to or from a box of the
 * larger one, and the trailing axes where the two shapes agree make contiguous runs. Copying
 * whole runs with TypedArray.set (a memcpy) replaces the reference kernels' per-element index
 * arithmetic, which dominated an LSTM step (its gates are four slices of one matmul, and their
 * gradients four pads).
 */
import type { Shape } from '../../shape.js';
import { sizeOf, stridesOf } from '../../shape.js';

/**
 * Calls `copy(smallOffset, largeOffset, run)` for every contiguous run of the box `small` placed
 * at `begin` inside `large` (same rank), in the small tensor's storage order.
 */
function forEachRun(small: Shape, large: Shape, begin: readonly number[], copy: (smallAt: number, largeAt: number, run: number) => void): void {
  const rank = small.length;
  const total = sizeOf(small);
  if (total === 0) return;
  // Axes from `first` on form one run: every axis after `first` has the full size of `large`.
  let first = rank - 1;
  while (first > 0 && small[first] === large[first]) first--;
  const run = sizeOf(small.slice(first));
  const ls = stridesOf(large);
  let largeAt = begin.reduce((s, b, d) => s + b * ls[d], 0);
  const idx = new Array<number>(first).fill(0);
  for (let smallAt = 0; smallAt < total; smallAt += run) {
    copy(smallAt, largeAt, run);
    // odometer over the axes before `first`
    for (let d = first - 1; d >= 0; d--) {
      largeAt += ls[d];
      if (++idx[d] < small[d]) break;
      largeAt -= ls[d] * small[d];
      idx[d] = 0;
    }
  }
}

/** out = x[begin[0]:begin[0]+out[0], ...] into `y` (out's size). */
export function sliceBlocks(x: Float32Array, xShape: Shape, begin: readonly number[], out: Shape, y: Float32Array): Float32Array {
  if (out.length === 0) {
    if (y.length) y[0] = x[0];
    return y;
  }
  forEachRun(out, xShape, begin, (yAt, xAt, run) => y.set(x.subarray(xAt, xAt + run), yAt));
  return y;
}

/** `y` (out's size) = `value` everywhere, with x placed at offsets `before`. */
export function padBlocks(x: Float32Array, xShape: Shape, before: readonly number[], value: number, out: Shape, y: Float32Array): Float32Array {
  if (out.length === 0) {
    if (y.length) y[0] = x[0];
    return y;
  }
  y.fill(value);
  forEachRun(xShape, out, before, (xAt, yAt, run) => y.set(x.subarray(xAt, xAt + run), yAt));
  return y;
}
