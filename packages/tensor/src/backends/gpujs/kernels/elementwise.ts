/** Elementwise kernels: unary maps, broadcasting binary maps and `where`. */
import type { BinaryOp, KernelInput, UnaryOp } from '../../../kernels.js';
import { broadcastStrides, sizeOf, type Shape } from '../../../shape.js';
import { coalesce, kernelFunction, offsetExpr, unravel } from '../codegen.js';
import type { GpujsRuntime, GpujsStorage } from '../runtime.js';

type In = KernelInput<GpujsStorage>;

/** Each op as an expression over the dialect helpers (see dialect.ts for NaN/Inf handling). */
const UNARY_EXPRESSIONS: Record<UnaryOp, (v: string) => string> = {
  neg: (v) => `-${v}`,
  exp: (v) => `wnExp(${v})`,
  log: (v) => `wnLog(${v})`,
  sqrt: (v) => `wnSqrt(${v})`,
  abs: (v) => `Math.abs(${v})`,
  sign: (v) => `wnSign(${v})`,
  tanh: (v) => `wnTanh(${v})`,
  sigmoid: (v) => `wnSigmoid(${v})`,
  reciprocal: (v) => `1 / ${v}`,
  sin: (v) => `wnSin(${v})`,
  cos: (v) => `wnCos(${v})`,
  floor: (v) => `Math.floor(${v})`,
};

const BINARY_EXPRESSIONS: Record<BinaryOp, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: (a, b) => `wnPow(${a}, ${b})`,
  maximum: (a, b) => `wnMaximum(${a}, ${b})`,
  minimum: (a, b) => `wnMinimum(${a}, ${b})`,
  equal: (a, b) => `wnEqual(${a}, ${b})`,
  less: (a, b) => `wnLess(${a}, ${b})`,
  greater: (a, b) => `wnGreater(${a}, ${b})`,
};

/** How one operand is walked: its element stride per output axis, plus a starting offset. */
export interface StridedOperand {
  readonly strides: readonly number[];
  readonly base?: number;
}

/**
 * A kernel that loads each operand at the current output element (values named v0, v1, ...)
 * and returns `combine` of them. Covers broadcasting, transpose, expand and slice.
 */
export function stridedMapSource(out: Shape, operands: readonly StridedOperand[], combine: (values: string[]) => string): string {
  const params = operands.map((_, k) => `x${k}`);
  const values = operands.map((_, k) => `v${k}`);
  const { shape, strides } = coalesce(out, operands.map((o) => o.strides));
  const { lines, coords } = unravel('this.thread.x', shape, 'i');
  const loads = operands.map((o, k) => `const ${values[k]} = ${params[k]}[${offsetExpr(coords, strides[k], o.base ?? 0)}];`);
  return kernelFunction(params, [...lines, ...loads, `return ${combine(values)};`]);
}

function broadcastMapSource(inputs: readonly In[], out: Shape, combine: (values: string[]) => string): string {
  return stridedMapSource(out, inputs.map((x) => ({ strides: broadcastStrides(x.shape, out) })), combine);
}

export function unary(rt: GpujsRuntime, op: UnaryOp, x: In, out: Shape): GpujsStorage {
  const source = kernelFunction(['x0'], ['const v0 = x0[this.thread.x];', `return ${UNARY_EXPRESSIONS[op]('v0')};`]);
  return rt.run(source, sizeOf(out), [x]);
}

export function binary(rt: GpujsRuntime, op: BinaryOp, a: In, b: In, out: Shape): GpujsStorage {
  const source = broadcastMapSource([a, b], out, ([va, vb]) => BINARY_EXPRESSIONS[op](va, vb));
  return rt.run(source, sizeOf(out), [a, b]);
}

export function where(rt: GpujsRuntime, cond: In, a: In, b: In, out: Shape): GpujsStorage {
  // `== 0` rather than `!= 0`: a NaN condition then selects `a`, as IEEE `NaN != 0` does.
  const source = broadcastMapSource([cond, a, b], out, ([c, va, vb]) => `${c} == 0 ? ${vb} : ${va}`);
  return rt.run(source, sizeOf(out), [cond, a, b]);
}
