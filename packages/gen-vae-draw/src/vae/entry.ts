/** The VAE's registry entry: settings, presets (paper / quick) and the builder. */
import { WnError } from '@wn/tensor';
import { resolveVariant, type VariantName } from '@wn/layers';
import type { ModelEntry, ModelSettings, TrainingDefaults } from '../model.js';
import { PAPER_SIZES, type VaeSizes } from './network.js';
import { ConvVae } from './vae.js';

/** The VAE's settings: `width` scales the 16/32 channels; the rest are the sizes of `network.ts`. */
export const VAE_PAPER_SETTINGS = {
  /** Channel multiplier of the 16/32 channels. */
  width: 1,
  /** Units of the fully connected layer. */
  hidden: PAPER_SIZES.hidden,
  /** Latent dimension. */
  latent: PAPER_SIZES.latent,
  /** ResNet blocks per stage. */
  blocks: PAPER_SIZES.blocks,
} as const;

const VAE_VARIANTS: readonly VariantName[] = ['standard', 'weightnorm', 'weightnorm+init'];

/** Channels at a width multiplier (at least 1). */
export const scaledChannels = (base: number, width: number): number => Math.max(1, Math.round(base * width));

function positiveInteger(settings: ModelSettings, name: string): number {
  const v = settings[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new WnError('vae', `setting '${name}': expected an integer ≥ 1, got ${JSON.stringify(v)}`);
  return v;
}

/** The network sizes of checked settings. */
export function vaeSizes(settings: ModelSettings): VaeSizes {
  const known = Object.keys(VAE_PAPER_SETTINGS);
  const unknown = Object.keys(settings).find((k) => !known.includes(k));
  if (unknown !== undefined) throw new WnError('vae', `unknown setting '${unknown}' (the VAE's are ${known.join(', ')})`);
  const width = settings.width;
  if (typeof width !== 'number' || !(width > 0) || !Number.isFinite(width)) throw new WnError('vae', `setting 'width': expected a number > 0, got ${JSON.stringify(width)}`);
  return { c1: scaledChannels(16, width), c2: scaledChannels(32, width), hidden: positiveInteger(settings, 'hidden'), latent: positiveInteger(settings, 'latent'), blocks: positiveInteger(settings, 'blocks') };
}

const PAPER: TrainingDefaults = {
  optimizer: 'adamax',
  lr: 0.002,
  beta1: 0.9,
  beta2: 0.999,
  batchSize: 100,
  epochs: 100,
  trainLimit: null,
  testLimit: null,
  clipNorm: 0,
  // Polyak averaging over about ten epochs of 600 steps (the paper's "about 10 epochs")
  emaDecay: 0.9998,
  initBatchSize: 500,
  evalK: 100,
  evalKImages: 1000,
  settings: VAE_PAPER_SETTINGS,
};

/**
 * Scaled for a 2-core CPU: half the channels (8/16), hidden 128, 2,000 training images, 500 test
 * images, 3 epochs, batch 50, an average with a short horizon (decay 0.95, about 20 steps).
 */
const QUICK: TrainingDefaults = {
  ...PAPER,
  batchSize: 50,
  epochs: 3,
  trainLimit: 2000,
  testLimit: 500,
  emaDecay: 0.95,
  initBatchSize: 200,
  evalK: 20,
  evalKImages: 200,
  settings: { ...VAE_PAPER_SETTINGS, width: 0.5, hidden: 128 },
};

/** The VAE's registry entry (`--model vae`): its variants, presets and settings. */
export const VAE_ENTRY: ModelEntry = {
  name: 'vae',
  summary: 'convolutional ResNet VAE (vae.md §2.3): diagonal Gaussian posterior, z 32, Adamax 0.002 with Polyak averaging',
  variants: VAE_VARIANTS,
  compareVariants: ['standard', 'weightnorm+init'],
  presets: { paper: PAPER, quick: QUICK },
  build({ variant, rng, settings }) {
    if (!VAE_VARIANTS.includes(variant)) throw new WnError('vae', `variant: expected one of ${VAE_VARIANTS.join(', ')}, got '${variant}'`);
    return new ConvVae(vaeSizes(settings), resolveVariant(variant), rng);
  },
  describe(settings) {
    const s = vaeSizes(settings);
    return `channels ${s.c1}/${s.c2} (paper 16/32), hidden ${s.hidden} (paper 450), z ${s.latent}, ${s.blocks} ResNet blocks per stage`;
  },
};
