/**
 * Weight normalization (Salimans & Kingma 2016) as a parametrization: the layer's `weight` slot
 * holds a `WeightNorm` whose `compute()` is w = g · v / ‖v‖, the norm taken over every axis but
 * the output-unit axis `dim` (one g per output unit). Trained tensors are `weight_g` (g, shaped as
 * PyTorch: size 1 except on `dim`) and `weight_v` (v, the weight's shape).
 */
import { div, full, mul, normalizeAxis, reshape, sqrt, sum, tidy, WnError, type Rng, type Shape, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { normalInit } from './init.js';
import { Module, Param, Parametrization } from './module.js';
import { resolveRng, type RngOption } from './rng.js';

/** The axes a weight-norm norm runs over: all but `dim`. */
export function normAxes(rank: number, dim: number): number[] {
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== dim);
}

/** ‖v‖ over every axis but `dim`, keeping dims (the shape of g). */
export function weightNormNorm(v: Tensor, dim: number): Tensor {
  return sqrt(sum(mul(v, v), normAxes(v.rank, dim), true));
}

/** w = g · v / ‖v‖ (PyTorch's `torch._weight_norm(v, g, dim)`), written with differentiable ops. */
export function weightNormWeight(v: Tensor, g: Tensor, dim: number): Tensor {
  const d = normalizeAxis('weightNormWeight', dim, v.rank, 'dim');
  const expected = v.shape.map((s, i) => (i === d ? s : 1));
  if (g.size !== v.shape[d]) throw new WnError('weightNormWeight', `g must have ${v.shape[d]} elements (shape [${expected.join(', ')}]) for v [${v.shape.join(', ')}] with dim ${d}, got [${g.shape.join(', ')}]`);
  const gk = g.shape.length === expected.length && g.shape.every((s, i) => s === expected[i]) ? g : reshape(g, expected);
  return mul(v, div(gk, weightNormNorm(v, d)));
}

/** g's shape for a weight of shape `shape` normalized per `dim`: PyTorch's weight_g shape. */
export function gShape(shape: Shape, dim: number): number[] {
  return shape.map((s, i) => (i === dim ? s : 1));
}

export class WeightNorm extends Parametrization {
  readonly kind = 'weightNorm';
  readonly g: Param;
  readonly v: Param;
  /** the output-unit axis of the weight (not normalized over) */
  readonly dim: number;

  constructor(g: Param, v: Param, dim: number) {
    super();
    const d = normalizeAxis('WeightNorm', dim, v.shape.length, 'dim');
    const expected = gShape(v.shape, d);
    if (g.shape.length !== expected.length || g.shape.some((s, i) => s !== expected[i])) {
      throw new WnError('WeightNorm', `g must have shape [${expected.join(', ')}] for v [${v.shape.join(', ')}] and dim ${d}, got [${g.shape.join(', ')}]`);
    }
    this.g = g;
    this.v = v;
    this.dim = d;
  }

  originals(): readonly (readonly [string, Param])[] {
    return [
      ['_g', this.g],
      ['_v', this.v],
    ];
  }

  get shape(): Shape {
    return this.v.shape;
  }

  /** w = g · v / ‖v‖ */
  compute(): Tensor {
    return mul(this.v.value, div(this.g.value, this.norm()));
  }

  /** ‖v‖ per output unit (g's shape). */
  norm(): Tensor {
    return weightNormNorm(this.v.value, this.dim);
  }

  /** v / ‖v‖: the unit-norm direction of each output unit's weights. */
  direction(): Tensor {
    return div(this.v.value, this.norm());
  }
}

export interface WeightNormOptions {
  /**
   * The output-unit axis. Defaults to the layer's: 0 for Linear, Conv2d and LSTMCell, 1 for
   * ConvTranspose2d (whose weight is [in, out, kh, kw]; PyTorch's default dim 0 would give one g
   * per *input* channel).
   */
  dim?: number;
  /** The parameter(s) to normalize; default `weight`, or every `weight*` parameter (LSTMCell). */
  name?: string | readonly string[];
  /**
   * 'preserve' (default): v = the current weight, g = ‖v‖, so the layer computes exactly what it
   * did. 'paper': the paper's initialization v ~ N(0, std²) (std 0.05), g = 1, bias = 0 — meant
   * to be followed by `initFromData`.
   */
  init?: 'preserve' | 'paper';
  /** std of v for init 'paper' (default 0.05) */
  std?: number;
  rng?: RngOption;
}

interface WeightNormable {
  weightNormDim?(name: string): number;
}

function defaultNames(layer: Module): string[] {
  const fields = Object.entries(layer);
  if (fields.some(([k, v]) => k === 'weight' && (v instanceof Param || v instanceof Parametrization))) return ['weight'];
  const names = fields.filter(([k, v]) => k.startsWith('weight') && (v instanceof Param || v instanceof Parametrization)).map(([k]) => k);
  if (names.length === 0) {
    const children = layer.namedChildren().map(([k]) => k);
    throw new WnError('weightNorm', `${layer.constructor.name} has no weight parameter to normalize${children.length ? ` (it is a container with ${children.join(', ')}: use weightNormAll, or wrap its layers)` : ''}`);
  }
  return names;
}

/**
 * Reparameterizes a layer's weight as w = g · v / ‖v‖, in place; returns the layer. State names
 * become `weight_g` and `weight_v` (PyTorch's). By default the layer's function is unchanged.
 */
export function weightNorm<M extends Module>(layer: M, options: WeightNormOptions = {}): M {
  if (!(layer instanceof Module)) throw new WnError('weightNorm', `expected a Module, got ${layer === null ? 'null' : typeof layer}`);
  const names = options.name === undefined ? defaultNames(layer) : typeof options.name === 'string' ? [options.name] : [...options.name];
  const init = options.init ?? 'preserve';
  let rng: Rng | undefined;
  const slots = layer as unknown as Record<string, unknown>;
  for (const name of names) {
    const slot = slots[name];
    if (slot instanceof WeightNorm) throw new WnError('weightNorm', `${layer.constructor.name}.${name} is already weight-normalized`);
    if (!(slot instanceof Param)) throw new WnError('weightNorm', `${layer.constructor.name} has no parameter '${name}'`);
    if (slot.shape.length < 2) throw new WnError('weightNorm', `${layer.constructor.name}.${name} has shape [${slot.shape.join(', ')}]; weight norm needs rank ≥ 2`);
    const dim = normalizeAxis('weightNorm', options.dim ?? (layer as WeightNormable).weightNormDim?.(name) ?? 0, slot.shape.length, 'dim');
    const parts = noGrad(() => tidy(() => {
      if (init === 'paper') {
        rng ??= resolveRng(options.rng);
        return { v: normalInit(slot.shape, options.std ?? 0.05, rng), g: full(gShape(slot.shape, dim), 1) };
      }
      return { v: slot.value, g: weightNormNorm(slot.value, dim) };
    }));
    if (init === 'paper') slot.value.dispose();
    slots[name] = new WeightNorm(new Param(parts.g, { trainable: slot.trainable }), new Param(parts.v, { trainable: slot.trainable }), dim);
  }
  if (init === 'paper') {
    const bias = slots.bias;
    if (bias instanceof Param) noGrad(() => bias.update(full(bias.shape, 0)));
  }
  return layer;
}

/** Applies `weightNorm` to every descendant layer with a weight (optionally filtered by path). */
export function weightNormAll<M extends Module>(model: M, options: Omit<WeightNormOptions, 'name'> & { filter?: (path: string, layer: Module) => boolean } = {}): M {
  const { filter, ...rest } = options;
  let count = 0;
  for (const [path, m] of model.namedModules()) {
    const fields = Object.entries(m);
    const hasWeight = fields.some(([k, v]) => k.startsWith('weight') && v instanceof Param && v.shape.length >= 2);
    if (!hasWeight || (filter && !filter(path, m))) continue;
    weightNorm(m, rest);
    count++;
  }
  if (count === 0) throw new WnError('weightNormAll', 'found no layer with a weight of rank ≥ 2 to normalize');
  return model;
}

/** Folds weight norm back into a plain `weight` parameter with the same value; returns the layer. */
export function removeWeightNorm<M extends Module>(layer: M, options: { name?: string | readonly string[] } = {}): M {
  const slots = layer as unknown as Record<string, unknown>;
  const names = options.name === undefined
    ? Object.entries(slots).filter(([, v]) => v instanceof WeightNorm).map(([k]) => k)
    : typeof options.name === 'string' ? [options.name] : [...options.name];
  if (names.length === 0) throw new WnError('removeWeightNorm', `${layer.constructor.name} has no weight-normalized parameter`);
  for (const name of names) {
    const slot = slots[name];
    if (!(slot instanceof WeightNorm)) throw new WnError('removeWeightNorm', `${layer.constructor.name}.${name} is not weight-normalized`);
    const w = noGrad(() => tidy(() => slot.compute()));
    slots[name] = new Param(w, { trainable: slot.v.trainable });
    slot.g.value.dispose();
    slot.v.value.dispose();
  }
  return layer;
}

/** Whether a module (or any descendant) has a weight-normalized parameter. */
export function hasWeightNorm(model: Module): boolean {
  return model.namedModules().some(([, m]) => Object.values(m).some((v) => v instanceof WeightNorm));
}
