/**
 * The gradient table: one rule per differentiable op, written with public ops so it runs on any
 * backend. The mapped type makes a new op without a rule (or an explicit "not differentiable"
 * entry) a compile error.
 */
import {
  add, batchNormalizeBackward, gaussianFilterbankBackward, broadcastTo, conv2dBackpropFilter, conv2dBackpropInput, conv2dWithAttrs, cos, div, equal, gather, greater, less,
  log, lstmCellOutputBackward, lstmCellStateBackward, matmul, mul, neg, pad, pow, pool2dBackward, reshape, scatterAdd, sign, sin, slice, sub, sum, transpose,
  weightNormalizeBackward, where, type OpName, type OpRecord, type Tensor,
} from '@wn/tensor';
import { fusedGradient } from './fused-rule.js';
import { unbroadcast } from './unbroadcast.js';

/** Ops whose outputs carry no gradient (integer-valued, batch statistics, or only used inside backward passes). */
export const NON_DIFFERENTIABLE = ['argmax', 'conv2dBackpropFilter', 'pool2dBackward', 'weightNormBackward', 'batchMoments', 'batchNormBackward', 'lstmStateBackward', 'lstmOutputBackward', 'filterbankBackward'] as const;
type NonDifferentiable = (typeof NON_DIFFERENTIABLE)[number];
/** The ops that have a gradient rule: every op a listener can hear except the non-differentiable ones. */
export type DifferentiableOp = Exclude<OpName, NonDifferentiable>;

/**
 * Given dL/d(output), returns dL/d(input) per input (null: no gradient flows to that input).
 * `needs[k]` says whether input k leads back to a watched tensor; rules may skip (return null
 * for) the others — e.g. a conv's input gradient on the first layer, or a constant operand.
 */
export type GradRule<K extends OpName> = (dy: Tensor, record: OpRecord<K>, needs: readonly boolean[]) => (Tensor | null)[];

/** Computes `make()` only when the gradient is wanted. */
const ifNeeded = (need: boolean, make: () => Tensor): Tensor | null => (need ? make() : null);

/**
 * A binary op's two gradients, each summed back to its operand's shape, computed only where
 * wanted. A module-level function: a closure made per call costs more than it seems under tsx,
 * whose keepNames wraps every named arrow in a helper that defines its `name` on creation.
 */
function binaryGrads(needs: readonly boolean[], a: Tensor, b: Tensor, ga: () => Tensor, gb: () => Tensor): (Tensor | null)[] {
  return [needs[0] ? unbroadcast(ga(), a.shape) : null, needs[1] ? unbroadcast(gb(), b.shape) : null];
}

/** Sums a batched gradient over the batch where the operand `x` broadcast (a batch of 1); 2-D operands of a 2-D product need nothing. */
function sumBatchTo(g: Tensor, x: Tensor): Tensor {
  return x.rank === 3 && x.shape[0] === 1 && g.shape[0] !== 1 ? sum(g, 0, true) : g;
}

/** The gradient rule of every differentiable op, keyed by op name: how dL/d(output) becomes dL/d(input) per input. */
export const GRAD_RULES: { [K in DifferentiableOp]: GradRule<K> } = {
  unary(dy, { attrs, inputs: [x], output: y }) {
    switch (attrs.op) {
      case 'neg': return [neg(dy)];
      case 'exp': return [mul(dy, y)];
      case 'log': return [div(dy, x)];
      case 'sqrt': return [div(dy, mul(y, 2))];
      case 'abs': return [mul(dy, sign(x))];
      case 'tanh': return [mul(dy, sub(1, mul(y, y)))];
      case 'sigmoid': return [mul(dy, mul(y, sub(1, y)))];
      case 'reciprocal': return [neg(mul(dy, mul(y, y)))];
      case 'sin': return [mul(dy, cos(x))];
      case 'cos': return [neg(mul(dy, sin(x)))];
      case 'sign':
      case 'floor': return [null];
    }
  },

  binary(dy, { attrs, inputs: [a, b], output: y }, needs) {
    switch (attrs.op) {
      case 'add': return binaryGrads(needs, a, b, () => dy, () => dy);
      case 'sub': return binaryGrads(needs, a, b, () => dy, () => neg(dy));
      case 'mul': return binaryGrads(needs, a, b, () => mul(dy, b), () => mul(dy, a));
      case 'div': return binaryGrads(needs, a, b, () => div(dy, b), () => neg(div(mul(dy, a), mul(b, b))));
      case 'pow':
        return binaryGrads(
          needs, a, b,
          () => mul(dy, mul(b, pow(a, sub(b, 1)))),
          // d/db a^b = a^b·log a, taken as 0 where a = 0 (as PyTorch does)
          () => mul(dy, where(equal(a, 0), 0, mul(y, log(a)))),
        );
      case 'maximum':
      case 'minimum': {
        // ties split the gradient evenly, like torch.maximum
        const wins = attrs.op === 'maximum' ? greater(a, b) : less(a, b);
        const share = add(wins, mul(equal(a, b), 0.5));
        return binaryGrads(needs, a, b, () => mul(dy, share), () => mul(dy, sub(1, share)));
      }
      case 'equal':
      case 'less':
      case 'greater': return [null, null];
    }
  },

  where(dy, { inputs: [c, a, b] }, needs) {
    return [
      null,
      ifNeeded(needs[1], () => unbroadcast(where(c, dy, 0), a.shape)),
      ifNeeded(needs[2], () => unbroadcast(where(c, 0, dy), b.shape)),
    ];
  },

  reduce(dy, { attrs, inputs: [x], output: y }) {
    if (attrs.op === 'sum') return [broadcastTo(dy, x.shape)];
    // max: the gradient is shared evenly among the tied maxima
    const mask = equal(x, y);
    return [div(mul(mask, dy), sum(mask, attrs.axes, true))];
  },

  transpose(dy, { attrs }) {
    const inverse = new Array<number>(attrs.perm.length);
    attrs.perm.forEach((p, i) => (inverse[p] = i));
    return [transpose(dy, inverse)];
  },

  expand: (dy, { inputs: [x] }) => [unbroadcast(dy, x.shape)],

  slice(dy, { attrs, inputs: [x] }) {
    return [pad(dy, x.shape.map((d, i): [number, number] => [attrs.begin[i], d - attrs.begin[i] - dy.shape[i]]))];
  },

  pad: (dy, { attrs, inputs: [x] }) => [slice(dy, attrs.before, x.shape)],

  reshape: (dy, { attrs }) => [reshape(dy, attrs.from)],

  matmul(dy, { attrs: { transposeA: ta, transposeB: tb }, inputs: [a, b] }, needs) {
    return [
      ifNeeded(needs[0], () =>
        sumBatchTo(ta ? matmul(b, dy, { transposeA: tb, transposeB: true }) : matmul(dy, b, { transposeB: !tb }), a)),
      ifNeeded(needs[1], () =>
        sumBatchTo(tb ? matmul(dy, a, { transposeA: true, transposeB: ta }) : matmul(a, dy, { transposeA: !ta }), b)),
    ];
  },

  conv2d(dy, { attrs, inputs: [x, w] }, needs) {
    return [
      ifNeeded(needs[0], () => conv2dBackpropInput(dy, w, attrs, x.shape)),
      ifNeeded(needs[1], () => conv2dBackpropFilter(x, dy, attrs, w.shape)),
    ];
  },

  // the forward of a transposed convolution
  conv2dBackpropInput(dz, { attrs, inputs: [u, w] }, needs) {
    return [
      ifNeeded(needs[0], () => conv2dWithAttrs(dz, w, attrs)),
      ifNeeded(needs[1], () => conv2dBackpropFilter(dz, u, attrs, w.shape)),
    ];
  },

  pool2d: (dy, { attrs, inputs: [x] }) => [pool2dBackward(dy, x, attrs)],

  gather: (dy, { attrs, inputs: [x, indices] }) => [scatterAdd(dy, indices, attrs.axis, x.shape), null],

  scatterAdd: (dy, { attrs, inputs: [, indices] }) => [gather(dy, indices, attrs.axis), null],

  fusedElementwise: (dy, record, needs) => fusedGradient(dy, record, needs, GRAD_RULES),

  // PyTorch's weight-norm backward, one kernel per input (each recomputes the per-unit sums)
  weightNorm(dw, { attrs: { dim }, inputs: [v, g] }, needs) {
    return [
      ifNeeded(needs[0], () => weightNormalizeBackward(dw, v, g, dim, 'v')),
      ifNeeded(needs[1], () => weightNormalizeBackward(dw, v, g, dim, 'g')),
    ];
  },

  // the LSTM cell's direct gradients: one kernel per input, each recomputing the gate activations
  lstmState(dc, { inputs: [gates, c] }, needs) {
    return [
      ifNeeded(needs[0], () => lstmCellStateBackward(dc, gates, c, 'gates')),
      ifNeeded(needs[1], () => lstmCellStateBackward(dc, gates, c, 'c')),
    ];
  },

  lstmOutput(dh, { inputs: [gates, cNext] }, needs) {
    return [
      ifNeeded(needs[0], () => lstmCellOutputBackward(dh, gates, cNext, 'gates')),
      ifNeeded(needs[1], () => lstmCellOutputBackward(dh, gates, cNext, 'c')),
    ];
  },

  // the filterbank's direct gradient: one kernel for all three inputs, rows of [3, B]
  filterbank(dy, { attrs: { n, length, floor }, inputs }, needs) {
    const all = gaussianFilterbankBackward(dy, inputs[0], inputs[1], inputs[2], n, length, floor);
    return inputs.map((x, k) => ifNeeded(needs[k], () => reshape(slice(all, [k, 0], [1, x.size]), x.shape)));
  },

  // each input's gradient is its block of dy
  concat(dy, { attrs: { axis }, inputs }, needs) {
    let offset = 0;
    return inputs.map((x, k) => {
      const begin = x.shape.map((_, d) => (d === axis ? offset : 0));
      offset += x.shape[axis];
      return ifNeeded(needs[k], () => slice(dy, begin, x.shape));
    });
  },

  // the direct batch-norm gradient, one kernel per input (each recomputes the per-channel sums)
  batchNorm(dy, { attrs: { eps }, inputs: [x, weight] }, needs) {
    return [
      ifNeeded(needs[0], () => batchNormalizeBackward(dy, x, weight, eps, 'x')),
      ifNeeded(needs[1], () => batchNormalizeBackward(dy, x, weight, eps, 'weight')),
      ifNeeded(needs[2], () => batchNormalizeBackward(dy, x, weight, eps, 'bias')),
    ];
  },
};
