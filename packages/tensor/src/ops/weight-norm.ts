/**
 * Weight normalization as one op: w = v · (g / ‖v‖), the norm per index of axis `dim` over every
 * other axis (PyTorch's `torch._weight_norm(v, g, dim)`), and its gradient. Backends with the
 * optional `weightNorm` kernels run them (one pass for the norms, one for the scaling, instead of
 * five primitive ops and their ten-odd gradient ops); the others run the decomposition into
 * primitives below, which is also the definition the kernels are checked against.
 */
import { ENGINE } from '../engine.js';
import { argError } from '../errors.js';
import { normalizeAxis, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div, mul, sqrt, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { reshape } from './shape-ops.js';
import { assertTensor } from './util.js';

/** The axes the norm runs over and g's shape with keepdims (size 1 except on `dim`). */
function layout(v: Tensor, dim: number): { axes: number[]; gShape: Shape } {
  return {
    axes: v.shape.map((_, i) => i).filter((i) => i !== dim),
    gShape: v.shape.map((s, i) => (i === dim ? s : 1)),
  };
}

function check(op: string, v: Tensor, g: Tensor, dim: number): number {
  assertTensor(op, 'v', v);
  assertTensor(op, 'g', g);
  if (v.rank < 1) throw argError(op, 'v', 'a tensor of rank ≥ 1', 'a 0-d tensor');
  const d = normalizeAxis(op, dim, v.rank, 'dim');
  if (g.size !== v.shape[d]) throw argError(op, 'g', `${v.shape[d]} elements (one per index of v's axis ${d}; v is [${v.shape.join(', ')}])`, `shape [${g.shape.join(', ')}]`);
  return d;
}

/** ‖v‖ over every axis but `dim` (kept as size 1). */
const norms = (v: Tensor, axes: number[]): Tensor => sqrt(sum(mul(v, v), axes, true));

/**
 * w = v · (g / ‖v‖) with the norm over every axis of v but `dim`; g has one value per index of
 * that axis, in any shape (PyTorch's weight_g, [units, 1, …], or a vector). Differentiable.
 *
 * `known`, when given, is this op's value for the same v, g and dim, computed earlier (say,
 * without gradients for an action) while v and g have not changed since: it is returned as a view
 * and recorded as this op, so gradients flow to v and g without computing w again. The caller
 * vouches for the value; only its shape and backend are checked.
 */
export function weightNormalize(v: Tensor, g: Tensor, dim: number, known?: Tensor): Tensor {
  const d = check('weightNormalize', v, g, dim);
  if (known !== undefined) return recordKnown(v, g, d, known);
  const backend = ENGINE.backendOf('weightNormalize', [v, g]);
  if (backend.kernels.weightNorm) {
    return ENGINE.runKernel('weightNorm', [v, g], { dim: d }, v.shape, (b, vi, gi) => b.kernels.weightNorm!(vi, gi, d, v.shape));
  }
  const { axes, gShape } = layout(v, d);
  return ENGINE.tidy(() => mul(v, div(reshape(g, gShape), norms(v, axes))));
}

/** `weightNormalize` with its value given: a view of `known`, announced as the op. */
function recordKnown(v: Tensor, g: Tensor, dim: number, known: Tensor): Tensor {
  const op = 'weightNormalize';
  assertTensor(op, 'known', known);
  if (known.rank !== v.rank || known.shape.some((s, i) => s !== v.shape[i])) throw argError(op, 'known', `v's shape [${v.shape.join(', ')}]`, `shape [${known.shape.join(', ')}]`);
  ENGINE.backendOf(op, [v, g, known]);
  const output = ENGINE.makeView(known, v.shape);
  ENGINE.announce({ op: 'weightNorm', inputs: [v, g], attrs: { dim }, output });
  return output;
}

/**
 * The gradient of `weightNormalize(v, g, dim)` given the output's gradient dw: with n = ‖v‖ and
 * s = Σ dw·v per index of `dim`, g's gradient s / n (`wrt` 'g', shaped as g) or v's
 * (g / n)·(dw − v·(s / (n·n))) (`wrt` 'v') — PyTorch's formulas. Not itself differentiable.
 */
export function weightNormalizeBackward(dw: Tensor, v: Tensor, g: Tensor, dim: number, wrt: 'v' | 'g'): Tensor {
  const op = 'weightNormalizeBackward';
  const d = check(op, v, g, dim);
  assertTensor(op, 'dw', dw);
  if (dw.shape.length !== v.rank || dw.shape.some((s, i) => s !== v.shape[i])) throw argError(op, 'dw', `v's shape [${v.shape.join(', ')}]`, `shape [${dw.shape.join(', ')}]`);
  if (wrt !== 'v' && wrt !== 'g') throw argError(op, 'wrt', "'v' or 'g'", wrt);
  const out = wrt === 'v' ? v.shape : g.shape;
  const backend = ENGINE.backendOf(op, [dw, v, g]);
  if (backend.kernels.weightNormBackward) {
    return ENGINE.runKernel('weightNormBackward', [dw, v, g], { dim: d, wrt }, out, (b, dwi, vi, gi) => b.kernels.weightNormBackward!(dwi, vi, gi, d, wrt, out));
  }
  const { axes, gShape } = layout(v, d);
  return ENGINE.tidy(() => {
    const n = norms(v, axes);
    const s = sum(mul(dw, v), axes, true);
    if (wrt === 'g') return reshape(div(s, n), g.shape);
    return mul(div(reshape(g, gShape), n), sub(dw, mul(v, div(s, mul(n, n)))));
  });
}
