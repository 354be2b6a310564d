import { ENGINE } from '../engine.js';
import type { BinaryOp, UnaryOp } from '../kernels.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, withScalars, type TensorLike } from './util.js';

function unary(op: UnaryOp, x: Tensor): Tensor {
  assertTensor(op, 'x', x);
  return ENGINE.runKernel('unary', [x], { op }, x.shape, (b, xi) => b.kernels.unary(op, xi, x.shape));
}

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  return withScalars(op, [a, b], ([ta, tb]) => {
    const out = broadcastShapes(op, ta.shape, tb.shape);
    return ENGINE.runKernel('binary', [ta, tb], { op }, out, (be, ai, bi) =>
      be.kernels.binary(op, ai, bi, out),
    );
  });
}

export const neg = (x: Tensor) => unary('neg', x);
export const exp = (x: Tensor) => unary('exp', x);
export const log = (x: Tensor) => unary('log', x);
export const sqrt = (x: Tensor) => unary('sqrt', x);
export const abs = (x: Tensor) => unary('abs', x);
export const sign = (x: Tensor) => unary('sign', x);
export const tanh = (x: Tensor) => unary('tanh', x);
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
export const reciprocal = (x: Tensor) => unary('reciprocal', x);
export const sin = (x: Tensor) => unary('sin', x);
export const cos = (x: Tensor) => unary('cos', x);
export const floor = (x: Tensor) => unary('floor', x);

export const add = (a: TensorLike, b: TensorLike) => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike) => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike) => binary('mul', a, b);
export const div = (a: TensorLike, b: TensorLike) => binary('div', a, b);
export const pow = (a: TensorLike, b: TensorLike) => binary('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike) => binary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike) => binary('minimum', a, b);
/** 1 where a == b, else 0. */
export const equal = (a: TensorLike, b: TensorLike) => binary('equal', a, b);
export const less = (a: TensorLike, b: TensorLike) => binary('less', a, b);
export const greater = (a: TensorLike, b: TensorLike) => binary('greater', a, b);

/** cond != 0 ? a : b, with broadcasting. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return withScalars('where', [cond, a, b], ([c, ta, tb]) => {
    const out = broadcastShapes('where', broadcastShapes('where', c.shape, ta.shape), tb.shape);
    return ENGINE.runKernel('where', [c, ta, tb], {}, out, (be, ci, ai, bi) =>
      be.kernels.where(ci, ai, bi, out),
    );
  });
}
