/** Linear, Conv2d, ConvTranspose2d: a weight (plain or parametrized, e.g. weight-normalized) and a bias. */
import {
  add, conv2d, convTranspose2d, matmul, reshape, type Conv2dOptions, type ConvTranspose2dOptions, type Padding, type Rng, type Tensor,
} from '@wn/tensor';
import { activeDataInit } from '../context.js';
import { kaimingUniformA5, uniformInit } from '../init.js';
import { Layer, Param, resolveSlot, type WeightSlot } from '../module.js';
import { resolveRng, type RngOption } from '../rng.js';

const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * A layer computing y = op(x, w) + b where each output unit owns one slice of `weight` along
 * `weightOutAxis`. Weight norm, data-dependent init and state I/O work on any such layer.
 */
export abstract class WeightedLayer extends Layer {
  /**
   * The weight: a {@link Param}, or a parametrization such as weight norm whose value is computed from its
   * originals.
   */
  weight!: WeightSlot;
  /** The bias [outUnits], or null for a layer built with `bias: false`. */
  bias: Param | null = null;

  /** Axis of `weight` that indexes output units (dense and conv: 0; transposed conv: 1). */
  abstract get weightOutAxis(): number;
  /** Number of output units (features or channels). */
  abstract get outUnits(): number;
  /** Axis of the output that indexes units for an output of the given rank (dense: last; conv: 1). */
  abstract outputUnitAxis(rank: number): number;
  /** op(x, w) without the bias, for a given weight tensor (used by data-dependent init). */
  abstract applyWeight(x: Tensor, w: Tensor): Tensor;
  /** Throws a LayerError naming the expected and actual input shapes. */
  protected abstract checkInput(x: Tensor): void;

  /** Default weight-norm axis for a parameter of this layer. */
  weightNormDim(_name: string): number {
    return this.weightOutAxis;
  }

  protected compute(x: Tensor): Tensor {
    this.checkInput(x);
    activeDataInit()?.visit(this, x);
    const y = this.applyWeight(x, resolveSlot(this.weight));
    if (!this.bias) return y;
    const axis = this.outputUnitAxis(y.rank);
    // units on the last axis broadcast as they are (no reshape view per call)
    if (axis === y.rank - 1) return add(y, this.bias.value);
    const shape = y.shape.map((d, i) => (i === axis ? d : 1));
    return add(y, reshape(this.bias.value, shape));
  }
}

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  /** The generator (or a seed) for the default initialization. */
  rng?: RngOption;
}

/** y = x·Wᵀ + b with W [out, in] (PyTorch's layout and default init). Input [..., in]. */
export class Linear extends WeightedLayer {
  /** Size of each input example's last axis. */
  readonly inFeatures: number;
  /** Number of output features. */
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const rng: Rng = resolveRng(options.rng);
    this.weight = new Param(kaimingUniformA5([outFeatures, inFeatures], rng));
    if (options.bias ?? true) this.bias = new Param(uniformInit([outFeatures], 1 / Math.sqrt(inFeatures), rng));
  }

  get weightOutAxis(): number {
    return 0;
  }
  get outUnits(): number {
    return this.outFeatures;
  }
  outputUnitAxis(rank: number): number {
    return rank - 1;
  }

  applyWeight(x: Tensor, w: Tensor): Tensor {
    if (x.rank === 2) return matmul(x, w, { transposeB: true });
    const flat = reshape(x, [-1, this.inFeatures]);
    return reshape(matmul(flat, w, { transposeB: true }), [...x.shape.slice(0, -1), this.outFeatures]);
  }

  protected checkInput(x: Tensor): void {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw this.error(`expected input [N, ${this.inFeatures}] (last axis ${this.inFeatures} features), got ${shapeStr(x.shape)}`);
    }
  }
}

const pairOf = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** Options of {@link Conv2d}: the convolution's (stride, padding, dilation) and the layer's. */
export interface Conv2dLayerOptions extends Conv2dOptions {
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  /** The generator (or a seed) for the default initialization. */
  rng?: RngOption;
}

/** 2-D convolution (cross-correlation) with weight [out, in, kh, kw], PyTorch's layout and init. */
export class Conv2d extends WeightedLayer {
  /** Input channels C of NCHW input. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Filter size, [height, width]. */
  readonly kernelSize: [number, number];
  /** Filter step (default 1). */
  readonly stride: number | readonly [number, number];
  /** Zero padding of the input (default 0). */
  readonly padding: Padding;
  /** Spacing between filter taps (default 1). */
  readonly dilation: number | readonly [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dLayerOptions = {}) {
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pairOf(kernelSize);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    const rng = resolveRng(options.rng);
    const shape = [outChannels, inChannels, ...this.kernelSize];
    this.weight = new Param(kaimingUniformA5(shape, rng));
    if (options.bias ?? true) this.bias = new Param(uniformInit([outChannels], 1 / Math.sqrt(inChannels * this.kernelSize[0] * this.kernelSize[1]), rng));
  }

  get weightOutAxis(): number {
    return 0;
  }
  get outUnits(): number {
    return this.outChannels;
  }
  outputUnitAxis(): number {
    return 1;
  }

  applyWeight(x: Tensor, w: Tensor): Tensor {
    return conv2d(x, w, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }

  protected checkInput(x: Tensor): void {
    if (x.rank !== 4 || x.shape[1] !== this.inChannels) {
      throw this.error(`expected input [N, ${this.inChannels}, H, W], got ${shapeStr(x.shape)}`);
    }
  }
}

/** Options of {@link ConvTranspose2d}: the transposed convolution's and the layer's. */
export interface ConvTranspose2dLayerOptions extends ConvTranspose2dOptions {
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  /** The generator (or a seed) for the default initialization. */
  rng?: RngOption;
}

/**
 * Transposed 2-D convolution with weight [in, out, kh, kw] (PyTorch's layout). Default init as
 * PyTorch: fan_in = weight.shape[1]·kh·kw = out·kh·kw. Weight norm defaults to axis 1 (one g per
 * output channel), not PyTorch's dim 0.
 */
export class ConvTranspose2d extends WeightedLayer {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Filter size, [height, width]. */
  readonly kernelSize: [number, number];
  /** Stride of the convolution this transposes (default 1). */
  readonly stride: number | readonly [number, number];
  /** Padding of the convolution this transposes (default 0). */
  readonly padding: number | readonly [number, number];
  /** Extra rows and columns on the bottom and right of the output (default 0). */
  readonly outputPadding: number | readonly [number, number];
  /** Spacing between filter taps (default 1). */
  readonly dilation: number | readonly [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvTranspose2dLayerOptions = {}) {
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pairOf(kernelSize);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.outputPadding = options.outputPadding ?? 0;
    this.dilation = options.dilation ?? 1;
    const rng = resolveRng(options.rng);
    const shape = [inChannels, outChannels, ...this.kernelSize];
    this.weight = new Param(kaimingUniformA5(shape, rng));
    if (options.bias ?? true) this.bias = new Param(uniformInit([outChannels], 1 / Math.sqrt(outChannels * this.kernelSize[0] * this.kernelSize[1]), rng));
  }

  get weightOutAxis(): number {
    return 1;
  }
  get outUnits(): number {
    return this.outChannels;
  }
  outputUnitAxis(): number {
    return 1;
  }

  applyWeight(x: Tensor, w: Tensor): Tensor {
    return convTranspose2d(x, w, { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation });
  }

  protected checkInput(x: Tensor): void {
    if (x.rank !== 4 || x.shape[1] !== this.inChannels) {
      throw this.error(`expected input [N, ${this.inChannels}, H, W], got ${shapeStr(x.shape)}`);
    }
  }
}
