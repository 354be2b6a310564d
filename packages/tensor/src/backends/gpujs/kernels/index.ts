/** The gpu.js kernel table: every primitive, each one generated gpu.js kernel per shape signature. */
import type { Kernels } from '../../../kernels.js';
import type { GpujsRuntime, GpujsStorage } from '../runtime.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
import { binary, unary, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { expand, gather, pad, scatterAdd, slice, transpose } from './movement.js';
import { pool2d, pool2dBackward } from './pool.js';
import { argmax, reduce } from './reduce.js';

export function createGpujsKernels(rt: GpujsRuntime): Kernels<GpujsStorage> {
  return {
    unary: (op, x, out) => unary(rt, op, x, out),
    binary: (op, a, b, out) => binary(rt, op, a, b, out),
    where: (cond, a, b, out) => where(rt, cond, a, b, out),
    reduce: (op, x, axes, out) => reduce(rt, op, x, axes, out),
    argmax: (x, axis, out) => argmax(rt, x, axis, out),
    transpose: (x, perm, out) => transpose(rt, x, perm, out),
    expand: (x, out) => expand(rt, x, out),
    slice: (x, begin, out) => slice(rt, x, begin, out),
    pad: (x, before, _after, value, out) => pad(rt, x, before, value, out),
    matmul: (a, b, transposeA, transposeB, out) => matmul(rt, a, b, transposeA, transposeB, out),
    conv2d: (x, w, attrs, out) => conv2d(rt, x, w, attrs, out),
    conv2dBackpropInput: (dy, w, attrs, out) => conv2dBackpropInput(rt, dy, w, attrs, out),
    conv2dBackpropFilter: (x, dy, attrs, out) => conv2dBackpropFilter(rt, x, dy, attrs, out),
    pool2d: (x, attrs, out) => pool2d(rt, x, attrs, out),
    pool2dBackward: (dy, x, attrs, out) => pool2dBackward(rt, dy, x, attrs, out),
    gather: (x, indices, axis, out) => gather(rt, x, indices, axis, out),
    scatterAdd: (updates, indices, axis, out) => scatterAdd(rt, updates, indices, axis, out),
  };
}
