/** Data movement: transpose, expand, slice, pad, gather and scatterAdd. */
import type { KernelInput } from '../../../kernels.js';
import { broadcastStrides, sizeOf, stridesOf, type Shape } from '../../../shape.js';
import { kernelFunction, literal, offsetExpr, unravel } from '../codegen.js';
import type { GpujsRuntime, GpujsStorage } from '../runtime.js';
import { stridedMapSource } from './elementwise.js';

type In = KernelInput<GpujsStorage>;

const identity = ([v]: string[]) => v;

export function transpose(rt: GpujsRuntime, x: In, perm: readonly number[], out: Shape): GpujsStorage {
  const xs = stridesOf(x.shape);
  const source = stridedMapSource(out, [{ strides: perm.map((p) => xs[p]) }], identity);
  return rt.run(source, sizeOf(out), [x]);
}

export function expand(rt: GpujsRuntime, x: In, out: Shape): GpujsStorage {
  const source = stridedMapSource(out, [{ strides: broadcastStrides(x.shape, out) }], identity);
  return rt.run(source, sizeOf(out), [x]);
}

export function slice(rt: GpujsRuntime, x: In, begin: readonly number[], out: Shape): GpujsStorage {
  const xs = stridesOf(x.shape);
  const base = begin.reduce((sum, b, d) => sum + b * xs[d], 0);
  const source = stridedMapSource(out, [{ strides: xs, base }], identity);
  return rt.run(source, sizeOf(out), [x]);
}

export function pad(
  rt: GpujsRuntime, x: In, before: readonly number[], value: number, out: Shape,
): GpujsStorage {
  const xs = stridesOf(x.shape);
  const { lines, coords } = unravel('this.thread.x', out, 'i');
  const outside: string[] = [];
  const terms: string[] = [];
  coords.forEach((c, d) => {
    if (before[d] !== 0 || out[d] !== x.shape[d]) {
      outside.push(`${c} < ${before[d]}`, `${c} >= ${before[d] + x.shape[d]}`);
    }
    if (xs[d] !== 0 && x.shape[d] !== 1) terms.push(before[d] === 0 ? `${c} * ${xs[d]}` : `(${c} - ${before[d]}) * ${xs[d]}`);
  });
  const body = [...lines];
  if (outside.length > 0) body.push(`if (${outside.join(' || ')}) { return ${literal(value)}; }`);
  body.push(`return x0[${terms.length > 0 ? terms.join(' + ') : '0'}];`);
  return rt.run(kernelFunction(['x0'], body), sizeOf(out), [x]);
}

/** [outer, axis length, inner] view of a shape around `axis`. */
function aroundAxis(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

export function gather(rt: GpujsRuntime, x: In, indices: In, axis: number, out: Shape): GpujsStorage {
  const [outer, len, inner] = aroundAxis(x.shape, axis);
  const count = out[axis];
  const { lines, coords: [o, j, i] } = unravel('this.thread.x', [outer, count, inner], 'g');
  const source = kernelFunction(['x0', 'x1'], [
    ...lines,
    `const src = x1[${j}];`,
    `return x0[${offsetExpr([o, 'src', i], [len * inner, inner, 1])}];`,
  ]);
  return rt.run(source, sizeOf(out), [x, indices]);
}

export function scatterAdd(rt: GpujsRuntime, updates: In, indices: In, axis: number, out: Shape): GpujsStorage {
  const [outer, len, inner] = aroundAxis(out, axis);
  const count = sizeOf(indices.shape);
  // Each output element sums the updates aimed at it, in index order (no atomics needed).
  const { lines, coords: [o, t, i] } = unravel('this.thread.x', [outer, len, inner], 'g');
  const source = kernelFunction(['x0', 'x1'], [
    ...lines,
    'let acc = 0;',
    `for (let j = 0; j < ${count}; j++) {`,
    `  if (x1[j] == ${t}) { acc += x0[${offsetExpr([o, 'j', i], [count * inner, inner, 1])}]; }`,
    '}',
    'return acc;',
  ]);
  return rt.run(source, sizeOf(out), [updates, indices]);
}
