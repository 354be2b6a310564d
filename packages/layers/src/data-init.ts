/**
 * Data-dependent initialization (Salimans & Kingma 2016, section 2.2): one forward pass over a
 * batch in which every layer whose weight's parametrization offers the hook (weight norm:
 * `dataInitWeight` = v/‖v‖, `dataInit`: g ← s/σ), in forward order, computes t = v·x/‖v‖ on its
 * (already initialized) input, sets g ← s/σ[t] and b ← −μ[t]·s/σ[t] (s = `initScale`, 1 by
 * default) and passes on the normalized (t − μ)/σ · s, so afterwards each such pre-activation has
 * mean 0 and std s on that batch. `DataInitScale` layers (the standard variant's
 * variant) get scale ← s/σ (frozen) and bias ← −μ·s/σ the same way.
 */
import { add, div, mean, mul, neg, sqrt, tidy, variance, WnError, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { withDataInit } from './context.js';
import { Layer, Module } from './module.js';
import { ParametrizedTensor } from './parametrization.js';
import { WeightedLayer } from './layers/weighted.js';
import { DataInitScale } from './layers/norm.js';
import { LSTMCell } from './layers/lstm.js';

/** A slot whose parametrization offers data-dependent init (weight norm does). */
function dataInitSlot(slot: unknown): slot is ParametrizedTensor & { parametrization: Required<Pick<ParametrizedTensor['parametrization'], 'dataInit' | 'dataInitWeight'>> } {
  return slot instanceof ParametrizedTensor && !!slot.parametrization.dataInit && !!slot.parametrization.dataInitWeight;
}

/** Options of {@link initFromData}. */
export interface DataInitOptions {
  /**
   * Target std of the initialized pre-activations (the authors' `init_scale`); default 1. A
   * function gives each layer its own, by dotted path (e.g. a smaller scale for an output layer
   * whose input barely varies across the batch, where g = s/σ would otherwise be large).
   */
  initScale?: number | ((path: string) => number);
  /** added to the variance before the square root (default 1e-10, as the authors' code) */
  eps?: number;
  /**
   * Weight-normalized recurrent cells (LSTMCell): 'error' (default) refuses them — the method is
   * not for recurrent weights; 'skip' leaves them as they are and initializes the rest.
   */
  recurrent?: 'error' | 'skip';
}

/** What {@link initFromData} did to one layer. */
export interface DataInitRecord {
  /** dotted path of the layer */
  path: string;
  /** The layer's class name. */
  layer: string;
  /** How many output units the layer has. */
  units: number;
  /** mean and std of t = v·x/‖v‖ (or of the DataInitScale input) per unit, before the update */
  mean: number[];
  /** Standard deviation of the pre-activation per unit before the update (the g ← s/σ divisor). */
  std: number[];
  /** false for a layer without a bias: its output keeps the mean g·μ */
  centered: boolean;
  /** the target std s this layer was initialized to */
  scale: number;
}

/** What {@link initFromData} did: the layers it initialized and the ones it never reached. */
export interface DataInitReport {
  /** initialized layers, in forward order */
  layers: DataInitRecord[];
  /** data-initializable layers the forward pass never reached (left unchanged) */
  notReached: string[];
}

function statsOver(t: Tensor, unitAxis: number, eps: number): { mu: Tensor; sigma: Tensor; count: number } {
  const axes = t.shape.map((_, i) => i).filter((i) => i !== unitAxis);
  const count = t.size / t.shape[unitAxis];
  if (count < 2) {
    throw new WnError('initFromData', `statistics per unit need more than one value, got a pre-activation of shape [${t.shape.join(', ')}] (a batch of one); use a larger batch`);
  }
  return { mu: mean(t, axes), sigma: sqrt(add(variance(t, axes), eps)), count };
}

/**
 * Runs the data-dependent initialization pass. `input` is a batch for `model.forward` (a `Layer`)
 * or a function that runs the model however it needs to (several inputs, custom wiring). Runs
 * without recording gradients, in the model's current mode (batch-norm layers in training mode
 * update their running statistics as in any forward pass).
 */
export function initFromData(model: Module, input: Tensor | (() => unknown), options: DataInitOptions = {}): DataInitReport {
  const scaleOption = options.initScale ?? 1;
  const initScaleOf = (path: string): number => {
    const s = typeof scaleOption === 'function' ? scaleOption(path) : scaleOption;
    if (!(Number.isFinite(s) && s > 0)) throw new WnError('initFromData', `initScale for '${path || '(root)'}' must be a positive finite number, got ${s}`);
    return s;
  };
  const eps = options.eps ?? 1e-10;
  const recurrent = options.recurrent ?? 'error';
  if (!(model instanceof Module)) throw new WnError('initFromData', `expected a Module, got ${model === null ? 'null' : typeof model}`);

  const paths = new Map<Module, string>();
  const targets: Module[] = [];
  for (const [path, m] of model.namedModules()) {
    paths.set(m, path);
    const wnSlots = Object.entries(m).filter(([, v]) => dataInitSlot(v));
    if (m instanceof LSTMCell && wnSlots.length > 0) {
      if (recurrent === 'error') {
        throw new WnError('initFromData', `'${path || '(root)'}' (LSTMCell) has weight-normalized recurrent weights (${wnSlots.map(([k]) => k).join(', ')}); data-dependent initialization does not apply to recurrent weights (the paper keeps the standard init for LSTMs). Pass { recurrent: 'skip' } to leave them as they are.`);
      }
      continue;
    }
    if (m instanceof WeightedLayer && dataInitSlot(m.weight)) targets.push(m);
    else if (m instanceof DataInitScale) targets.push(m);
    else if (wnSlots.length > 0) {
      throw new WnError('initFromData', `'${path || '(root)'}' (${m.constructor.name}) has a weight whose parametrization offers data-dependent init, but is not a layer data-dependent init knows (Linear, Conv2d, ConvTranspose2d)`);
    }
  }
  if (targets.length === 0) {
    throw new WnError('initFromData', `the model (${model.constructor.name}) has no weight-normalized layers (and no DataInitScale layers): nothing to initialize. Apply weightNorm(...) to its layers first, e.g. with convUnit/denseUnit and the 'weightnorm+init' variant.`);
  }
  const run = typeof input === 'function' ? input : (): unknown => {
    if (!(model instanceof Layer)) throw new WnError('initFromData', `${model.constructor.name} is not a single-input Layer; pass a function that runs it instead of a tensor`);
    return model.forward(input);
  };

  const done = new Set<Module>();
  const records: DataInitRecord[] = [];
  const targetSet = new Set(targets);
  const visitor = {
    visit(layer: Module, x: Tensor): void {
      if (!targetSet.has(layer) || done.has(layer)) return;
      done.add(layer);
      const path = paths.get(layer) ?? '';
      const initScale = initScaleOf(path);
      if (layer instanceof WeightedLayer && dataInitSlot(layer.weight)) {
        const slot = layer.weight;
        const t = layer.applyWeight(x, slot.parametrization.dataInitWeight(...slot.originals.map((p) => p.value)));
        const { mu, sigma } = statsOver(t, layer.outputUnitAxis(t.rank), eps);
        slot.parametrization.dataInit(slot.originals, { mean: mu, std: sigma, scale: initScale });
        if (layer.bias) layer.bias.update(neg(mul(mu, div(initScale, sigma))));
        records.push({ path, layer: layer.constructor.name, units: mu.size, mean: mu.toArray(), std: sigma.toArray(), centered: !!layer.bias, scale: initScale });
      } else if (layer instanceof DataInitScale) {
        const { mu, sigma } = statsOver(x, 1, eps);
        const s = div(initScale, sigma);
        layer.scale.update(s);
        layer.bias.update(neg(mul(mu, s)));
        records.push({ path, layer: 'DataInitScale', units: mu.size, mean: mu.toArray(), std: sigma.toArray(), centered: true, scale: initScale });
      }
    },
  };
  withDataInit(visitor, () => noGrad(() => tidy(() => void run())));
  return { layers: records, notReached: targets.filter((t) => !done.has(t)).map((t) => paths.get(t) ?? t.constructor.name) };
}
