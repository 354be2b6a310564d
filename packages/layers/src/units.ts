/**
 * Building blocks under each of the paper's parameterizations, for the experiments and the
 * benchmark: `convUnit` / `denseUnit` return a `Unit` (a Sequential) named
 * `main` (the conv / dense layer) → `norm` (BatchNorm, MeanOnlyBatchNorm or DataInitScale, when the
 * parameterization has one) → `act` (when given). State names are e.g. `main.weight_g`,
 * `norm.running_mean`.
 *
 * | parameterization          | main layer                                     | norm                |
 * | ------------------------- | ---------------------------------------------- | ------------------- |
 * | `standard`                | PyTorch init, with bias                        | — (or DataInitScale with `dataInitScale`) |
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

export const PARAMETERIZATIONS = ['standard', 'weightnorm', 'weightnorm+init', 'batchnorm', 'weightnorm+meanonlybn'] as const;
export type Parameterization = (typeof PARAMETERIZATIONS)[number];

export function isParameterization(s: string): s is Parameterization {
  return (PARAMETERIZATIONS as readonly string[]).includes(s);
}

/** Whether a model built under this parameterization needs an `initFromData` pass before training. */
export function needsDataInit(p: Parameterization, options: { dataInitScale?: boolean } = {}): boolean {
  return p === 'weightnorm+init' || (p === 'standard' && !!options.dataInitScale);
}

export interface UnitOptions {
  /** default 'standard' */
  parameterization?: Parameterization;
  /** applied after the (normalized) pre-activation, e.g. new LeakyReLU(0.1) */
  activation?: Layer | null;
  rng?: RngOption;
  /** 'standard' only: bias-free layer followed by the authors' frozen data-dependent scale (DataInitScale) */
  dataInitScale?: boolean;
  /** weight-norm variants: initialization of v ('paper' for weightnorm+init, else 'preserve') */
  wnInit?: 'preserve' | 'paper';
  /** BatchNorm / MeanOnlyBatchNorm momentum (default 0.1) */
  momentum?: number;
  /** BatchNorm eps (default 1e-5) */
  eps?: number;
}

/** A parameterized layer block: `main` → optional `norm` → optional `act`. */
export class Unit extends Sequential {
  constructor(
    readonly parameterization: Parameterization,
    layers: Record<string, Layer>,
  ) {
    super(layers);
  }

  /** The conv / dense layer. */
  get main(): WeightedLayer {
    return this.get<WeightedLayer>('main');
  }

  /** The normalization layer, if the parameterization has one. */
  get norm(): Layer | null {
    return this.namedChildren().some(([n]) => n === 'norm') ? this.get('norm') : null;
  }
}

function build(main: (bias: boolean) => WeightedLayer, units: number, options: UnitOptions): Unit {
  const p = options.parameterization ?? 'standard';
  if (!isParameterization(p)) throw new WnError('unit', `parameterization must be one of ${PARAMETERIZATIONS.join(', ')}, got '${p as string}'`);
  if (options.dataInitScale && p !== 'standard') throw new WnError('unit', `dataInitScale applies to the 'standard' parameterization only, not '${p}'`);
  const withNorm = p === 'batchnorm' || p === 'weightnorm+meanonlybn' || (p === 'standard' && !!options.dataInitScale);
  const layer = main(!withNorm);
  if (p.startsWith('weightnorm')) {
    const init = options.wnInit ?? (p === 'weightnorm+init' ? 'paper' : 'preserve');
    weightNorm(layer, { init, rng: options.rng === undefined ? undefined : resolveRng(options.rng) });
  }
  const layers: Record<string, Layer> = { main: layer };
  if (p === 'batchnorm') layers.norm = new BatchNorm(units, { momentum: options.momentum, eps: options.eps });
  else if (p === 'weightnorm+meanonlybn') layers.norm = new MeanOnlyBatchNorm(units, { momentum: options.momentum });
  else if (withNorm) layers.norm = new DataInitScale(units);
  if (options.activation) layers.act = options.activation;
  return new Unit(p, layers);
}

export interface ConvUnitOptions extends UnitOptions {
  stride?: number | readonly [number, number];
  padding?: Padding;
  dilation?: number | readonly [number, number];
}

/** A Conv2d(inC, outC, k) block under a parameterization. */
export function convUnit(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvUnitOptions = {}): Unit {
  const rng = resolveRng(options.rng);
  return build(
    (bias) => new Conv2d(inChannels, outChannels, kernelSize, { stride: options.stride, padding: options.padding, dilation: options.dilation, bias, rng }),
    outChannels,
    { ...options, rng },
  );
}

export interface ConvTransposeUnitOptions extends UnitOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  outputPadding?: number | readonly [number, number];
}

/** A ConvTranspose2d(inC, outC, k) block under a parameterization (weight norm per output channel). */
export function convTransposeUnit(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvTransposeUnitOptions = {}): Unit {
  const rng = resolveRng(options.rng);
  return build(
    (bias) => new ConvTranspose2d(inChannels, outChannels, kernelSize, { stride: options.stride, padding: options.padding, outputPadding: options.outputPadding, bias, rng }),
    outChannels,
    { ...options, rng },
  );
}

/** A Linear(in, out) block under a parameterization. */
export function denseUnit(inFeatures: number, outFeatures: number, options: UnitOptions = {}): Unit {
  const rng = resolveRng(options.rng);
  return build((bias) => new Linear(inFeatures, outFeatures, { bias, rng }), outFeatures, { ...options, rng });
}
