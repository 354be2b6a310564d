import { ENGINE, WnError, add, ones, reshape, zeros, type OpName, type OpRecord, type Tensor } from '@wn/tensor';
import { GRAD_RULES, NON_DIFFERENTIABLE, type DifferentiableOp, type GradRule } from './rules.js';
import { noGrad, Tape, withTape } from './tape.js';

/** Gradients of the recorded computation from `y` back to each of `wrt` (zeros where unreached). */
function backward(tape: Tape, y: Tensor, wrt: readonly Tensor[], dy?: Tensor): Tensor[] {
  return noGrad(() =>
    ENGINE.tidy(() => {
      const grads = new Map<number, Tensor>();
      grads.set(y.id, dy ?? ones(y.shape));
      for (let i = tape.records.length - 1; i >= 0; i--) {
        const r = tape.records[i];
        const g = grads.get(r.output.id);
        if (!g) continue;
        grads.delete(r.output.id);
        if ((NON_DIFFERENTIABLE as readonly OpName[]).includes(r.op)) {
          throw new WnError('backward', `op '${r.op}' is not differentiable but lies between the output and a watched input`);
        }
        const rule = GRAD_RULES[r.op as DifferentiableOp] as GradRule<OpName>;
        const needs = r.inputs.map((x) => tape.dependsOnWatched(x));
        const inputGrads = rule(g, r as OpRecord<OpName>, needs);
        // tensors that may now be unreferenced; a tensor can sit under several ids (passthrough rules)
        const maybeFree: Tensor[] = [g];
        r.inputs.forEach((x, k) => {
          const gx = inputGrads[k];
          if (!gx || !tape.dependsOnWatched(x)) {
            if (gx) maybeFree.push(gx);
            return;
          }
          if (gx.shape.length !== x.shape.length || gx.shape.some((d, j) => d !== x.shape[j])) {
            throw new WnError('backward', `rule for '${r.op}' returned a gradient of shape [${gx.shape.join(', ')}] for input ${k} of shape [${x.shape.join(', ')}]`);
          }
          const prev = grads.get(x.id);
          grads.set(x.id, prev ? add(prev, gx) : gx);
          if (prev) maybeFree.push(prev, gx);
        });
        // free gradients early so peak memory stays near one pass's worth
        const referenced = new Set(grads.values());
        for (const t of new Set(maybeFree)) if (!referenced.has(t) && t !== dy) t.dispose();
      }
      // passthrough rules (add, same-shape unbroadcast) can hand one tensor, or the caller's dy,
      // to several inputs: each returned gradient gets its own handle so disposing one is safe
      const returned = new Set<Tensor>();
      return wrt.map((x) => {
        const g = grads.get(x.id) ?? zeros(x.shape);
        if (returned.has(g) || g === dy) return reshape(g, g.shape);
        returned.add(g);
        return g;
      });
    }),
  );
}

export interface ValueAndGrads {
  value: Tensor;
  grads: Tensor[];
}

/**
 * Runs `f` (which builds a scalar from `wrt` and anything else) and returns its value and its
 * gradient with respect to each tensor in `wrt`. Intermediates are released; the caller owns
 * `value` and `grads`.
 */
export function valueAndGrads(f: () => Tensor, wrt: readonly Tensor[], options: { dy?: Tensor } = {}): ValueAndGrads {
  const tape = new Tape();
  for (const x of wrt) tape.watch(x);
  try {
    // one scope for f and the backward pass: on success it keeps value and grads, on an error
    // (non-scalar output, a rule failing) it releases everything made here, value included
    return ENGINE.tidy(() => {
      const value = withTape(tape, f);
      if (!(value && typeof value === 'object' && 'shape' in value)) throw new WnError('valueAndGrad', 'the function must return a Tensor');
      if (!options.dy && value.size !== 1) {
        throw new WnError('valueAndGrad', `the function must return a scalar (got shape [${value.shape.join(', ')}]); pass options.dy for non-scalar outputs`);
      }
      const grads = backward(tape, value, wrt, options.dy);
      return { value, grads };
    });
  } finally {
    tape.release();
  }
}

/** valueAndGrad(f)(...xs) → { value: f(...xs), grads: [∂f/∂x for x in xs] }. */
export function valueAndGrad<A extends Tensor[]>(f: (...xs: A) => Tensor): (...xs: A) => ValueAndGrads {
  return (...xs: A) => valueAndGrads(() => f(...xs), xs);
}

/** grad(f)(...xs) → [∂f/∂x for x in xs]. */
export function grad<A extends Tensor[]>(f: (...xs: A) => Tensor): (...xs: A) => Tensor[] {
  return (...xs: A) => {
    const { value, grads } = valueAndGrads(() => f(...xs), xs);
    value.dispose();
    return grads;
  };
}

