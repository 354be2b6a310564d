/**
 * Runs one conformance case on a backend: host inputs, forward, gradients of sum(op(x)·upstream),
 * and the same on `reference64` for comparison.
 */
import { add, dispose, memory, mul, sum, tensor, withBackend, type Shape, type Tensor } from '@wn/tensor';
import { randomValues, seedOf } from '../testing.js';
import { valueAndGrads } from './autograd.js';
import type { InputSpec, OpCase } from './cases.js';

export interface HostTensor {
  shape: Shape;
  values: Float64Array;
}

/** The case's inputs as float32-representable host values (seeded by case name and position). */
export function hostInputs(c: OpCase): HostTensor[] {
  const seed = seedOf(c.name);
  return c.inputs.map((spec: InputSpec, i) => {
    let values: Float64Array;
    if (spec.values) values = Float64Array.from(spec.values, Math.fround);
    else if (spec.awayFromZero) {
      values = randomValues(spec.shape, seed + i);
      for (let k = 0; k < values.length; k++) values[k] = Math.fround(Math.sign(values[k] || 1) * (0.5 + Math.abs(values[k])));
    } else values = randomValues(spec.shape, seed + i, spec);
    return { shape: spec.shape, values };
  });
}

/** Random upstream gradients, one per output. */
export function hostUpstream(c: OpCase, outputs: readonly { shape: Shape }[]): HostTensor[] {
  const seed = seedOf(`${c.name}/upstream`);
  return outputs.map((o, k) => ({ shape: o.shape, values: randomValues(o.shape, seed + k) }));
}

export const asList = (y: Tensor | Tensor[]): Tensor[] => (Array.isArray(y) ? y : [y]);

/** Σ_k sum(outputs[k] · upstream[k]) — the scalar whose gradient is d sum(op(x)·u)/dx. */
export function weightedSum(outputs: readonly Tensor[], upstream: readonly Tensor[]): Tensor {
  let total: Tensor | undefined;
  for (const [k, o] of outputs.entries()) {
    const term = sum(mul(o, upstream[k]));
    total = total ? add(total, term) : term;
  }
  return total!;
}

export interface Observed {
  outputs: HostTensor[];
  /** one per input; empty when the case is not differentiable */
  grads: HostTensor[];
}

function read(t: Tensor): HostTensor {
  return { shape: [...t.shape], values: Float64Array.from(t.dataSync()) };
}

/**
 * Runs the case's forward on `backend` without a tidy scope, so an op that leaves temporaries
 * behind shows up in `memory()`; throws (naming the counts) if anything leaked.
 */
export function runForward(backend: string, c: OpCase, inputs: readonly HostTensor[]): HostTensor[] {
  return withBackend(backend, () => {
    const before = memory();
    const xs = inputs.map((h) => tensor(h.values, h.shape));
    const ys = asList(c.fn(...xs));
    const out = ys.map(read);
    dispose(ys);
    dispose(xs);
    const after = memory();
    if (after.tensors !== before.tensors || after.storages !== before.storages) {
      throw new Error(
        `${c.name} on ${backend}: forward leaked ${after.tensors - before.tensors} tensors / ${after.storages - before.storages} storages ` +
          `(an op left temporaries undisposed)`,
      );
    }
    return out;
  });
}

/** Gradients of Σ sum(op(x)·u) on `backend`; checks that valueAndGrad leaves nothing behind. */
export function runGrads(backend: string, c: OpCase, inputs: readonly HostTensor[], upstream: readonly HostTensor[]): HostTensor[] {
  return withBackend(backend, () => {
    const before = memory();
    const xs = inputs.map((h) => tensor(h.values, h.shape));
    const us = upstream.map((h) => tensor(h.values, h.shape));
    const { value, grads } = valueAndGrads(() => weightedSum(asList(c.fn(...xs)), us), xs);
    const out = grads.map(read);
    dispose([value, grads, xs, us]);
    const after = memory();
    if (after.tensors !== before.tensors || after.storages !== before.storages) {
      throw new Error(
        `${c.name} on ${backend}: valueAndGrad leaked ${after.tensors - before.tensors} tensors / ${after.storages - before.storages} storages`,
      );
    }
    return out;
  });
}
