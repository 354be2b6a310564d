import { ENGINE, WnError, tensor, type Tensor } from '@wn/tensor';
import { valueAndGrads } from './gradients.js';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** finite-difference step (default 1e-6) */
  eps?: number;
  /** pass when |analytic − numeric| ≤ atol + rtol·|numeric| for every element */
  atol?: number;
  /** Relative tolerance (see `atol`). */
  rtol?: number;
}

/** What {@link gradcheck} found: whether every element passed, and the worst one. */
export interface GradcheckResult {
  /** Whether every element of every input's gradient is within tolerance. */
  ok: boolean;
  /** The largest |analytic − numeric| over all elements. */
  maxAbsError: number;
  /** where the worst element is: input index and flat offset */
  worst: {
    /** Which input. */
    input: number;
    /** The element's flat (row-major) offset. */
    index: number;
    /** The gradient from the backward pass. */
    analytic: number;
    /** The central finite difference. */
    numeric: number;
  } | null;
}

/**
 * Compares autograd's gradients of scalar `f` against central finite differences, in float64 on
 * the `reference64` backend. `inputs` are host values with shapes; `f` receives float64 tensors.
 */
export function gradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly { values: ArrayLike<number>; shape: readonly number[] }[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const eps = options.eps ?? 1e-6, atol = options.atol ?? 1e-6, rtol = options.rtol ?? 1e-4;
  return ENGINE.withBackend('reference64', () => {
    const evalAt = (vals: Float64Array[]): number =>
      ENGINE.tidy(() => {
        const y = f(...vals.map((v, i) => tensor(v, inputs[i].shape)));
        if (y.size !== 1) throw new WnError('gradcheck', `f must return a scalar, got shape [${y.shape.join(', ')}]`);
        return y.item();
      });
    const base = inputs.map((x) => Float64Array.from(x.values));
    // in a scope, so the inputs are released even when f throws
    const analytic = ENGINE.tidy(() => {
      const xs = base.map((v, i) => tensor(v, inputs[i].shape));
      return valueAndGrads(() => f(...xs), xs).grads.map((g) => g.dataSync());
    });

    let maxAbsError = 0;
    let worst: GradcheckResult['worst'] = null;
    let ok = true;
    base.forEach((v, i) => {
      for (let j = 0; j < v.length; j++) {
        const orig = v[j];
        v[j] = orig + eps;
        const plus = evalAt(base);
        v[j] = orig - eps;
        const minus = evalAt(base);
        v[j] = orig;
        const numeric = (plus - minus) / (2 * eps);
        const err = Math.abs(analytic[i][j] - numeric);
        if (!(err <= atol + rtol * Math.abs(numeric))) ok = false;
        if (err > maxAbsError || Number.isNaN(err)) {
          maxAbsError = Number.isNaN(err) ? Infinity : err;
          worst = { input: i, index: j, analytic: analytic[i][j], numeric };
        }
      }
    });
    return { ok, maxAbsError, worst };
  });
}
