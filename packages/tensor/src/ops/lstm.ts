/**
 * An LSTM cell's elementwise part as two ops, each with a direct gradient: from the gates
 * [N, 4H] (x·W_ihᵀ + h·W_hhᵀ + biases, blocks i, f, g, o along axis 1, PyTorch's order)
 * `lstmCellState` gives c' = σ(f)·c + σ(i)·tanh(g) and `lstmCellOutput` gives h' = σ(o)·tanh(c').
 * Backends with the optional `lstmState`/`lstmOutput` kernels run each in one pass (the gradients
 * recompute the gate activations instead of storing them), in place of four slices, five
 * activations, four products and a sum and their ~20 gradient ops; the others run the
 * decomposition into primitives below, which is also the definition the kernels are checked against.
 */
import { ENGINE } from '../engine.js';
import { argError } from '../errors.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sigmoid, sub, tanh } from './elementwise.js';
import { concat, pad, slice } from './shape-ops.js';
import { assertTensor } from './util.js';

const shapeStr = (s: Shape) => `[${s.join(', ')}]`;

/** Checks gates [N, 4H] and a state [N, H]; returns H. */
function check(op: string, gates: Tensor, c: Tensor, cName: string): number {
  assertTensor(op, 'gates', gates);
  assertTensor(op, cName, c);
  if (c.rank !== 2 || c.shape[1] < 1) throw argError(op, cName, 'a state [N, H] with H ≥ 1', shapeStr(c.shape));
  const [n, h] = c.shape;
  if (gates.rank !== 2 || gates.shape[0] !== n || gates.shape[1] !== 4 * h) {
    throw argError(op, 'gates', `[${n}, ${4 * h}] (blocks i, f, g, o of H = ${h} for ${cName} ${shapeStr(c.shape)})`, shapeStr(gates.shape));
  }
  return h;
}

function checkBackward(op: string, dy: Tensor, c: Tensor, wrt: string): void {
  assertTensor(op, 'dy', dy);
  if (dy.rank !== 2 || dy.shape[0] !== c.shape[0] || dy.shape[1] !== c.shape[1]) throw argError(op, 'dy', `the state's shape ${shapeStr(c.shape)}`, shapeStr(dy.shape));
  if (wrt !== 'gates' && wrt !== 'c') throw argError(op, 'wrt', "'gates' or 'c'", wrt);
}

/** Gate block k (0 i, 1 f, 2 g, 3 o) of gates [N, 4H]. */
const block = (gates: Tensor, k: number, h: number): Tensor => slice(gates, [0, k * h], [gates.shape[0], h]);
/** 1 − y² (tanh's derivative from its output) and y·(1 − y) (sigmoid's). */
const tanhSlope = (y: Tensor): Tensor => sub(1, mul(y, y));
const sigmoidSlope = (y: Tensor): Tensor => mul(y, sub(1, y));

/**
 * An LSTM cell's new state c' = σ(f)·c + σ(i)·tanh(g), from the gates [N, 4H] (blocks i, f, g, o
 * along axis 1) and the state c [N, H]. Differentiable.
 */
export function lstmCellState(gates: Tensor, c: Tensor): Tensor {
  const h = check('lstmCellState', gates, c, 'c');
  const backend = ENGINE.backendOf('lstmCellState', [gates, c]);
  if (backend.kernels.lstmState) {
    return ENGINE.runKernel('lstmState', [gates, c], {}, c.shape, (b, gi, ci) => b.kernels.lstmState!(gi, ci, c.shape));
  }
  return ENGINE.tidy(() => add(mul(sigmoid(block(gates, 1, h)), c), mul(sigmoid(block(gates, 0, h)), tanh(block(gates, 2, h)))));
}

/**
 * The gradient of `lstmCellState(gates, c)` given dy = ∂L/∂c': the gates' [N, 4H] (i block
 * dy·tanh(g)·σ(i)(1−σ(i)), f block dy·c·σ(f)(1−σ(f)), g block dy·σ(i)·(1−tanh²(g)), o block 0;
 * `wrt` 'gates') or c's, dy·σ(f) (`wrt` 'c'). Not itself differentiable.
 */
export function lstmCellStateBackward(dy: Tensor, gates: Tensor, c: Tensor, wrt: 'gates' | 'c'): Tensor {
  const op = 'lstmCellStateBackward';
  const h = check(op, gates, c, 'c');
  checkBackward(op, dy, c, wrt);
  const out = wrt === 'gates' ? gates.shape : c.shape;
  const backend = ENGINE.backendOf(op, [dy, gates, c]);
  if (backend.kernels.lstmStateBackward) {
    return ENGINE.runKernel('lstmStateBackward', [dy, gates, c], { wrt }, out, (b, di, gi, ci) => b.kernels.lstmStateBackward!(di, gi, ci, wrt, out));
  }
  return ENGINE.tidy(() => {
    const sf = sigmoid(block(gates, 1, h));
    if (wrt === 'c') return mul(dy, sf);
    const si = sigmoid(block(gates, 0, h)), tg = tanh(block(gates, 2, h));
    const ifg = concat([mul(mul(dy, tg), sigmoidSlope(si)), mul(mul(dy, c), sigmoidSlope(sf)), mul(mul(dy, si), tanhSlope(tg))], 1);
    return pad(ifg, [[0, 0], [0, h]]);
  });
}

/**
 * An LSTM cell's output h' = σ(o)·tanh(c'), from the gates [N, 4H] (blocks i, f, g, o along
 * axis 1) and the new state c' [N, H] (`lstmCellState`'s result). Differentiable.
 */
export function lstmCellOutput(gates: Tensor, cNext: Tensor): Tensor {
  const h = check('lstmCellOutput', gates, cNext, 'cNext');
  const backend = ENGINE.backendOf('lstmCellOutput', [gates, cNext]);
  if (backend.kernels.lstmOutput) {
    return ENGINE.runKernel('lstmOutput', [gates, cNext], {}, cNext.shape, (b, gi, ci) => b.kernels.lstmOutput!(gi, ci, cNext.shape));
  }
  return ENGINE.tidy(() => mul(sigmoid(block(gates, 3, h)), tanh(cNext)));
}

/**
 * The gradient of `lstmCellOutput(gates, cNext)` given dy = ∂L/∂h': the gates' [N, 4H] (o block
 * dy·tanh(c')·σ(o)(1−σ(o)), the other blocks 0; `wrt` 'gates') or c''s, dy·σ(o)·(1−tanh²(c'))
 * (`wrt` 'c'). Not itself differentiable.
 */
export function lstmCellOutputBackward(dy: Tensor, gates: Tensor, cNext: Tensor, wrt: 'gates' | 'c'): Tensor {
  const op = 'lstmCellOutputBackward';
  const h = check(op, gates, cNext, 'cNext');
  checkBackward(op, dy, cNext, wrt);
  const out = wrt === 'gates' ? gates.shape : cNext.shape;
  const backend = ENGINE.backendOf(op, [dy, gates, cNext]);
  if (backend.kernels.lstmOutputBackward) {
    return ENGINE.runKernel('lstmOutputBackward', [dy, gates, cNext], { wrt }, out, (b, di, gi, ci) => b.kernels.lstmOutputBackward!(di, gi, ci, wrt, out));
  }
  return ENGINE.tidy(() => {
    const so = sigmoid(block(gates, 3, h)), tc = tanh(cNext);
    if (wrt === 'c') return mul(mul(dy, so), tanhSlope(tc));
    return pad(mul(mul(dy, tc), sigmoidSlope(so)), [[0, 0], [3 * h, 0]]);
  });
}

/**
 * One LSTM cell step's elementwise part: from the gates [N, 4H] (blocks i, f, g, o) and the state
 * c [N, H], the new state c' = σ(f)·c + σ(i)·tanh(g) and output h' = σ(o)·tanh(c')
 * (`lstmCellState` then `lstmCellOutput`). Differentiable.
 */
export function lstmCell(gates: Tensor, c: Tensor): { h: Tensor; c: Tensor } {
  const cNext = lstmCellState(gates, c);
  return { h: lstmCellOutput(gates, cNext), c: cNext };
}
