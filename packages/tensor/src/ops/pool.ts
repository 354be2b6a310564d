import { ENGINE } from '../engine.js';
import { argError, WnError } from '../errors.js';
import type { Pool2dAttrs } from '../kernels.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { mean } from './reduce.js';
import { assertTensor, pair } from './util.js';

/** Options of `maxPool2d` / `avgPool2d`. Sizes are in pixels, a number meaning the same for height and width. */
export interface Pool2dOptions {
  /** Window size. */
  kernel: number | readonly [number, number];
  /** defaults to the kernel size */
  stride?: number | readonly [number, number];
  /** Padding on every side, default 0: padded cells never win a max and count as zeros in an average. */
  padding?: number | readonly [number, number];
}

function pool(mode: 'max' | 'avg', x: Tensor, options: Pool2dOptions): Tensor {
  const op = mode === 'max' ? 'maxPool2d' : 'avgPool2d';
  assertTensor(op, 'x', x);
  if (x.rank !== 4) throw argError(op, 'x', 'rank 4 NCHW input', `shape [${x.shape.join(', ')}]`);
  const kernel = pair(op, 'kernel', options?.kernel);
  const stride = pair(op, 'stride', options.stride ?? kernel);
  const p = pair(op, 'padding', options.padding ?? 0);
  if ([...kernel, ...stride].some((v) => !Number.isInteger(v) || v < 1)) throw argError(op, 'kernel/stride', 'positive integers', { kernel, stride });
  if (p.some((v, i) => !Number.isInteger(v) || v < 0 || 2 * v > kernel[i])) throw argError(op, 'padding', 'integers in [0, kernel/2]', p);
  const attrs: Pool2dAttrs = { mode, kernel, stride, pad: [p[0], p[0], p[1], p[1]] };
  const oh = Math.floor((x.shape[2] + 2 * p[0] - kernel[0]) / stride[0]) + 1;
  const ow = Math.floor((x.shape[3] + 2 * p[1] - kernel[1]) / stride[1]) + 1;
  if (oh < 1 || ow < 1) throw new WnError(op, `input ${x.shape[2]}×${x.shape[3]} is smaller than the ${kernel[0]}×${kernel[1]} window`);
  const out = [x.shape[0], x.shape[1], oh, ow];
  return ENGINE.runKernel('pool2d', [x], attrs, out, (b, xi) => b.kernels.pool2d(xi, attrs, out));
}

/** Max pooling over NCHW input (PyTorch's max_pool2d; padding never wins). */
export const maxPool2d = (x: Tensor, options: Pool2dOptions) => pool('max', x, options);
/** Average pooling over NCHW input (PyTorch's avg_pool2d with count_include_pad=True). */
export const avgPool2d = (x: Tensor, options: Pool2dOptions) => pool('avg', x, options);

/** Mean over the spatial axes: [N, C, H, W] → [N, C]. */
export function globalAvgPool(x: Tensor): Tensor {
  assertTensor('globalAvgPool', 'x', x);
  if (x.rank !== 4) throw argError('globalAvgPool', 'x', 'rank 4 NCHW input', `shape [${x.shape.join(', ')}]`);
  return mean(x, [2, 3]);
}

/** The gradient of pool2d with respect to its input. */
export function pool2dBackward(dy: Tensor, x: Tensor, attrs: Pool2dAttrs): Tensor {
  const out: Shape = [...x.shape];
  return ENGINE.runKernel('pool2dBackward', [dy, x], attrs, out, (b, di, xi) => b.kernels.pool2dBackward(di, xi, attrs, out));
}
