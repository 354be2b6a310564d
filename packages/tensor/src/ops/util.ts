import { ENGINE } from '../engine.js';
import { argError } from '../errors.js';
import { Tensor } from '../tensor.js';

/** A tensor or a plain number (promoted to a 0-d tensor on the other operand's backend). */
export type TensorLike = Tensor | number;

export function assertTensor(op: string, arg: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw argError(op, arg, 'a Tensor', value === null ? 'null' : typeof value);
  value.assertAlive(op, arg);
}

/**
 * Converts numbers among `args` to 0-d tensors on the tensors' backend, runs `fn`, then
 * disposes the temporaries (autograd holds them if it recorded them).
 */
export function withScalars<T>(op: string, args: readonly TensorLike[], fn: (ts: Tensor[]) => T): T {
  // checks every tensor argument here, so errors name the public op ('add'), not the primitive;
  // the common case, tensors only, makes no temporaries and needs no cleanup
  let numbers = 0, mixed = false;
  let first: Tensor | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Tensor) {
      a.assertAlive(op, `input ${i}`);
      if (!first) first = a;
      else if (a.storage.backend !== first.storage.backend) mixed = true;
    } else numbers++;
  }
  if (numbers === 0 && !mixed) return fn(args.slice() as Tensor[]); // a copy: ops record their inputs array
  const tensors = args.filter((a): a is Tensor => a instanceof Tensor);
  // throws for inputs on different backends, naming the public op
  const backend = tensors.length ? ENGINE.backendOf(op, tensors) : ENGINE.backend;
  const temps: Tensor[] = [];
  const ts = args.map((a, i) => {
    if (a instanceof Tensor) return a;
    if (typeof a !== 'number') throw argError(op, `input ${i}`, 'a Tensor or a number', typeof a);
    const t = ENGINE.makeTensor(backend.upload([a], 1), [], backend);
    temps.push(t);
    return t;
  });
  try {
    return fn(ts);
  } finally {
    for (const t of temps) t.dispose();
  }
}

export function assertInt(op: string, arg: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min) throw argError(op, arg, `an integer ≥ ${min}`, value);
}

export function pair(op: string, arg: string, v: number | readonly number[]): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2) throw argError(op, arg, 'a number or a pair [h, w]', v);
  return [p[0], p[1]];
}
