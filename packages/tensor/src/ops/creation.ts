import { ENGINE } from '../engine.js';
import { argError } from '../errors.js';
import { assertValidShape, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Nested number arrays, e.g. [[1, 2], [3, 4]]. */
export type NestedArray = number | readonly NestedArray[];

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0] as NestedArray;
  }
  return shape;
}

/**
 * Creates a tensor from values: a typed array or flat array with an explicit shape, or nested
 * arrays whose shape is inferred.
 */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: Shape): Tensor {
  const isTyped = ArrayBuffer.isView(values);
  const flat: ArrayLike<number> =
    typeof values === 'number' ? [values] : isTyped ? (values as ArrayLike<number>) : (values as NestedArray[]).flat(Infinity as 1) as number[];
  const resolved = shape ?? (isTyped ? [flat.length] : inferShape(values as NestedArray));
  assertValidShape('tensor', 'shape', resolved);
  if (sizeOf(resolved) !== flat.length) {
    throw argError('tensor', 'values', `${sizeOf(resolved)} values for shape [${resolved.join(', ')}]`, `${flat.length} values`);
  }
  const backend = ENGINE.backend;
  return ENGINE.makeTensor(backend.upload(flat, flat.length), [...resolved], backend);
}

/** A rank-0 tensor holding `value`. */
export function scalar(value: number): Tensor {
  return tensor([value], []);
}

/** A tensor of `shape` filled with `value`. Throws a `WnError` for a shape with negative or non-integer sizes. */
export const full = (shape: Shape, value: number): Tensor => filled('full', shape, value);

/** `full` whose errors name the public op that was called. */
function filled(op: string, shape: Shape, value: number): Tensor {
  assertValidShape(op, 'shape', shape);
  const backend = ENGINE.backend;
  const n = sizeOf(shape);
  const values = new Float64Array(n).fill(value);
  return ENGINE.makeTensor(backend.upload(values, n), [...shape], backend);
}

/** A tensor of `shape` filled with 0. */
export const zeros = (shape: Shape): Tensor => filled('zeros', shape, 0);
/** A tensor of `shape` filled with 1. */
export const ones = (shape: Shape): Tensor => filled('ones', shape, 1);
/** Zeros of `t`'s shape, on the current backend. */
export const zerosLike = (t: Tensor): Tensor => full(t.shape, 0);
/** Ones of `t`'s shape, on the current backend. */
export const onesLike = (t: Tensor): Tensor => full(t.shape, 1);

/** [start, start + step, ...) up to (not including) stop, like numpy.arange. */
export function arange(start: number, stop?: number, step = 1): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw argError('arange', 'step', 'a finite non-zero number', step);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return tensor(values, [n]);
}

/** Moves (copies) a tensor to another registered backend. */
export function toBackend(t: Tensor, name: string): Tensor {
  const target = ENGINE.findBackend(name);
  return ENGINE.makeTensor(target.upload(t.dataSync(), t.size), t.shape, target);
}
