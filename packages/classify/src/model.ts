/**
 * The paper's CIFAR-10 network (Salimans & Kingma 2016, a ConvPool-CNN-C variant), with a width
 * multiplier and any input size / channel count so scaled-down versions fit a small CPU:
 *
 *   Gaussian noise σ 0.15
 *   3 × conv 3×3, 96 (pad 1), leaky ReLU 0.1
 *   max-pool 2×2, dropout 0.5
 *   3 × conv 3×3, 192 (pad 1), leaky ReLU 0.1
 *   max-pool 2×2, dropout 0.5
 *   conv 3×3, 192 (valid), leaky ReLU 0.1
 *   2 × conv 1×1, 192, leaky ReLU 0.1
 *   global average pool
 *   dense 10
 *
 * Every conv and the dense layer is a @wn/layers unit under the chosen parameterization, so
 * state names read `conv1a.main.weight_v`, `conv2b.norm.running_mean`, `dense.main.weight`.
 */
import { Rng, WnError, type Tensor } from '@wn/tensor';
import {
  convUnit, denseUnit, Dropout, GaussianNoise, GlobalAvgPool2d, isVariantName, LeakyReLU, MaxPool2d, needsDataInit, Sequential, Unit, VARIANT_NAMES, VARIANTS,
  type Layer, type UnitOptions, type Variant, type VariantName,
} from '@wn/layers';

/** The classifier's configuration: parameterization, width, input, classes and regularization. */
export interface ModelConfig {
  /** The parameterization of every conv and dense block. */
  parameterization: VariantName;
  /** channel multiplier: 1 is the paper's 96/192; 1/8 gives 12/24 */
  width: number;
  /** Input channels: 3 for CIFAR-10, 1 for (Fashion-)MNIST. */
  inputChannels: number;
  /** square input side: 32 for CIFAR-10, 28 for (Fashion-)MNIST */
  inputSize: number;
  /** Number of classes (the output layer's width). */
  classes: number;
  /** std of the Gaussian input noise (paper: 0.15) */
  noiseStd: number;
  /** dropout rate after each pooling (paper: 0.5) */
  dropout: number;
  /** negative slope of the leaky ReLUs (paper: 0.1) */
  leakySlope: number;
  /** seeds the initial weights and (through their own generators) the noise and dropout masks */
  seed: number;
  /**
   * weightnorm+meanonlybn: draw v ~ N(0, 0.05²) and set g by data-dependent init, as for
   * weightnorm+init (true), or keep the PyTorch-style init with g = ‖v‖ (false).
   */
  meanOnlyBnDataInit: boolean;
}

/** The paper's model settings (section 5.1): full width, 32×32 RGB input, 10 classes, noise 0.15, dropout 0.5, leaky slope 0.1. */
export const PAPER_MODEL: Omit<ModelConfig, 'parameterization' | 'seed'> = {
  width: 1,
  inputChannels: 3,
  inputSize: 32,
  classes: 10,
  noiseStd: 0.15,
  dropout: 0.5,
  leakySlope: 0.1,
  meanOnlyBnDataInit: true,
};

/** Channel count after the width multiplier (at least 1). */
export const scaledChannels = (base: number, width: number): number => Math.max(1, Math.round(base * width));

/** Seed parts of the noise and dropout generators: apart from the initial weights' stream. */
const NOISE_STREAM = 1;
const DROPOUT_STREAMS = [2, 3] as const;

/**
 * The variant this experiment builds for a configuration: the authors' settings on top of the
 * presets. 'standard' is their baseline (a bias-free layer, then a data-initialized frozen scale
 * and bias); every weight-norm variant starts from the paper's v ~ N(0, 0.05²), g = 1, except
 * weightnorm+meanonlybn without `meanOnlyBnDataInit`, which keeps the PyTorch init with g = ‖v‖
 * and then also needs no data init.
 */
export function modelVariant(config: Pick<ModelConfig, 'parameterization' | 'meanOnlyBnDataInit'>): Variant {
  const p = config.parameterization;
  if (!isVariantName(p)) throw new WnError('ConvPoolCnnC', `parameterization must be one of ${VARIANT_NAMES.join(', ')}, got '${p as string}'`);
  const preset = VARIANTS[p];
  if (p === 'standard') return { ...preset, norm: 'dataInitScale', bias: false, dataInit: true };
  if (p === 'weightnorm+meanonlybn') return config.meanOnlyBnDataInit ? { ...preset, weightNorm: 'paper', dataInit: true } : preset;
  if (preset.weightNorm !== 'none') return { ...preset, weightNorm: 'paper' };
  return preset;
}

/** The classifier: a Sequential of named stages; its noise and dropout layers own their generators. */
export class ConvPoolCnnC extends Sequential {
  /** The configuration the model was built from. */
  readonly config: ModelConfig;

  constructor(config: ModelConfig) {
    const variant = modelVariant(config);
    const afterPools = Math.floor(Math.floor(config.inputSize / 2) / 2);
    if (afterPools < 3) throw new WnError('ConvPoolCnnC', `input size ${config.inputSize} is too small: two 2×2 pools must leave at least 3×3 for the valid 3×3 conv`);
    const rng = new Rng(config.seed);
    const c1 = scaledChannels(96, config.width);
    const c2 = scaledChannels(192, config.width);
    const unitOptions = (activation: boolean): UnitOptions => ({
      variant,
      activation: activation ? new LeakyReLU(config.leakySlope) : null,
      rng,
    });
    const conv = (inC: number, outC: number, k: number, padding: number) => convUnit(inC, outC, k, { ...unitOptions(true), padding });
    const stages: Record<string, Layer> = {
      noise: new GaussianNoise(config.noiseStd, { rng: new Rng(config.seed, NOISE_STREAM) }),
      conv1a: conv(config.inputChannels, c1, 3, 1),
      conv1b: conv(c1, c1, 3, 1),
      conv1c: conv(c1, c1, 3, 1),
      pool1: new MaxPool2d(2),
      drop1: new Dropout(config.dropout, { rng: new Rng(config.seed, DROPOUT_STREAMS[0]) }),
      conv2a: conv(c1, c2, 3, 1),
      conv2b: conv(c2, c2, 3, 1),
      conv2c: conv(c2, c2, 3, 1),
      pool2: new MaxPool2d(2),
      drop2: new Dropout(config.dropout, { rng: new Rng(config.seed, DROPOUT_STREAMS[1]) }),
      conv3a: conv(c2, c2, 3, 0),
      nin1: conv(c2, c2, 1, 0),
      nin2: conv(c2, c2, 1, 0),
      gap: new GlobalAvgPool2d(),
      dense: denseUnit(c2, config.classes, unitOptions(false)),
    };
    super(stages);
    this.config = { ...config };
  }

  /** The parameterized conv/dense units, in forward order. */
  units(): [string, Unit][] {
    return this.namedChildren().filter((e): e is [string, Unit] => e[1] instanceof Unit);
  }

  /** Logits [N, classes] for images [N, C, H, W]. */
  logits(x: Tensor): Tensor {
    return this.forward(x);
  }
}

/** Whether this configuration is trained from a data-dependent initialization. */
export function usesDataInit(config: Pick<ModelConfig, 'parameterization' | 'meanOnlyBnDataInit'>): boolean {
  return needsDataInit(modelVariant(config));
}
