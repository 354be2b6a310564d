import { ENGINE } from '../engine.js';
import { argError, WnError } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { arange, tensor } from './creation.js';
import { equal } from './elementwise.js';
import { reshape } from './shape-ops.js';
import { assertTensor } from './util.js';

/** Integer indices, as a host array or a 1-D tensor of float-coded integers. */
export type Indices = Tensor | readonly number[] | Int32Array | Uint8Array;

function checkedIndices(op: string, indices: Indices, bound: number): Tensor {
  const values = indices instanceof Tensor ? indices.dataSync() : indices;
  if (indices instanceof Tensor && indices.rank !== 1) throw argError(op, 'indices', 'a 1-D tensor', `shape [${indices.shape.join(', ')}]`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= bound) throw argError(op, 'indices', `integers in [0, ${bound - 1}]`, `${v} at position ${i}`);
  }
  return indices instanceof Tensor ? reshape(indices, indices.shape) : tensor(Float64Array.from(values as ArrayLike<number>), [values.length]);
}

/** Selects slices along `axis`: out.shape[axis] = indices.length (like torch.index_select). */
export function gather(x: Tensor, indices: Indices, axis = 0): Tensor {
  assertTensor('gather', 'x', x);
  const a = normalizeAxis('gather', axis, x.rank);
  const idx = checkedIndices('gather', indices, x.shape[a]);
  const out = x.shape.map((d, i) => (i === a ? idx.size : d));
  const y = ENGINE.runKernel('gather', [x, idx], { axis: a }, out, (b, xi, ii) => b.kernels.gather(xi, ii, a, out));
  idx.dispose();
  return y;
}

/** Adds `updates` into zeros of `shape` at `indices` along `axis` (repeated indices accumulate). */
export function scatterAdd(updates: Tensor, indices: Indices, axis: number, shape: readonly number[]): Tensor {
  assertTensor('scatterAdd', 'updates', updates);
  const a = normalizeAxis('scatterAdd', axis, shape.length);
  const idx = checkedIndices('scatterAdd', indices, shape[a]);
  const expected = shape.map((d, i) => (i === a ? idx.size : d));
  if (updates.rank !== shape.length || updates.shape.some((d, i) => d !== expected[i])) {
    throw argError('scatterAdd', 'updates', `shape [${expected.join(', ')}]`, updates.shape);
  }
  const out = [...shape];
  const y = ENGINE.runKernel('scatterAdd', [updates, idx], { axis: a }, out, (b, ui, ii) => b.kernels.scatterAdd(ui, ii, a, out));
  idx.dispose();
  return y;
}

/** [n] class indices → [n, depth] one-hot rows. */
export function oneHot(labels: Indices, depth: number): Tensor {
  if (!Number.isInteger(depth) || depth < 1) throw argError('oneHot', 'depth', 'a positive integer', depth);
  return ENGINE.tidy(() => {
    const idx = checkedIndices('oneHot', labels, depth);
    return equal(reshape(idx, [idx.size, 1]), arange(depth));
  });
}

/** Raises unless every value is finite; names what was being checked. */
export function assertFinite(x: Tensor, what: string): void {
  const d = x.dataSync();
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) throw new WnError('assertFinite', `${what} has a non-finite value ${d[i]} at flat index ${i} (shape [${x.shape.join(', ')}])`);
  }
}
