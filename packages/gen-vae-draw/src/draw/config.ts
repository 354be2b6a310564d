/** DRAW's sizes and the two presets (`shared/specs/draw.md` §1.6). */
import { WnError } from '@wn/tensor';

/** DRAW's sizes: glimpses, LSTM and latent sizes, attention patches and the image size. */
export interface DrawConfig {
  /** T, the number of glimpses (time steps) */
  readonly steps: number;
  /** hidden size of the encoder LSTM */
  readonly encoderSize: number;
  /** hidden size of the decoder LSTM */
  readonly decoderSize: number;
  /** size of z per step */
  readonly latentSize: number;
  /** read patch N (an N×N grid of Gaussian filters), or null: no attention, read = [x, x̂] */
  readonly readPatch: number | null;
  /** write patch N, or null: no attention, write = a linear map to the whole image */
  readonly writePatch: number | null;
  /** image rows (B in the paper) */
  readonly height: number;
  /** image columns (A in the paper) */
  readonly width: number;
}

/** The DRAW size presets. */
export const DRAW_PRESET_NAMES = ['paper', 'quick'] as const;
/** A DRAW size preset. */
export type DrawPresetName = (typeof DRAW_PRESET_NAMES)[number];

/**
 * `paper`: the DRAW paper's MNIST model with attention (T = 64, LSTMs of 256, z of 100, read 2×2,
 * write 5×5). `quick`: T = 16 with the same layer sizes — a quarter of the paper's cost per image.
 */
export const DRAW_PRESETS: Readonly<Record<DrawPresetName, DrawConfig>> = {
  paper: { steps: 64, encoderSize: 256, decoderSize: 256, latentSize: 100, readPatch: 2, writePatch: 5, height: 28, width: 28 },
  quick: { steps: 16, encoderSize: 256, decoderSize: 256, latentSize: 100, readPatch: 2, writePatch: 5, height: 28, width: 28 },
};

/** A preset with some fields overridden, checked. */
export function drawConfig(base: DrawPresetName | DrawConfig = 'quick', overrides: Partial<DrawConfig> = {}): DrawConfig {
  if (typeof base === 'string' && !(DRAW_PRESET_NAMES as readonly string[]).includes(base)) {
    throw new WnError('drawConfig', `preset must be one of ${DRAW_PRESET_NAMES.join(', ')}, got '${base}'`);
  }
  const config = { ...(typeof base === 'string' ? DRAW_PRESETS[base] : base), ...overrides };
  checkDrawConfig(config);
  return config;
}

/** Throws a `WnError` naming the first field out of range. */
export function checkDrawConfig(c: DrawConfig): void {
  const positive = ['steps', 'encoderSize', 'decoderSize', 'latentSize', 'height', 'width'] as const;
  for (const k of positive) {
    const v = c[k];
    if (!Number.isInteger(v) || v < 1) throw new WnError('DrawConfig', `${k} must be a positive integer, got ${String(v)}`);
  }
  for (const k of ['readPatch', 'writePatch'] as const) {
    const v = c[k];
    if (v !== null && (!Number.isInteger(v) || v < 2)) throw new WnError('DrawConfig', `${k} must be an integer ≥ 2 or null (no attention), got ${String(v)}`);
  }
}
