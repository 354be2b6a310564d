/**
 * Batch normalization (full, as PyTorch's BatchNorm1d/2d), the paper's mean-only batch
 * normalization, and `DataInitScale` (the authors' data-dependent scale for the standard
 * parameterization). Statistics are per unit: axis 1 of [N, C], [N, C, L] or [N, C, H, W].
 */
import { add, batchMoments, batchNormalize, div, fuse, fusedElementwise, mean, mul, ones, reshape, scalar, slice, sqrt, sub, zeros, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { activeDataInit } from '../context.js';
import { Buffer, Layer, Param } from '../module.js';

const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;

/** running·keep + batch·weight in one pass (a running statistic's update; keep = 1 − momentum). */
const RUNNING_UPDATE = fuse(4, ([running, batch, keep, weight], k) => k.add(k.mul(running, keep), k.mul(batch, weight)));

/** Shared input checks and shapes for per-channel layers. */
abstract class ChannelLayer extends Layer {
  /** @param numFeatures C, the number of units (axis 1 of the input). */
  constructor(readonly numFeatures: number) {
    super();
  }

  /**
   * Throws a `LayerError` unless `x` is [N, C], [N, C, L] or [N, C, H, W] with C = `numFeatures`,
   * and, when batch statistics are needed, unless there is more than one value per channel.
   */
  protected checkInput(x: Tensor, needBatchStats: boolean): void {
    if (x.rank < 2 || x.rank > 4 || x.shape[1] !== this.numFeatures) {
      throw this.error(`expected input [N, ${this.numFeatures}] or [N, ${this.numFeatures}, H, W], got ${shapeStr(x.shape)}`);
    }
    if (needBatchStats && this.countPerChannel(x) < 2) {
      throw this.error(`batch statistics need more than one value per channel, got input ${shapeStr(x.shape)} (a batch of one); use eval() mode or a larger batch`);
    }
  }

  /** Every axis of `x` but the channel axis 1: the axes statistics are taken over. */
  protected reduceAxes(x: Tensor): number[] {
    return x.shape.map((_, i) => i).filter((i) => i !== 1);
  }

  /** Values per channel in `x` (N·H·W). */
  protected countPerChannel(x: Tensor): number {
    return x.size / x.shape[1];
  }

  /** A [C] tensor shaped to broadcast along axis 1 of `x`. */
  protected perChannel(t: Tensor, x: Tensor): Tensor {
    return reshape(t, x.shape.map((d, i) => (i === 1 ? d : 1)));
  }
}

/** Options of {@link BatchNorm}. */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the new batch statistics in the running statistics (default 0.1, PyTorch's convention). */
  momentum?: number;
  /** learn γ (`weight`) and β (`bias`); default true */
  affine?: boolean;
}

/**
 * PyTorch's BatchNorm1d/BatchNorm2d: y = (x − μ)/√(σ² + eps)·γ + β with batch statistics (biased
 * variance) in training, running statistics in eval. Running mean/var are updated with momentum
 * and the unbiased variance; `num_batches_tracked` counts the updates (saved as int64).
 */
export class BatchNorm extends ChannelLayer {
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Weight of the new batch statistics in the running statistics (PyTorch's convention). */
  momentum: number;
  /** γ [C], or null without `affine`. */
  weight: Param | null = null;
  /** β [C], or null without `affine`. */
  bias: Param | null = null;
  /** Running mean [C], used in eval mode. */
  running_mean: Buffer;
  /** Running (unbiased) variance [C], used in eval mode. */
  running_var: Buffer;
  /** How many training batches updated the running statistics (saved as int64). */
  num_batches_tracked: Buffer;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    if (options.affine ?? true) {
      this.weight = new Param(ones([numFeatures]));
      this.bias = new Param(zeros([numFeatures]));
    }
    this.running_mean = new Buffer(zeros([numFeatures]));
    this.running_var = new Buffer(ones([numFeatures]));
    this.num_batches_tracked = new Buffer(scalar(0), { dtype: 'I64' });
  }

  protected compute(x: Tensor): Tensor {
    this.checkInput(x, this.training);
    if (this.training && this.weight && this.bias) {
      // one op with its own gradient rule (fused kernels where the backend has them); the running
      // statistics come from one more pass over x, outside the graph
      const y = batchNormalize(x, this.weight.value, this.bias.value, this.eps);
      noGrad(() => {
        const moments = batchMoments(x);
        const c = [this.numFeatures];
        this.updateRunningStats(reshape(slice(moments, [0, 0], [1, c[0]]), c), reshape(slice(moments, [1, 0], [1, c[0]]), c), this.countPerChannel(x));
      });
      return y;
    }
    const axes = this.reduceAxes(x);
    // y = (x − μ)·s + β with the per-channel scale s = γ/√(σ² + eps) formed on [C]-sized tensors:
    // three full passes over x (subtract, scale, shift) instead of four (subtract, divide, ×γ, +β)
    let centered: Tensor;
    let variance: Tensor;
    if (this.training) {
      const mu = mean(x, axes, true);
      centered = sub(x, mu);
      variance = mean(mul(centered, centered), axes, true);
      const varB = variance;
      noGrad(() => {
        const c = [this.numFeatures];
        this.updateRunningStats(reshape(mu, c), reshape(varB, c), this.countPerChannel(x));
      });
    } else {
      centered = sub(x, this.perChannel(this.running_mean.value, x));
      variance = this.perChannel(this.running_var.value, x);
    }
    let scale = div(1, sqrt(add(variance, this.eps)));
    if (this.weight) scale = mul(scale, this.perChannel(this.weight.value, x));
    const y = mul(centered, scale);
    return this.bias ? add(y, this.perChannel(this.bias.value, x)) : y;
  }

  /** Running statistics ← (1 − momentum)·running + momentum·batch (the variance unbiased over n values). */
  private updateRunningStats(mu: Tensor, biasedVar: Tensor, n: number): void {
    const m = this.momentum;
    this.running_mean.update(fusedElementwise(RUNNING_UPDATE, [this.running_mean.value, mu, 1 - m, m]));
    this.running_var.update(fusedElementwise(RUNNING_UPDATE, [this.running_var.value, biasedVar, 1 - m, (m * n) / (n - 1)]));
    this.num_batches_tracked.update(add(this.num_batches_tracked.value, 1));
  }
}

/**
 * Mean-only batch normalization (Salimans & Kingma 2016, section 3): y = x − μ[x] + b with the
 * batch mean per unit in training and the running mean in eval; running mean ← (1−momentum)·avg +
 * momentum·μ (momentum 0.1: the authors' 0.9·avg + 0.1·μ). No division by σ. Its gradient with
 * respect to x is the upstream gradient minus its batch mean, which autograd derives from the
 * composite.
 */
export class MeanOnlyBatchNorm extends ChannelLayer {
  /** Weight of the new batch mean in the running mean (default 0.1). */
  momentum: number;
  /** The learned shift b [C]. */
  bias: Param;
  /** Running mean [C], subtracted in eval mode. */
  running_mean: Buffer;

  constructor(numFeatures: number, options: { momentum?: number } = {}) {
    super(numFeatures);
    this.momentum = options.momentum ?? 0.1;
    this.bias = new Param(zeros([numFeatures]));
    this.running_mean = new Buffer(zeros([numFeatures]));
  }

  protected compute(x: Tensor): Tensor {
    this.checkInput(x, this.training);
    let mu: Tensor;
    if (this.training) {
      mu = mean(x, this.reduceAxes(x), true);
      const m = this.momentum;
      noGrad(() => this.running_mean.update(add(mul(this.running_mean.value, 1 - m), mul(reshape(mu, [this.numFeatures]), m))));
    } else {
      mu = this.perChannel(this.running_mean.value, x);
    }
    // x + (b − μ): the shift is formed per channel, so x is read once
    return add(x, sub(this.perChannel(this.bias.value, x), mu));
  }
}

/**
 * y = x·scale + bias per unit, with `scale` a frozen parameter (trainable: false). Identity until
 * `initFromData` sets scale ← 1/σ and bias ← −μ/σ from a batch: the authors' data-dependent
 * initialization for the standard parameterization (place it after a bias-free layer).
 */
export class DataInitScale extends ChannelLayer {
  /** The frozen scale [C] (1/σ after `initFromData`). */
  scale: Param;
  /** The shift [C] (−μ/σ after `initFromData`, then trained). */
  bias: Param;

  constructor(numFeatures: number) {
    super(numFeatures);
    this.scale = new Param(ones([numFeatures]), { trainable: false });
    this.bias = new Param(zeros([numFeatures]));
  }

  protected compute(x: Tensor): Tensor {
    const init = activeDataInit();
    this.checkInput(x, !!init);
    init?.visit(this, x);
    return add(mul(x, this.perChannel(this.scale.value, x)), this.perChannel(this.bias.value, x));
  }
}
