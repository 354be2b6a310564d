import { ENGINE, WnError, fuse, fusedElementwise, ones, reshape, zeros, type FusedProgram, type FusedValue, type OpName, type OpRecord, type Tensor } from '@wn/tensor';
import { GRAD_RULES, NON_DIFFERENTIABLE, type DifferentiableOp, type GradRule } from './rules.js';
import { noGrad, Tape, withTape } from './tape.js';

const NON_DIFFERENTIABLE_OPS: ReadonlySet<OpName> = new Set<OpName>(NON_DIFFERENTIABLE);

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** How many gradient contributions to one tensor are held before they are summed (bounds memory). */
const MAX_PENDING = 8;
const sumPrograms = new Map<number, FusedProgram>();

/** a + b + c + … left to right in one fused pass (the same roundings as chained adds). */
function sumAll(ts: readonly Tensor[]): Tensor {
  if (ts.length === 1) return ts[0];
  let p = sumPrograms.get(ts.length);
  if (!p) sumPrograms.set(ts.length, (p = fuse(ts.length, (xs, k) => xs.slice(1).reduce<FusedValue>((a, b) => k.add(a, b), xs[0]))));
  return fusedElementwise(p, ts);
}

/**
 * Gradient contributions per tensor id, summed only when the gradient is needed: a weight used at
 * every step of an unrolled RNN gets its k contributions added in one pass instead of k−1 adds
 * (each a full read-read-write pass and an allocation). Counts references so a tensor handed to
 * several ids (passthrough rules) is freed only when no list holds it.
 */
class GradientAccumulator {
  private readonly pending = new Map<number, Tensor[]>();
  private readonly refs = new Map<Tensor, number>();

  constructor(private readonly keep: Tensor | undefined) {}

  add(id: number, g: Tensor): void {
    let list = this.pending.get(id);
    if (!list) this.pending.set(id, (list = []));
    list.push(g);
    this.refs.set(g, (this.refs.get(g) ?? 0) + 1);
    if (list.length >= MAX_PENDING) this.add(id, this.take(id)!);
  }

  /** The summed gradient of `id` (removed from the accumulator), or undefined if none arrived. */
  take(id: number): Tensor | undefined {
    const list = this.pending.get(id);
    if (!list) return undefined;
    this.pending.delete(id);
    for (const g of list) this.refs.set(g, this.refs.get(g)! - 1);
    if (list.length === 1) return list[0];
    const total = sumAll(list);
    for (const g of new Set(list)) this.release(g);
    return total;
  }

  /** Frees `t` unless a pending list still holds it (or it is the caller's dy). */
  release(t: Tensor): void {
    if (!(this.refs.get(t)! > 0) && t !== this.keep) {
      this.refs.delete(t);
      t.dispose();
    }
  }
}

/** Gradients of the recorded computation from `y` back to each of `wrt` (zeros where unreached). */
function backward(tape: Tape, y: Tensor, wrt: readonly Tensor[], dy?: Tensor): Tensor[] {
  return noGrad(() =>
    ENGINE.tidy(() => {
      const grads = new GradientAccumulator(dy);
      grads.add(y.id, dy ?? ones(y.shape));
      for (let i = tape.records.length - 1; i >= 0; i--) {
        const r = tape.records[i];
        const g = grads.take(r.output.id);
        if (!g) continue;
        if (NON_DIFFERENTIABLE_OPS.has(r.op)) {
          throw new WnError('backward', `op '${r.op}' is not differentiable but lies between the output and a watched input`);
        }
        const rule = GRAD_RULES[r.op as DifferentiableOp] as GradRule<OpName>;
        const inputs = r.inputs;
        const needs = new Array<boolean>(inputs.length);
        for (let k = 0; k < inputs.length; k++) needs[k] = tape.dependsOnWatched(inputs[k]);
        const inputGrads = rule(g, r as OpRecord<OpName>, needs);
        // g, and gradients nobody takes, may now be unreferenced; a tensor can sit under several
        // ids (passthrough rules), which release() accounts for
        let unused: Tensor[] | undefined;
        for (let k = 0; k < inputs.length; k++) {
          const gx = inputGrads[k], x = inputs[k];
          if (!gx) continue;
          if (!needs[k]) {
            (unused ??= []).push(gx);
            continue;
          }
          if (!sameShape(gx.shape, x.shape)) {
            throw new WnError('backward', `rule for '${r.op}' returned a gradient of shape [${gx.shape.join(', ')}] for input ${k} of shape [${x.shape.join(', ')}]`);
          }
          grads.add(x.id, gx);
        }
        // free gradients early so peak memory stays near one pass's worth
        grads.release(g);
        if (unused) for (const t of new Set(unused)) if (t !== g) grads.release(t);
      }
      // passthrough rules (add, same-shape unbroadcast) can hand one tensor, or the caller's dy,
      // to several inputs: each returned gradient gets its own handle so disposing one is safe
      const byId = new Map<number, Tensor>();
      const returned = new Set<Tensor>();
      return wrt.map((x) => {
        let g = byId.get(x.id);
        if (!g) byId.set(x.id, (g = grads.take(x.id) ?? zeros(x.shape)));
        if (returned.has(g) || g === dy) return reshape(g, g.shape);
        returned.add(g);
        return g;
      });
    }),
  );
}

/** What {@link valueAndGrads} returns: the value and its gradient with respect to every input. */
export interface ValueAndGrads {
  /** The function's value (a tensor the caller owns). */
  value: Tensor;
  /** dValue/dInput per input, in the order of the inputs (each of its input's shape). */
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

