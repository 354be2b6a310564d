/** Pooling layers over NCHW input. */
import { avgPool2d, globalAvgPool, maxPool2d, reshape, type Tensor } from '@wn/tensor';
import { Layer } from '../module.js';

type Pair = number | readonly [number, number];
/** Options of the pooling layers. Sizes in pixels; a number means the same for height and width. */
export interface PoolOptions {
  /** defaults to the kernel size */
  stride?: Pair;
  /** Padding on every side (default 0). */
  padding?: Pair;
}

const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;

abstract class Pool2dBase extends Layer {
  /** Window step (defaults to the kernel size). */
  readonly stride: Pair;
  /** Padding on every side. */
  readonly padding: Pair;
  /** @param kernelSize Window size, in pixels (a number: square). */
  constructor(readonly kernelSize: Pair, options: PoolOptions = {}) {
    super();
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
  }
  /** Throws a `LayerError` unless `x` is NCHW (rank 4). */
  protected checkRank(x: Tensor): void {
    if (x.rank !== 4) throw this.error(`expected NCHW input [N, C, H, W], got ${shapeStr(x.shape)}`);
  }
}

/** Max pooling over NCHW input (padded cells never win). */
export class MaxPool2d extends Pool2dBase {
  protected compute(x: Tensor): Tensor {
    this.checkRank(x);
    return maxPool2d(x, { kernel: this.kernelSize, stride: this.stride, padding: this.padding });
  }
}

/** Average pooling; padded cells count as zeros (PyTorch's count_include_pad=True). */
export class AvgPool2d extends Pool2dBase {
  protected compute(x: Tensor): Tensor {
    this.checkRank(x);
    return avgPool2d(x, { kernel: this.kernelSize, stride: this.stride, padding: this.padding });
  }
}

/** Mean over H and W: [N, C, H, W] → [N, C] (or [N, C, 1, 1] with keepDims). */
export class GlobalAvgPool2d extends Layer {
  /** @param keepDims Whether to keep H and W as size 1: [N, C, 1, 1] instead of [N, C]. */
  constructor(readonly keepDims = false) {
    super();
  }
  protected compute(x: Tensor): Tensor {
    if (x.rank !== 4) throw this.error(`expected NCHW input [N, C, H, W], got ${shapeStr(x.shape)}`);
    const y = globalAvgPool(x);
    return this.keepDims ? reshape(y, [x.shape[0], x.shape[1], 1, 1]) : y;
  }
}
