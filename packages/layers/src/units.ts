/**
 * Building blocks under each of the paper's variants (preset records in `VARIANTS`, or any
 * `Variant` record), for the experiments and the benchmark: `convUnit` / `denseUnit` return a
 * `Unit` (a Sequential) named `main` (the conv / dense layer) → `norm` (BatchNorm,
 * MeanOnlyBatchNorm or DataInitScale, when the variant has one) → `act` (when given). State names
 * are e.g. `main.weight_g`, `norm.running_mean`.
 *
 * | variant                   | main layer                                     | norm                |
 * | ------------------------- | ---------------------------------------------- | ------------------- |
 * | `standard`                | PyTorch init, with bias                        | — (the authors' baseline: `{ ...VARIANTS.standard, norm: 'dataInitScale', bias: false, dataInit: true }`) |
 * | `weightnorm`              | weight norm of the PyTorch init (g = ‖v‖), bias | —                   |
 * | `weightnorm+init`         | weight norm, v ~ N(0, 0.05²), g = 1, b = 0; run `initFromData` | — |
 * | `batchnorm`               | no bias                                        | BatchNorm           |
 * | `weightnorm+meanonlybn`   | weight norm, no bias                           | MeanOnlyBatchNorm   |
 */
import { WnError, type Padding } from '@wn/tensor';
import { Layer } from './module.js';
import { resolveRng, type RngOption } from './rng.js';
import { Conv2d, ConvTranspose2d, Linear, type WeightedLayer } from './layers/weighted.js';
import { BatchNorm, DataInitScale, MeanOnlyBatchNorm } from './layers/norm.js';
import { Sequential } from './layers/sequential.js';
import { weightNorm } from './weight-norm.js';

/** The user-facing names of the presets (CLI flags, result tables). */
export const VARIANT_NAMES = ['standard', 'weightnorm', 'weightnorm+init', 'batchnorm', 'weightnorm+meanonlybn'] as const;
/**
 * The name of a variant preset: `'standard'`, `'weightnorm'`, `'weightnorm+init'`, `'batchnorm'` or
 * `'weightnorm+meanonlybn'`.
 */
export type VariantName = (typeof VARIANT_NAMES)[number];

/** How a unit is built: every choice an explicit field (the presets are `VARIANTS`). */
export interface Variant {
  /** the preset this variant is, or derives from (the label in tables and charts) */
  readonly name: VariantName;
  /**
   * Weight norm of the main layer: none; 'preserve' (v = the PyTorch init, g = ‖v‖: the same
   * function); 'paper' (v ~ N(0, 0.05²), g = 1, b = 0).
   */
  readonly weightNorm: 'none' | 'preserve' | 'paper';
  /** the layer after the main one: none, BatchNorm, MeanOnlyBatchNorm, or the authors' DataInitScale */
  readonly norm: 'none' | 'batch' | 'meanOnly' | 'dataInitScale';
  /** whether the main layer has a bias */
  readonly bias: boolean;
  /** whether a model built from it needs an `initFromData` pass before training */
  readonly dataInit: boolean;
}

/** The presets, by name: the paper's parameterizations of a layer block. */
export const VARIANTS: Readonly<Record<VariantName, Variant>> = {
  standard: { name: 'standard', weightNorm: 'none', norm: 'none', bias: true, dataInit: false },
  weightnorm: { name: 'weightnorm', weightNorm: 'preserve', norm: 'none', bias: true, dataInit: false },
  'weightnorm+init': { name: 'weightnorm+init', weightNorm: 'paper', norm: 'none', bias: true, dataInit: true },
  batchnorm: { name: 'batchnorm', weightNorm: 'none', norm: 'batch', bias: false, dataInit: false },
  'weightnorm+meanonlybn': { name: 'weightnorm+meanonlybn', weightNorm: 'preserve', norm: 'meanOnly', bias: false, dataInit: false },
};

/** Whether `s` is a preset name. */
export function isVariantName(s: string): s is VariantName {
  return (VARIANT_NAMES as readonly string[]).includes(s);
}

const fieldChoices = { weightNorm: ['none', 'preserve', 'paper'], norm: ['none', 'batch', 'meanOnly', 'dataInitScale'] } as const;

/** The variant a name or record stands for, checked: known values and a consistent data-init choice. */
export function resolveVariant(variant: VariantName | Variant, op = 'variant'): Variant {
  if (typeof variant === 'string') {
    if (!isVariantName(variant)) throw new WnError(op, `variant must be one of ${VARIANT_NAMES.join(', ')}, got '${variant}'`);
    return VARIANTS[variant];
  }
  if (!variant || typeof variant !== 'object') throw new WnError(op, `variant must be a name or a Variant record, got ${variant === null ? 'null' : typeof variant}`);
  if (!isVariantName(variant.name)) throw new WnError(op, `variant.name must be one of ${VARIANT_NAMES.join(', ')}, got '${String(variant.name)}'`);
  for (const [field, choices] of Object.entries(fieldChoices)) {
    const v = (variant as unknown as Record<string, unknown>)[field];
    if (!(choices as readonly unknown[]).includes(v)) throw new WnError(op, `variant.${field} must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
  }
  for (const field of ['bias', 'dataInit'] as const) {
    if (typeof variant[field] !== 'boolean') throw new WnError(op, `variant.${field} must be a boolean, got ${JSON.stringify(variant[field])}`);
  }
  if (variant.norm === 'dataInitScale' && (variant.weightNorm !== 'none' || !variant.dataInit)) {
    throw new WnError(op, `variant.norm 'dataInitScale' needs weightNorm 'none' and dataInit true (its scale is set by data init), got weightNorm '${variant.weightNorm}', dataInit ${variant.dataInit}`);
  }
  if (variant.dataInit && variant.weightNorm === 'none' && variant.norm !== 'dataInitScale') {
    throw new WnError(op, `variant.dataInit needs something to initialize: weight norm or norm 'dataInitScale', got weightNorm 'none', norm '${variant.norm}'`);
  }
  return variant;
}

/** Whether a model built under this variant needs an `initFromData` pass before training. */
export function needsDataInit(variant: VariantName | Variant): boolean {
  return resolveVariant(variant, 'needsDataInit').dataInit;
}

/** Options of {@link denseUnit}, {@link convUnit} and {@link convTransposeUnit}. */
export interface UnitOptions {
  /** a preset name or a Variant record (default 'standard') */
  variant?: VariantName | Variant;
  /** applied after the (normalized) pre-activation, e.g. new LeakyReLU(0.1) */
  activation?: Layer | null;
  /** The generator (or a seed) for every initialization in the block. */
  rng?: RngOption;
  /** BatchNorm / MeanOnlyBatchNorm momentum (default 0.1) */
  momentum?: number;
  /** BatchNorm eps (default 1e-5) */
  eps?: number;
}

/** A layer block built under a variant: `main` → optional `norm` → optional `act`. */
export class Unit extends Sequential {
  constructor(
    /** The variant the block was built under. */
    readonly variant: Variant,
    layers: Record<string, Layer>,
  ) {
    super(layers);
  }

  /** The conv / dense layer. */
  get main(): WeightedLayer {
    return this.get<WeightedLayer>('main');
  }

  /** The normalization layer, if the variant has one. */
  get norm(): Layer | null {
    return this.namedChildren().some(([n]) => n === 'norm') ? this.get('norm') : null;
  }
}

function build(main: (bias: boolean) => WeightedLayer, units: number, options: UnitOptions): Unit {
  // the option was called `parameterization` before the variants became records; a stale key would
  // otherwise be ignored and silently build the standard network
  if ('parameterization' in options) throw new WnError('unit', `the 'parameterization' option is now 'variant' (got parameterization: ${JSON.stringify((options as Record<string, unknown>).parameterization)})`);
  const v = resolveVariant(options.variant ?? 'standard', 'unit');
  const layer = main(v.bias);
  if (v.weightNorm !== 'none') weightNorm(layer, { init: v.weightNorm, rng: options.rng === undefined ? undefined : resolveRng(options.rng) });
  const layers: Record<string, Layer> = { main: layer };
  if (v.norm === 'batch') layers.norm = new BatchNorm(units, { momentum: options.momentum, eps: options.eps });
  else if (v.norm === 'meanOnly') layers.norm = new MeanOnlyBatchNorm(units, { momentum: options.momentum });
  else if (v.norm === 'dataInitScale') layers.norm = new DataInitScale(units);
  if (options.activation) layers.act = options.activation;
  return new Unit(v, layers);
}

/** Options of {@link convUnit}: the unit's and the convolution's. */
export interface ConvUnitOptions extends UnitOptions {
  /** Filter step (default 1). */
  stride?: number | readonly [number, number];
  /** Zero padding (default 0). */
  padding?: Padding;
  /** Spacing between filter taps (default 1). */
  dilation?: number | readonly [number, number];
}

/** A Conv2d(inC, outC, k) block under a variant. */
export function convUnit(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvUnitOptions = {}): Unit {
  const rng = resolveRng(options.rng);
  return build(
    (bias) => new Conv2d(inChannels, outChannels, kernelSize, { stride: options.stride, padding: options.padding, dilation: options.dilation, bias, rng }),
    outChannels,
    { ...options, rng },
  );
}

/** Options of {@link convTransposeUnit}: the unit's and the transposed convolution's. */
export interface ConvTransposeUnitOptions extends UnitOptions {
  /** Stride of the convolution this transposes (default 1). */
  stride?: number | readonly [number, number];
  /** Padding of the convolution this transposes (default 0). */
  padding?: number | readonly [number, number];
  /** Extra rows and columns on the bottom and right of the output (default 0). */
  outputPadding?: number | readonly [number, number];
}

/** A ConvTranspose2d(inC, outC, k) block under a variant (weight norm per output channel). */
export function convTransposeUnit(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvTransposeUnitOptions = {}): Unit {
  const rng = resolveRng(options.rng);
  return build(
    (bias) => new ConvTranspose2d(inChannels, outChannels, kernelSize, { stride: options.stride, padding: options.padding, outputPadding: options.outputPadding, bias, rng }),
    outChannels,
    { ...options, rng },
  );
}

/** A Linear(in, out) block under a variant. */
export function denseUnit(inFeatures: number, outFeatures: number, options: UnitOptions = {}): Unit {
  const rng = resolveRng(options.rng);
  return build((bias) => new Linear(inFeatures, outFeatures, { bias, rng }), outFeatures, { ...options, rng });
}
