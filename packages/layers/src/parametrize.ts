/**
 * Registering and removing parametrizations (PyTorch's `register_parametrization` /
 * `remove_parametrizations`): `parametrize(layer, 'weight', P)` replaces the parameter by a
 * `ParametrizedTensor` whose originals are `P.rightInverse(weight)`; `removeParametrization`
 * folds it back into a plain parameter.
 */
import { dispose, Tensor, tidy, WnError } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { Module } from './module.js';
import { Param } from './params.js';
import { Parametrization, ParametrizedTensor } from './parametrization.js';

const fmtShape = (s: readonly number[]): string => `[${s.join(', ')}]`;

function slotsOf(op: string, layer: Module): Record<string, unknown> {
  if (!(layer instanceof Module)) throw new WnError(op, `expected a Module, got ${layer === null ? 'null' : typeof layer}`);
  return layer as unknown as Record<string, unknown>;
}

/**
 * Parametrizes `layer[name]` in place with `parametrization`; returns the layer. The originals
 * are `parametrization.rightInverse(current value)`, trainable as the parameter was, so the layer
 * computes what it did (checked: `forward(originals)` must have the parameter's shape).
 */
export function parametrize<M extends Module>(layer: M, name: string, parametrization: Parametrization): M {
  const slots = slotsOf('parametrize', layer);
  if (!(parametrization instanceof Parametrization)) throw new WnError('parametrize', `expected a Parametrization, got ${parametrization === null ? 'null' : typeof parametrization}`);
  const slot = slots[name];
  if (slot instanceof ParametrizedTensor) throw new WnError('parametrize', `${layer.constructor.name}.${name} is already parametrized (${slot.parametrization.constructor.name}); remove that first`);
  if (!(slot instanceof Param)) throw new WnError('parametrize', `${layer.constructor.name} has no parameter '${name}'`);
  const op = `${parametrization.constructor.name}.rightInverse`;
  const inverse = noGrad(() => tidy(() => parametrization.rightInverse(slot.value)));
  const single = inverse instanceof Tensor;
  const tensors = single ? [inverse] : Array.isArray(inverse) ? [...(inverse as readonly unknown[])] : [];
  if (tensors.length === 0 || !tensors.every((t): t is Tensor => t instanceof Tensor)) {
    dispose(tensors.filter((t): t is Tensor => t instanceof Tensor && t !== slot.value));
    throw new WnError(op, 'expected a Tensor or a non-empty array of Tensors');
  }
  const originals = tensors.map((t) => new Param(t, { trainable: slot.trainable }));
  const parametrized = new ParametrizedTensor(parametrization, originals, single, slot.shape);
  try {
    let check: Tensor;
    try {
      check = noGrad(() => tidy(() => parametrized.compute()));
    } catch (e) {
      throw new WnError('parametrize', `${parametrization.constructor.name}.forward fails on the originals of ${layer.constructor.name}.${name} ${fmtShape(slot.shape)}: ${(e as Error).message}`);
    }
    const shape = check.shape;
    check.dispose();
    if (shape.length !== slot.shape.length || shape.some((d, i) => d !== slot.shape[i])) {
      throw new WnError('parametrize', `${parametrization.constructor.name}.forward gives shape ${fmtShape(shape)} for ${layer.constructor.name}.${name} of shape ${fmtShape(slot.shape)}`);
    }
  } catch (e) {
    dispose(tensors.filter((t) => t !== slot.value));
    throw e;
  }
  if (!tensors.includes(slot.value)) slot.value.dispose();
  slots[name] = parametrized;
  return layer;
}

/**
 * Replaces `layer[name]`'s parametrization by a plain parameter; returns the layer. By default the
 * parameter holds the current parametrized value (the layer's function is unchanged); with
 * `leaveParametrized: false` it takes over the single original instead.
 */
export function removeParametrization<M extends Module>(layer: M, name: string, options: { leaveParametrized?: boolean } = {}): M {
  const slots = slotsOf('removeParametrization', layer);
  const slot = slots[name];
  if (!(slot instanceof ParametrizedTensor)) throw new WnError('removeParametrization', `${layer.constructor.name}.${name} is not parametrized`);
  const trainable = slot.trainable;
  if (options.leaveParametrized ?? true) {
    const w = noGrad(() => tidy(() => slot.compute()));
    slot.clearCache();
    for (const p of slot.originals) p.value.dispose();
    slots[name] = new Param(w, { trainable });
    return layer;
  }
  const [original] = slot.originals;
  const fits = slot.originals.length === 1 && original.shape.length === slot.shape.length && original.shape.every((d, i) => d === slot.shape[i]);
  if (!fits) {
    throw new WnError('removeParametrization', `leaveParametrized: false needs one original of the tensor's shape ${fmtShape(slot.shape)}; ${layer.constructor.name}.${name} has ${slot.originals.length} (${slot.originals.map((p) => fmtShape(p.shape)).join(', ')})`);
  }
  slot.clearCache();
  slots[name] = new Param(original.value, { trainable });
  return layer;
}

/** Whether `layer[name]` is parametrized (by `parametrization`'s class, when given). */
export function isParametrized(layer: Module, name: string, kind?: abstract new (...args: never[]) => Parametrization): boolean {
  const slot = (layer as unknown as Record<string, unknown>)[name];
  return slot instanceof ParametrizedTensor && (kind === undefined || slot.parametrization instanceof kind);
}
