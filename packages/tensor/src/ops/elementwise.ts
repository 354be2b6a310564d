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

/** Elementwise −x. */
export const neg = (x: Tensor) => unary('neg', x);
/** Elementwise eˣ. */
export const exp = (x: Tensor) => unary('exp', x);
/** Elementwise natural logarithm (−Infinity at 0, NaN below). */
export const log = (x: Tensor) => unary('log', x);
/** Elementwise square root (NaN below 0). */
export const sqrt = (x: Tensor) => unary('sqrt', x);
/** Elementwise |x|. */
export const abs = (x: Tensor) => unary('abs', x);
/** Elementwise sign: −1, 0 or 1. */
export const sign = (x: Tensor) => unary('sign', x);
/** Elementwise hyperbolic tangent. */
export const tanh = (x: Tensor) => unary('tanh', x);
/** Elementwise logistic sigmoid 1 / (1 + e⁻ˣ). */
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
/** Elementwise 1 / x. */
export const reciprocal = (x: Tensor) => unary('reciprocal', x);
/** Elementwise sine (radians). */
export const sin = (x: Tensor) => unary('sin', x);
/** Elementwise cosine (radians). */
export const cos = (x: Tensor) => unary('cos', x);
/** Elementwise floor (its gradient is 0). */
export const floor = (x: Tensor) => unary('floor', x);

/**
 * a + b, broadcasting (NumPy rules); either may be a number. Throws a `WnError` naming both shapes when they do not
 * broadcast.
 */
export const add = (a: TensorLike, b: TensorLike) => binary('add', a, b);
/** a − b, broadcasting; either may be a number. */
export const sub = (a: TensorLike, b: TensorLike) => binary('sub', a, b);
/** a · b, elementwise with broadcasting; either may be a number. */
export const mul = (a: TensorLike, b: TensorLike) => binary('mul', a, b);
/** a / b, broadcasting; either may be a number. */
export const div = (a: TensorLike, b: TensorLike) => binary('div', a, b);
/** aᵇ, broadcasting; either may be a number. */
export const pow = (a: TensorLike, b: TensorLike) => binary('pow', a, b);
/** The larger of a and b, elementwise with broadcasting (NaN propagates). */
export const maximum = (a: TensorLike, b: TensorLike) => binary('maximum', a, b);
/** The smaller of a and b, elementwise with broadcasting (NaN propagates). */
export const minimum = (a: TensorLike, b: TensorLike) => binary('minimum', a, b);
/** 1 where a == b, else 0. */
export const equal = (a: TensorLike, b: TensorLike) => binary('equal', a, b);
/** 1 where a < b, else 0 (broadcasting; gradient 0). */
export const less = (a: TensorLike, b: TensorLike) => binary('less', a, b);
/** 1 where a > b, else 0 (broadcasting; gradient 0). */
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
