/**
 * Weight normalization (Salimans & Kingma 2016) as a parametrization: `weightNorm(layer)` is
 * `parametrize(layer, 'weight', new WeightNorm(dim))`, so the slot computes w = g · v / ‖v‖, the
 * norm taken over every axis but the output-unit axis `dim` (one g per output unit). Trained
 * tensors are `weight_g` (g, shaped as PyTorch: size 1 except on `dim`) and `weight_v` (v).
 */
import { div, full, mul, normalizeAxis, reshape, sqrt, sum, weightNormalize, WnError, type Rng, type Shape, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { normalInit } from './init.js';
import { Module, Param } from './module.js';
import { Parametrization, ParametrizedTensor, type PreActivationStats } from './parametrization.js';
import { isParametrized, parametrize, removeParametrization } from './parametrize.js';
import { resolveRng, type RngOption } from './rng.js';

/** The axes a weight-norm norm runs over: all but `dim`. */
export function normAxes(rank: number, dim: number): number[] {
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== dim);
}

/** ‖v‖ over every axis but `dim`, keeping dims (the shape of g). */
export function weightNormNorm(v: Tensor, dim: number): Tensor {
  return sqrt(sum(mul(v, v), normAxes(v.rank, dim), true));
}

/**
 * w = g · v / ‖v‖ (PyTorch's `torch._weight_norm(v, g, dim)`): @wn/tensor's `weightNormalize`,
 * one op with its own gradient (backends without its kernels run the composed ops).
 */
export function weightNormWeight(v: Tensor, g: Tensor, dim: number): Tensor {
  const d = normalizeAxis('weightNormWeight', dim, v.rank, 'dim');
  const expected = v.shape.map((s, i) => (i === d ? s : 1));
  if (g.size !== v.shape[d]) throw new WnError('weightNormWeight', `g must have ${v.shape[d]} elements (shape [${expected.join(', ')}]) for v [${v.shape.join(', ')}] with dim ${d}, got [${g.shape.join(', ')}]`);
  return weightNormalize(v, g, d);
}

/** g's shape for a weight of shape `shape` normalized per `dim`: PyTorch's weight_g shape. */
export function gShape(shape: Shape, dim: number): number[] {
  return shape.map((s, i) => (i === dim ? s : 1));
}

/**
 * Weight norm as a parametrization: `forward(g, v)` = g · v / ‖v‖ (`weightNormWeight`, the one
 * formula), `rightInverse(w)` = (‖w‖, w). Originals are named `<name>_g`, `<name>_v` (PyTorch's
 * `weight_norm` names, not `parametrizations.*`), and it offers data-dependent init: measure with
 * v/‖v‖, then g ← s/σ.
 */
export class WeightNorm extends Parametrization {
  /** the output-unit axis of the weight (not normalized over), non-negative */
  readonly dim: number;

  constructor(dim: number) {
    super();
    if (!Number.isInteger(dim) || dim < 0) throw new WnError('WeightNorm', `dim must be a non-negative integer (the output-unit axis), got ${dim}`);
    this.dim = dim;
  }

  forward(g: Tensor, v: Tensor): Tensor {
    return weightNormWeight(v, g, this.dim);
  }

  /** w recorded for gradients from its known value: a view, no second pass over v. */
  override forwardKnown(w: Tensor, g: Tensor, v: Tensor): Tensor {
    return weightNormalize(v, g, this.dim, w);
  }

  override rightInverse(w: Tensor): Tensor[] {
    if (this.dim >= w.rank) throw new WnError('WeightNorm', `dim ${this.dim} is out of range for a weight of shape [${w.shape.join(', ')}]`);
    return [weightNormNorm(w, this.dim), w];
  }

  override originalNames(name: string): string[] {
    return [`${name}_g`, `${name}_v`];
  }

  /** v / ‖v‖: each output unit's unit-norm direction. */
  override dataInitWeight(_g: Tensor, v: Tensor): Tensor {
    return div(v, weightNormNorm(v, this.dim));
  }

  override dataInit(originals: readonly Param[], stats: PreActivationStats): void {
    const g = originals[0];
    g.update(reshape(div(stats.scale, stats.std), g.shape));
  }
}

/** The trained tensors of a weight-normalized slot: g (PyTorch's `weight_g`) and v (`weight_v`). */
export function weightNormOf(layer: Module, name = 'weight'): { g: Param; v: Param; dim: number } {
  const slot = (layer as unknown as Record<string, unknown>)[name];
  if (!(slot instanceof ParametrizedTensor) || !(slot.parametrization instanceof WeightNorm)) {
    throw new WnError('weightNormOf', `${layer.constructor.name}.${name} is not weight-normalized`);
  }
  const [g, v] = slot.originals;
  return { g, v, dim: slot.parametrization.dim };
}

/** Options of {@link weightNorm}. */
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
  /** The generator (or a seed) for the 'paper' initialization of v. */
  rng?: RngOption;
}

interface WeightNormable {
  weightNormDim?(name: string): number;
}

function defaultNames(layer: Module): string[] {
  const fields = Object.entries(layer);
  if (fields.some(([k, v]) => k === 'weight' && (v instanceof Param || v instanceof ParametrizedTensor))) return ['weight'];
  const names = fields.filter(([k, v]) => k.startsWith('weight') && (v instanceof Param || v instanceof ParametrizedTensor)).map(([k]) => k);
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
    if (slot instanceof ParametrizedTensor) {
      throw new WnError('weightNorm', `${layer.constructor.name}.${name} is already ${slot.parametrization instanceof WeightNorm ? 'weight-normalized' : `parametrized (${slot.parametrization.constructor.name})`}`);
    }
    if (!(slot instanceof Param)) throw new WnError('weightNorm', `${layer.constructor.name} has no parameter '${name}'`);
    if (slot.shape.length < 2) throw new WnError('weightNorm', `${layer.constructor.name}.${name} has shape [${slot.shape.join(', ')}]; weight norm needs rank ≥ 2`);
    const dim = normalizeAxis('weightNorm', options.dim ?? (layer as WeightNormable).weightNormDim?.(name) ?? 0, slot.shape.length, 'dim');
    parametrize(layer, name, new WeightNorm(dim));
    if (init === 'paper') {
      rng ??= resolveRng(options.rng);
      const { g, v } = weightNormOf(layer, name);
      const r = rng;
      noGrad(() => {
        v.update(normalInit(v.shape, options.std ?? 0.05, r));
        g.update(full(g.shape, 1));
      });
    }
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
    ? Object.keys(slots).filter((k) => isParametrized(layer, k, WeightNorm))
    : typeof options.name === 'string' ? [options.name] : [...options.name];
  if (names.length === 0) throw new WnError('removeWeightNorm', `${layer.constructor.name} has no weight-normalized parameter`);
  for (const name of names) {
    if (!isParametrized(layer, name, WeightNorm)) throw new WnError('removeWeightNorm', `${layer.constructor.name}.${name} is not weight-normalized`);
    removeParametrization(layer, name);
  }
  return layer;
}

/** Whether a module (or any descendant) has a weight-normalized parameter. */
export function hasWeightNorm(model: Module): boolean {
  return model.namedModules().some(([, m]) => Object.keys(m).some((k) => isParametrized(m, k, WeightNorm)));
}
