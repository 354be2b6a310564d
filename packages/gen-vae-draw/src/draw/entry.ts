/** DRAW as a `GenerativeModel`, and its registry entry: settings, presets (paper / quick), builder. */
import { add, broadcastTo, mean, neg, reshape, sigmoid, tidy, WnError, type Rng, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { resolveVariant, type Variant } from '@wn/layers';
import type { GenerativeModel, LossResult, ModelEntry, ModelSettings, TrainingDefaults } from '../model.js';
import { DRAW_PRESETS, drawConfig, type DrawConfig } from './config.js';
import { DRAW_VARIANTS, DrawModel, type DrawVariantName } from './model.js';

/** The settings of a run: sizes, with 0 for "no attention" on read or write. */
export const DRAW_PAPER_SETTINGS = {
  /** Glimpses T. */
  steps: DRAW_PRESETS.paper.steps,
  /** Encoder LSTM size. */
  encoder: DRAW_PRESETS.paper.encoderSize,
  /** Decoder LSTM size. */
  decoder: DRAW_PRESETS.paper.decoderSize,
  /** Latent size per glimpse. */
  latent: DRAW_PRESETS.paper.latentSize,
  /** Read patch side N (N × N Gaussian filters; 0: no attention). */
  read: 2,
  /** Write patch side N (0: no attention). */
  write: 5,
} as const;

const SETTING_NAMES = Object.keys(DRAW_PAPER_SETTINGS);

function integerSetting(settings: ModelSettings, name: string, min: number): number {
  const v = settings[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new WnError('draw', `setting '${name}': expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function patchSetting(settings: ModelSettings, name: string): number | null {
  const v = settings[name];
  if (v === 0) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 2) throw new WnError('draw', `setting '${name}': expected 0 (no attention) or an integer ≥ 2 (the N×N patch), got ${JSON.stringify(v)}`);
  return v;
}

/** The model config of checked settings (28×28 MNIST images). */
export function drawSettingsConfig(settings: ModelSettings): DrawConfig {
  const unknown = Object.keys(settings).find((k) => !SETTING_NAMES.includes(k));
  if (unknown !== undefined) throw new WnError('draw', `unknown setting '${unknown}' (DRAW's are ${SETTING_NAMES.join(', ')})`);
  return drawConfig('paper', {
    steps: integerSetting(settings, 'steps', 1),
    encoderSize: integerSetting(settings, 'encoder', 1),
    decoderSize: integerSetting(settings, 'decoder', 1),
    latentSize: integerSetting(settings, 'latent', 1),
    readPatch: patchSetting(settings, 'read'),
    writePatch: patchSetting(settings, 'write'),
  });
}

const IMAGE = [1, 28, 28];

/**
 * DRAW (Gregor et al. 2015) as a {@link GenerativeModel}: binary images [N, 1, 28, 28], negative ELBO loss with
 * analytic KL per glimpse.
 */
export class Draw implements GenerativeModel {
  readonly kind = 'draw';
  readonly module: DrawModel;

  constructor(config: DrawConfig, variant: DrawVariantName | Variant, rng: Rng) {
    this.module = new DrawModel({ config, variant, rng });
  }

  /** The parameterization the model was built with. */
  get variant(): Variant {
    return this.module.variant;
  }

  initFromData(_x: Tensor): void {
    throw new WnError('draw', `DRAW has no data-dependent init (variant '${this.variant.name}'): its weight norm starts at g = ‖v‖ from the standard init`);
  }

  /** The mean negative ELBO of a batch (scalar, differentiable) and its reconstruction and KL parts. */
  loss(x: Tensor, rng: Rng): LossResult {
    return tidy(() => {
      const { loss, reconstruction, kl } = this.module.negativeElbo(x, rng);
      const parts = noGrad(() => ({ reconstruction: mean(reconstruction).item(), kl: mean(kl).item() }));
      return { loss, parts };
    });
  }

  elbo(x: Tensor, rng: Rng): Tensor {
    return tidy(() => {
      const { reconstruction, kl } = this.module.negativeElbo(x, rng);
      return neg(add(reconstruction, kl));
    });
  }

  /** Log importance weights `[k, N]`: the k samples of every image run as one batch of k·N sequences. */
  logWeights(x: Tensor, k: number, rng: Rng): Tensor {
    if (!Number.isInteger(k) || k < 1) throw new WnError('Draw.logWeights', `k: expected an integer ≥ 1, got ${k}`);
    return tidy(() => {
      const n = x.shape[0];
      const xs = k === 1 ? x : reshape(broadcastTo(reshape(x, [1, n, x.size / n]), [k, n, x.size / n]), [k * n, x.size / n]);
      return reshape(this.module.logWeights(xs, rng), [k, n]);
    });
  }

  sample(n: number, rng: Rng): Tensor {
    return tidy(() => {
      const steps = this.module.generate(n, rng);
      return reshape(sigmoid(steps[steps.length - 1]), [n, ...IMAGE]);
    });
  }

  /** σ(c_T) of one pass with z sampled from the posterior (DRAW's reconstruction is stochastic). */
  reconstruct(x: Tensor, rng: Rng): Tensor {
    return tidy(() => reshape(sigmoid(this.module.run(x, rng).logits), [x.shape[0], ...IMAGE]));
  }

  /** Disposes the model's parameters. */
  dispose(): void {
    this.module.dispose();
  }
}

const PAPER: TrainingDefaults = {
  optimizer: 'adam',
  lr: 3e-4,
  beta1: 0.9,
  beta2: 0.999,
  batchSize: 100,
  epochs: 100,
  trainLimit: null,
  testLimit: null,
  clipNorm: 10,
  emaDecay: 0,
  initBatchSize: 100,
  // the DRAW paper reports the single-sample bound; the IW bound is an extra
  evalK: 0,
  evalKImages: 0,
  settings: DRAW_PAPER_SETTINGS,
};

/** T = 16 (a quarter of the paper's), the paper's layer sizes, 2,000 training and 500 test images, 3 epochs. */
const QUICK: TrainingDefaults = {
  ...PAPER,
  batchSize: 64,
  epochs: 3,
  trainLimit: 2000,
  testLimit: 500,
  settings: { ...DRAW_PAPER_SETTINGS, steps: DRAW_PRESETS.quick.steps },
};

/** DRAW's registry entry (`--model draw`): its variants, presets and settings. */
export const DRAW_ENTRY: ModelEntry = {
  name: 'draw',
  summary: 'DRAW (draw.md): LSTM encoder/decoder of 256, z 100 per glimpse, read 2×2 / write 5×5 Gaussian attention, Adam 3e-4, gradient norm clipped at 10',
  variants: DRAW_VARIANTS,
  compareVariants: DRAW_VARIANTS,
  presets: { paper: PAPER, quick: QUICK },
  build({ variant, rng, settings }) {
    if (!(DRAW_VARIANTS as readonly string[]).includes(variant)) throw new WnError('draw', `variant: expected one of ${DRAW_VARIANTS.join(', ')}, got '${variant}'`);
    return new Draw(drawSettingsConfig(settings), resolveVariant(variant), rng);
  },
  describe(settings) {
    const c = drawSettingsConfig(settings);
    const patch = (n: number | null) => (n === null ? 'none' : `${n}×${n}`);
    return `T ${c.steps} (paper 64), LSTMs ${c.encoderSize}/${c.decoderSize} (paper 256), z ${c.latentSize} per step, read ${patch(c.readPatch)}, write ${patch(c.writePatch)}`;
  },
};
