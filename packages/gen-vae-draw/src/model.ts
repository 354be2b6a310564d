/**
 * The interface every generative model of this package implements, and the registry the trainer
 * and the `wn-gen --model` option read.
 *
 * A model is built by its registry entry from a variant (a @wn/layers `VariantName`), a seeded
 * `Rng` (all its initial weights come from it) and its settings (sizes, glimpses, …: plain JSON,
 * part of a run's settings, so a resume with other sizes is refused):
 *
 * ```ts
 * const entry = MODELS.vae;
 * const model = entry.build({ variant: 'weightnorm+init', rng: new Rng(1), settings: entry.presets.quick.settings });
 * if (model.variant.dataInit) model.initFromData(x500);          // x: binary images [N, 1, 28, 28]
 * const { loss, parts } = model.loss(x, rng);                      // mean −ELBO (nats/image), differentiable
 * const elbo = model.elbo(x, rng);                                 // [N] per image, analytic KL where there is one
 * const logW = model.logWeights(x, k, rng);                        // [k, N]: log p(x, z_i) − log q(z_i | x)
 * const probs = model.sample(64, rng);                             // [64, 1, 28, 28] pixel probabilities
 * const recon = model.reconstruct(x, rng);                         // [N, 1, 28, 28] pixel probabilities
 * ```
 *
 * Contract:
 * - `module` holds every parameter (the optimizer, the Polyak average and the checkpoint use it);
 *   the model draws all its noise from the `rng` passed to each call, never from a field, so a
 *   checkpoint needs only the trainer's generator positions.
 * - `loss`, `elbo`, `logWeights` take binary images [N, 1, 28, 28] (float 0/1). `elbo` and
 *   `logWeights` are called under `noGrad` by the evaluator; `loss` under gradient recording.
 * - The importance-weighted bound is `logMeanExp(logWeights, 0)`; the evaluator chunks k so that
 *   memory stays bounded (`evaluateBounds` in `evaluate.ts`).
 * - `parts` are plain numbers for the progress line and metrics (e.g. `reconstruction`, `kl`, in nats/image).
 *
 * Registering a model: add its entry to `MODELS` below (the VAE's is `src/vae/entry.ts`).
 */
import type { Rng, Tensor } from '@wn/tensor';
import type { Module, Variant, VariantName } from '@wn/layers';
import { VAE_ENTRY } from './vae/entry.js';
import { DRAW_ENTRY } from './draw/entry.js';

/** A model's own knobs (sizes, glimpses, …): plain JSON values. */
export type ModelSettings = Readonly<Record<string, number | boolean | string>>;

/** A training preset: `quick` (scaled down for a small CPU) or `paper` (the paper's sizes and budget). */
export type Preset = 'quick' | 'paper';
/** The preset names. */
export const PRESETS: readonly Preset[] = ['quick', 'paper'];

/** What {@link GenerativeModel.loss} returns. */
export interface LossResult {
  /** mean negative ELBO over the batch, nats per image (scalar, differentiable) */
  loss: Tensor;
  /** its parts in nats per image, e.g. { reconstruction, kl } */
  parts: Record<string, number>;
}

/**
 * What every generative model of this package implements: training loss, bounds, samples and reconstructions (see
 * the module comment for the shapes).
 */
export interface GenerativeModel {
  /** the registry name ('vae', 'draw') */
  readonly kind: string;
  /** The parameterization the model was built with. */
  readonly variant: Variant;
  /** every parameter of the model */
  readonly module: Module;
  /** data-dependent initialization on a batch of binary images (only for variants with `dataInit`) */
  initFromData(x: Tensor): void;
  /** The mean negative ELBO of binary images x [N, 1, 28, 28] (scalar, differentiable) with its parts. */
  loss(x: Tensor, rng: Rng): LossResult;
  /** the evidence lower bound per image [N] (one posterior sample; analytic KL where available) */
  elbo(x: Tensor, rng: Rng): Tensor;
  /** log importance weights [k, N]: log p(x, z_i) − log q(z_i | x), z_i ~ q(z | x) */
  logWeights(x: Tensor, k: number, rng: Rng): Tensor;
  /** pixel probabilities of n images from the prior [n, 1, 28, 28] */
  sample(n: number, rng: Rng): Tensor;
  /** pixel probabilities of the reconstructions of x [N, 1, 28, 28] */
  reconstruct(x: Tensor, rng: Rng): Tensor;
  /** Disposes every parameter. */
  dispose(): void;
}

/** The optimizer and budget a model trains with under a preset (every field overridable from the CLI). */
export interface TrainingDefaults {
  /** Which optimizer. */
  optimizer: 'adam' | 'adamax';
  /** Learning rate. */
  lr: number;
  /** Adam/Adamax β1. */
  beta1: number;
  /** Adam/Adamax β2. */
  beta2: number;
  /** Minibatch size. */
  batchSize: number;
  /** Epochs. */
  epochs: number;
  /** the first N training / test images; null: all */
  trainLimit: number | null;
  /** See `trainLimit`. */
  testLimit: number | null;
  /** gradient-norm clipping (0: off) */
  clipNorm: number;
  /** Polyak averaging of the parameters for evaluation (0: off) */
  emaDecay: number;
  /** images of the data-dependent init batch */
  initBatchSize: number;
  /** the importance samples of the per-epoch IW bound (0: only the ELBO) and on how many (the first) test images */
  evalK: number;
  /** Test images of the per-epoch IW bound. */
  evalKImages: number;
  /** The model's own settings (sizes). */
  settings: ModelSettings;
}

/** A model of the registry: its name, variants, presets, and how to build it. */
export interface ModelEntry {
  /** The registry name (`'vae'`, `'draw'`). */
  readonly name: string;
  /** one line for --help and reports */
  readonly summary: string;
  /** the variants this model can be built under, and those `compare` runs by default */
  readonly variants: readonly VariantName[];
  /** The variants `compare` runs by default. */
  readonly compareVariants: readonly VariantName[];
  /** The training defaults per preset. */
  readonly presets: Readonly<Record<Preset, TrainingDefaults>>;
  /** checked settings (an error names the bad one) */
  build(options: { variant: VariantName; rng: Rng; settings: ModelSettings }): GenerativeModel;
  /** the settings in words, for reports ("width 1/2 (8/16 channels), z 32, hidden 450") */
  describe(settings: ModelSettings): string;
}

/** The registry: `wn-gen --model <name>`. */
export const MODELS: Readonly<Record<string, ModelEntry>> = {
  vae: VAE_ENTRY,
  draw: DRAW_ENTRY,
};

/** The registered model names. */
export const MODEL_NAMES = (): string[] => Object.keys(MODELS);
