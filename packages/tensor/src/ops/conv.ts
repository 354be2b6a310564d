import { ENGINE } from '../engine.js';
import { argError, WnError } from '../errors.js';
import type { Conv2dAttrs } from '../kernels.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, pair } from './util.js';

/** A number, [h, w], [top, bottom, left, right], or 'same' / 'valid'. */
export type Padding = number | readonly [number, number] | readonly [number, number, number, number] | 'same' | 'valid';

/** Options of `conv2d`. Sizes are in pixels, a number meaning the same for height and width. */
export interface Conv2dOptions {
  /** Step of the filter, default 1. */
  stride?: number | readonly [number, number];
  /** Zero padding of the input, default 0 (`'same'` keeps the size at stride 1). */
  padding?: Padding;
  /** Spacing between filter taps, default 1. */
  dilation?: number | readonly [number, number];
}

function assertRank4(op: string, arg: string, t: Tensor, layout: string): void {
  assertTensor(op, arg, t);
  if (t.rank !== 4) throw argError(op, arg, `rank 4 ${layout}`, `shape [${t.shape.join(', ')}]`);
}

/** 'same' pads so that out = ceil(in / stride), the extra cell going after (bottom/right). */
function resolvePadding(op: string, padding: Padding, inHW: readonly number[], kHW: readonly number[], stride: readonly number[], dilation: readonly number[]): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const [pt, pb] = samePad(inHW[0], kHW[0], stride[0], dilation[0]);
    const [pl, pr] = samePad(inHW[1], kHW[1], stride[1], dilation[1]);
    return [pt, pb, pl, pr];
  }
  const p = typeof padding === 'number' ? [padding, padding, padding, padding] : padding.length === 2 ? [padding[0], padding[0], padding[1], padding[1]] : [...padding];
  if (p.length !== 4 || p.some((v) => !Number.isInteger(v) || v < 0)) {
    throw argError(op, 'padding', "a non-negative integer, [h, w], [top, bottom, left, right], 'same' or 'valid'", padding);
  }
  return p as [number, number, number, number];
}

function samePad(size: number, k: number, s: number, d: number): [number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max(0, (out - 1) * s + (k - 1) * d + 1 - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function positiveInts(op: string, arg: string, v: number | readonly [number, number] | undefined, dflt: number): [number, number] {
  const p = pair(op, arg, v ?? dflt);
  if (p.some((x) => !Number.isInteger(x) || x < 1)) throw argError(op, arg, 'positive integers', v);
  return p;
}

/** Resolves user options into kernel attributes for an input of spatial size `inHW`. */
export function conv2dAttrs(op: string, options: Conv2dOptions, inHW: readonly number[], kHW: readonly number[]): Conv2dAttrs {
  const stride = positiveInts(op, 'stride', options.stride, 1);
  const dilation = positiveInts(op, 'dilation', options.dilation, 1);
  const pad = resolvePadding(op, options.padding ?? 0, inHW, kHW, stride, dilation);
  return { stride, dilation, pad };
}

/** The [N, outC, outH, outW] output shape of a convolution of input `x` (NCHW) with filter `w` (OIHW). */
export function conv2dOutputShape(x: Shape, w: Shape, a: Conv2dAttrs): number[] {
  const oh = Math.floor((x[2] + a.pad[0] + a.pad[1] - a.dilation[0] * (w[2] - 1) - 1) / a.stride[0]) + 1;
  const ow = Math.floor((x[3] + a.pad[2] + a.pad[3] - a.dilation[1] * (w[3] - 1) - 1) / a.stride[1]) + 1;
  return [x[0], w[0], oh, ow];
}

/**
 * 2-D cross-correlation, as PyTorch's conv2d: x [N, C, H, W], w [outC, C, kh, kw] →
 * [N, outC, outH, outW]. Padding 'same' works for any stride (out = ceil(in / stride)).
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  assertRank4('conv2d', 'x', x, 'NCHW input');
  assertRank4('conv2d', 'w', w, '[outChannels, inChannels, kh, kw] weight');
  if (x.shape[1] !== w.shape[1]) {
    throw new WnError('conv2d', `input has ${x.shape[1]} channels (x [${x.shape.join(', ')}]) but the weight expects ${w.shape[1]} (w [${w.shape.join(', ')}])`);
  }
  const attrs = conv2dAttrs('conv2d', options, x.shape.slice(2), w.shape.slice(2));
  const out = conv2dOutputShape(x.shape, w.shape, attrs);
  if (out[2] < 1 || out[3] < 1) {
    throw new WnError('conv2d', `input ${x.shape[2]}×${x.shape[3]} is too small for kernel ${w.shape[2]}×${w.shape[3]} with these padding/dilation settings (output ${out[2]}×${out[3]})`);
  }
  return conv2dWithAttrs(x, w, attrs);
}

/** conv2d with resolved kernel attributes (used by gradient rules). */
export function conv2dWithAttrs(x: Tensor, w: Tensor, attrs: Conv2dAttrs): Tensor {
  const out = conv2dOutputShape(x.shape, w.shape, attrs);
  return ENGINE.runKernel('conv2d', [x, w], attrs, out, (b, xi, wi) => b.kernels.conv2d(xi, wi, attrs, out));
}

/** The gradient of conv2d with respect to its input (also the forward of a transposed conv). */
export function conv2dBackpropInput(dy: Tensor, w: Tensor, attrs: Conv2dAttrs, inputShape: Shape): Tensor {
  const out = [...inputShape];
  return ENGINE.runKernel('conv2dBackpropInput', [dy, w], attrs, out, (b, di, wi) => b.kernels.conv2dBackpropInput(di, wi, attrs, out));
}

/** The gradient of conv2d with respect to its weight. */
export function conv2dBackpropFilter(x: Tensor, dy: Tensor, attrs: Conv2dAttrs, weightShape: Shape): Tensor {
  const out = [...weightShape];
  return ENGINE.runKernel('conv2dBackpropFilter', [x, dy], attrs, out, (b, xi, di) => b.kernels.conv2dBackpropFilter(xi, di, attrs, out));
}

/** Options of `convTranspose2d` (the gradient of `conv2d` with respect to its input). Sizes are in pixels. */
export interface ConvTranspose2dOptions {
  /** Stride of the convolution this transposes, default 1. */
  stride?: number | readonly [number, number];
  /** Padding of the convolution this transposes (removed from the output), default 0. */
  padding?: number | readonly [number, number];
  /**
   * Extra rows and columns added to the bottom and right of the output (less than the stride), to pick one of the
   * output sizes a strided convolution maps to the same input size; default 0.
   */
  outputPadding?: number | readonly [number, number];
  /** Spacing between filter taps, default 1. */
  dilation?: number | readonly [number, number];
}

/**
 * Transposed convolution, as PyTorch's conv_transpose2d: x [N, inC, H, W], w [inC, outC, kh, kw]
 * → [N, outC, (H−1)·s − 2p + d·(k−1) + outputPadding + 1, ...].
 */
export function convTranspose2d(x: Tensor, w: Tensor, options: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  assertRank4(op, 'x', x, 'NCHW input');
  assertRank4(op, 'w', w, '[inChannels, outChannels, kh, kw] weight');
  if (x.shape[1] !== w.shape[0]) {
    throw new WnError(op, `input has ${x.shape[1]} channels (x [${x.shape.join(', ')}]) but the weight expects ${w.shape[0]} (w [${w.shape.join(', ')}])`);
  }
  const stride = positiveInts(op, 'stride', options.stride, 1);
  const dilation = positiveInts(op, 'dilation', options.dilation, 1);
  const p = pair(op, 'padding', options.padding ?? 0);
  const op2 = pair(op, 'outputPadding', options.outputPadding ?? 0);
  if (p.some((v) => !Number.isInteger(v) || v < 0)) throw argError(op, 'padding', 'non-negative integers', options.padding);
  if (op2.some((v, i) => !Number.isInteger(v) || v < 0 || (v >= stride[i] && v >= dilation[i]))) {
    throw argError(op, 'outputPadding', 'non-negative integers smaller than stride or dilation', options.outputPadding);
  }
  const outH = (x.shape[2] - 1) * stride[0] - 2 * p[0] + dilation[0] * (w.shape[2] - 1) + op2[0] + 1;
  const outW = (x.shape[3] - 1) * stride[1] - 2 * p[1] + dilation[1] * (w.shape[3] - 1) + op2[1] + 1;
  if (outH < 1 || outW < 1) throw new WnError(op, `output would be ${outH}×${outW}; reduce padding`);
  const attrs: Conv2dAttrs = { stride, dilation, pad: [p[0], p[0], p[1], p[1]] };
  return conv2dBackpropInput(x, w, attrs, [x.shape[0], w.shape[1], outH, outW]);
}
