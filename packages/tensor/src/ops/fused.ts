/**
 * `fusedElementwise(program, inputs)`: one pass over broadcast inputs instead of one op (and one
 * allocation) per instruction. Backends with the optional `fusedElementwise` kernel run it
 * directly; on the others the op runs its decomposition, the program as primitive ops, which is
 * also its definition: the kernel must agree with it (bit for bit on the reference backends).
 */
import { ENGINE } from '../engine.js';
import { argError, fmt, WnError } from '../errors.js';
import { validateProgram, type FusedProgram } from '../fused/program.js';
import type { BinaryOp, UnaryOp } from '../kernels.js';
import { shapesEqual, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import * as ew from './elementwise.js';
import { broadcastTo } from './shape-ops.js';
import { withScalars, type TensorLike } from './util.js';

const OP = 'fusedElementwise';

/**
 * Evaluates `program` elementwise over `inputs` (tensors, or numbers as 0-d tensors) broadcast
 * together, in one pass on backends that have the fused kernel. Pass values that change from
 * call to call (learning rates, bias corrections) as number inputs rather than program
 * constants, so the program, and the code a backend compiles for it, stays the same.
 */
export function fusedElementwise(program: FusedProgram, inputs: readonly TensorLike[]): Tensor {
  validateProgram(OP, program);
  checkInputCount(program, inputs);
  return withScalars(OP, inputs, (ts) => {
    const out = broadcastAll(ts.map((t) => t.shape));
    // withScalars checked the inputs alive; runKernel checks that they share one backend
    const backend = ts[0].storage.backend;
    if (!backend.kernels.fusedElementwise) return decompose(program, ts, out);
    return ENGINE.runKernel(OP, ts, { program }, out, (b, ...ins) => b.kernels.fusedElementwise!(program, ins, out));
  });
}

/** The decomposition: `program` run as primitive ops (what backends without the kernel do). */
export function fusedDecomposition(program: FusedProgram, inputs: readonly TensorLike[]): Tensor {
  validateProgram('fusedDecomposition', program);
  checkInputCount(program, inputs, 'fusedDecomposition');
  return withScalars('fusedDecomposition', inputs, (ts) => decompose(program, ts, broadcastAll(ts.map((t) => t.shape), 'fusedDecomposition')));
}

function decompose(program: FusedProgram, inputs: readonly Tensor[], out: Shape): Tensor {
  return ENGINE.tidy(() => {
    const values = fusedValues(program, inputs);
    const y = values[values.length - 1];
    // a result that ignores the largest inputs still has the broadcast shape, like the kernel's
    return shapesEqual(y.shape, out) ? y : broadcastTo(y, out);
  });
}

/**
 * Every value of `program` on `inputs`, computed with primitive ops: the inputs, then one tensor
 * per instruction (constants as 0-d tensors on the inputs' backend). The caller owns the new
 * tensors. Autograd's rule for fused ops differentiates through these.
 */
export function fusedValues(program: FusedProgram, inputs: readonly Tensor[]): Tensor[] {
  validateProgram('fusedValues', program);
  checkInputCount(program, inputs, 'fusedValues');
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw argError('fusedValues', `inputs[${i}]`, 'a Tensor', typeof t);
  });
  const backend = ENGINE.backendOf('fusedValues', inputs);
  const values: Tensor[] = [...inputs];
  for (const ins of program.body) {
    if (ins.op === 'const') {
      values.push(ENGINE.makeTensor(backend.upload([ins.value], 1), [], backend));
      continue;
    }
    const [a, b, c] = ins.args.map((i) => values[i]);
    let v: Tensor;
    if (ins.op === 'where') v = ew.where(a, b, c);
    else if (ins.args.length === 1) v = UNARY[ins.op as UnaryOp](a);
    else v = BINARY[ins.op as BinaryOp](a, b);
    values.push(v);
  }
  return values;
}

const UNARY: Record<UnaryOp, (x: Tensor) => Tensor> = {
  neg: ew.neg, exp: ew.exp, log: ew.log, sqrt: ew.sqrt, abs: ew.abs, sign: ew.sign, tanh: ew.tanh, sigmoid: ew.sigmoid,
  reciprocal: ew.reciprocal, sin: ew.sin, cos: ew.cos, floor: ew.floor,
};
const BINARY: Record<BinaryOp, (a: Tensor, b: Tensor) => Tensor> = {
  add: ew.add, sub: ew.sub, mul: ew.mul, div: ew.div, pow: ew.pow, maximum: ew.maximum, minimum: ew.minimum,
  equal: ew.equal, less: ew.less, greater: ew.greater,
};

function checkInputCount(program: FusedProgram, inputs: readonly unknown[], op = OP): void {
  if (!Array.isArray(inputs)) throw argError(op, 'inputs', 'an array of tensors or numbers', typeof inputs);
  if (inputs.length !== program.inputs) {
    throw argError(op, 'inputs', `${program.inputs} inputs (program.inputs)`, `${inputs.length} inputs`);
  }
}

/** The broadcast of every input shape; an error names the first input that does not fit. */
function broadcastAll(shapes: readonly Shape[], op = OP): Shape {
  // the usual case (optimizer updates): inputs of one shape and scalars, no new shape to build
  let widest: Shape = [];
  for (const s of shapes) if (s.length > widest.length) widest = s;
  if (shapes.every((s) => s.length === 0 || shapesEqual(s, widest))) return widest.slice();
  let out: Shape = [];
  shapes.forEach((s, i) => {
    const rank = Math.max(out.length, s.length);
    const next = new Array<number>(rank);
    for (let d = 0; d < rank; d++) {
      const a = out[out.length - rank + d] ?? 1, b = s[s.length - rank + d] ?? 1;
      if (a !== b && a !== 1 && b !== 1) {
        throw new WnError(op, `argument 'inputs[${i}]' expected a shape that broadcasts with ${fmt([...out])} (inputs 0..${i - 1}), got ${fmt([...s])}`);
      }
      next[d] = a === 1 ? b : a;
    }
    out = next;
  });
  return out;
}
