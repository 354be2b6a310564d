import { ENGINE } from '../engine.js';
import { argError, WnError } from '../errors.js';
import { assertValidShape, normalizeAxes, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { assertTensor } from './util.js';

/** Same data, new shape; one dimension may be -1 (inferred). Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor('reshape', 'x', x);
  const inferred = shape.indexOf(-1);
  const resolved = [...shape];
  if (inferred >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== inferred));
    if (known === 0 || x.size % known !== 0) throw argError('reshape', 'shape', `a shape with ${x.size} elements`, shape);
    resolved[inferred] = x.size / known;
  }
  assertValidShape('reshape', 'shape', resolved);
  if (sizeOf(resolved) !== x.size) {
    throw argError('reshape', 'shape', `${x.size} elements (input shape [${x.shape.join(', ')}])`, resolved);
  }
  x.assertAlive('reshape', 'x');
  const out = ENGINE.makeView(x, resolved);
  ENGINE.announce({ op: 'reshape', inputs: [x], attrs: { from: x.shape }, output: out });
  return out;
}

/** Collapses axes `startAxis`… (default 1) into one: [N, C, H, W] becomes [N, C·H·W]. A view, no copy. */
export function flatten(x: Tensor, startAxis = 1): Tensor {
  const a = normalizeAxis('flatten', startAxis, x.rank, 'startAxis');
  return reshape(x, [...x.shape.slice(0, a), -1]);
}

/** Inserts an axis of size 1 at `axis` (negative counts from the end of the new shape). A view, no copy. */
export function expandDims(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Removes the given size-1 axes (all size-1 axes when omitted). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const list = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axes, x.rank);
  for (const a of list) if (x.shape[a] !== 1) throw argError('squeeze', 'axes', `axes of size 1 (axis ${a} of shape [${x.shape.join(', ')}])`, x.shape[a]);
  return reshape(x, x.shape.filter((_, i) => !list.includes(i)));
}

/** Permutes axes; default reverses them. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  assertTensor('transpose', 'x', x);
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw argError('transpose', 'perm', `a permutation of 0..${x.rank - 1}`, p);
  }
  if (p.every((v, i) => v === i)) return reshape(x, x.shape);
  const out = p.map((i) => x.shape[i]);
  return ENGINE.runKernel('transpose', [x], { perm: p }, out, (b, xi) => b.kernels.transpose(xi, p, out));
}

/** Broadcasts to `shape` (NumPy rules). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  assertTensor('broadcastTo', 'x', x);
  assertValidShape('broadcastTo', 'shape', shape);
  if (shape.length < x.rank) throw argError('broadcastTo', 'shape', `rank ≥ ${x.rank}`, shape);
  const lifted = [...new Array(shape.length - x.rank).fill(1), ...x.shape];
  lifted.forEach((d, i) => {
    if (d !== 1 && d !== shape[i]) throw new WnError('broadcastTo', `cannot broadcast shape [${x.shape.join(', ')}] to [${shape.join(', ')}]`);
  });
  const src = reshape(x, lifted);
  if (shapesEqual(lifted, shape)) return src;
  const out = [...shape];
  const y = ENGINE.runKernel('expand', [src], {}, out, (b, xi) => b.kernels.expand(xi, out));
  if (src !== x) src.dispose();
  return y;
}

/** x[begin[0] : begin[0] + size[0], ...]; size -1 means "to the end". */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  assertTensor('slice', 'x', x);
  if (begin.length !== x.rank) throw argError('slice', 'begin', `${x.rank} entries`, begin);
  const sz = (size ?? begin.map(() => -1)).map((s, d) => (s === -1 ? x.shape[d] - begin[d] : s));
  sz.forEach((s, d) => {
    if (!Number.isInteger(begin[d]) || begin[d] < 0 || !Number.isInteger(s) || s < 0 || begin[d] + s > x.shape[d]) {
      throw argError('slice', 'begin/size', `a window inside axis ${d} of size ${x.shape[d]}`, `begin ${begin[d]}, size ${s}`);
    }
  });
  return ENGINE.runKernel('slice', [x], { begin: [...begin] }, sz, (b, xi) => b.kernels.slice(xi, begin, sz));
}

/** Constant padding: `paddings[d] = [before, after]`. */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  assertTensor('pad', 'x', x);
  if (paddings.length !== x.rank) throw argError('pad', 'paddings', `${x.rank} [before, after] pairs`, paddings);
  const before = paddings.map((p) => p[0]);
  const after = paddings.map((p) => p[1]);
  for (const v of [...before, ...after]) if (!Number.isInteger(v) || v < 0) throw argError('pad', 'paddings', 'non-negative integers', paddings);
  const out = x.shape.map((d, i) => d + before[i] + after[i]);
  return ENGINE.runKernel('pad', [x], { before, after, value }, out, (b, xi) => b.kernels.pad(xi, before, after, value, out));
}

/**
 * Joins tensors along `axis` (all other axes must match): one `concat` kernel where the backend has it (a block copy
 * per input; the gradient slices), else composed of pad + add.
 */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw argError('concat', 'xs', 'at least one tensor', 0);
  xs.forEach((x, i) => assertTensor('concat', `xs[${i}]`, x));
  const a = normalizeAxis('concat', axis, xs[0].rank);
  for (const [i, x] of xs.entries()) {
    if (x.rank !== xs[0].rank || x.shape.some((d, k) => k !== a && d !== xs[0].shape[k])) {
      throw argError('concat', `xs[${i}]`, `shape matching [${xs[0].shape.join(', ')}] except on axis ${a}`, x.shape);
    }
  }
  if (xs.length === 1) return reshape(xs[0], xs[0].shape);
  const total = xs.reduce((s, x) => s + x.shape[a], 0);
  const backend = ENGINE.backendOf('concat', xs);
  if (backend.kernels.concat) {
    const out = xs[0].shape.map((d, k) => (k === a ? total : d));
    return ENGINE.runKernel('concat', xs, { axis: a }, out, (b, ...inputs) => b.kernels.concat!(inputs, a, out));
  }
  // the decomposition (backends without the kernel): each input padded to the result's extent, summed
  let offset = 0;
  let acc: Tensor | undefined;
  for (const x of xs) {
    const p = x.shape.map((): [number, number] => [0, 0]);
    p[a] = [offset, total - offset - x.shape[a]];
    offset += x.shape[a];
    const padded = pad(x, p);
    if (!acc) acc = padded;
    else {
      const next = add(acc, padded);
      acc.dispose();
      padded.dispose();
      acc = next;
    }
  }
  return acc!;
}

/**
 * Joins tensors of one shape along a new axis `axis` (default 0). Throws a `WnError` for an empty list or differing
 * shapes.
 */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw argError('stack', 'xs', 'at least one tensor', 0);
  const a = normalizeAxis('stack', axis, xs[0].rank + 1);
  const lifted = xs.map((x) => expandDims(x, a));
  const y = concat(lifted, a);
  for (const l of lifted) l.dispose();
  return y;
}

/** Splits along `axis` into pieces of the given sizes (or n equal pieces). */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis('split', axis, x.rank);
  const len = x.shape[a];
  const list = typeof sizes === 'number' ? new Array<number>(sizes).fill(len / sizes) : sizes;
  if (list.some((s) => !Number.isInteger(s) || s < 0) || list.reduce((s, v) => s + v, 0) !== len) {
    throw argError('split', 'sizes', `integer sizes summing to ${len}`, sizes);
  }
  let offset = 0;
  return list.map((s) => {
    const begin = x.shape.map((_, d) => (d === a ? offset : 0));
    const size = x.shape.map((d, k) => (k === a ? s : d));
    offset += s;
    return slice(x, begin, size);
  });
}
