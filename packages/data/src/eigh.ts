/**
 * Symmetric eigendecomposition in float64: Householder reduction to tridiagonal form, then the
 * implicit QL method with shifts (the classic tred2/tql2 pair from EISPACK), rearranged so that
 * every inner loop walks contiguous rows of row-major storage and the O(n³) passes are blocked for
 * the cache (and, in {@link eighParallel}, split across threads). That is what makes a 3072×3072
 * covariance (CIFAR-10) tractable in plain JavaScript.
 */
import { type KernelPool, sharedFloat64, withPool } from './parallel.js';
import { accumulateReflectorRows, tridiagonalQlRows } from './row-kernels.js';

export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** n×n row-major; column k is the unit eigenvector of `values[k]`. */
  vectors: Float64Array;
  n: number;
}

export interface EighOptions {
  /** QL iterations allowed per eigenvalue before giving up (default 60). */
  maxIterations?: number;
}

export interface EighParallelOptions extends EighOptions {
  /** Threads for the O(n³) passes (default: the machine's cores, at most 8). */
  threads?: number;
  /** A pool to use instead of starting and closing one. */
  pool?: KernelPool;
}

/**
 * Eigenvalues and eigenvectors of the symmetric n×n matrix `a` (row-major; only the lower
 * triangle is read; `a` is left untouched). Throws if `a` has the wrong length, holds a
 * non-finite value, or QL fails to converge.
 */
export function eigh(a: Float64Array, n: number, options: EighOptions = {}): SymmetricEigen {
  const maxIterations = checkInput(a, n, options);
  const { reflectors, d, e, hs } = reduce(a, n, new Float64Array(n * n));
  const zt = new Float64Array(n * n);
  accumulateReflectorRows(0, n, reflectors, hs, zt, n);
  const z = transpose(zt, n, new Float64Array(n * n));
  const failed = tridiagonalQlRows(0, n, d, e, z, n, maxIterations);
  if (failed >= 0) throw notConverged(failed, maxIterations);
  return sortAscending(d, z, n);
}

/**
 * The same result as {@link eigh}, bit for bit, with the reflector accumulation and the QL
 * rotations split across worker threads; the tridiagonal reduction runs in the calling thread.
 */
export async function eighParallel(a: Float64Array, n: number, options: EighParallelOptions = {}): Promise<SymmetricEigen> {
  const maxIterations = checkInput(a, n, options);
  return withPool(options.threads, options.pool, 'eighParallel', async (pool) => {
    const { reflectors, d, e, hs } = reduce(a, n, sharedFloat64(n * n));
    const zt = sharedFloat64(n * n);
    await pool.runRows('accumulateReflectorRows', n, [reflectors, hs, zt, n]);
    const z = transpose(zt, n, sharedFloat64(n * n));
    // Workers get copies of (d, e) and redo the scalar QL; the calling thread's copy is kept.
    const results = await pool.runRows('tridiagonalQlRows', n, [d, e, z, n, maxIterations]);
    const failed = results.find((r) => r !== -1);
    if (failed !== undefined) throw notConverged(failed as number, maxIterations);
    return sortAscending(d, z, n);
  });
}

function checkInput(a: Float64Array, n: number, options: EighOptions): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`eigh: n must be a positive integer, got ${n}`);
  if (!(a instanceof Float64Array)) throw new Error('eigh: a must be a Float64Array');
  if (a.length !== n * n) {
    throw new Error(`eigh: a must have n*n = ${n * n} entries for n = ${n}, got ${a.length}`);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (!Number.isFinite(a[i * n + j])) {
        throw new Error(`eigh: a[${i}][${j}] is ${a[i * n + j]}; the matrix must be finite`);
      }
    }
  }
  const maxIterations = options.maxIterations ?? 60;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new Error(`eigh: maxIterations must be a positive integer, got ${maxIterations}`);
  }
  return maxIterations;
}

function notConverged(index: number, maxIterations: number): Error {
  return new Error(`eigh: QL did not converge for eigenvalue ${index} after ${maxIterations} iterations`);
}

/** Copies `a` into `work` and reduces it to tridiagonal form (d, e) there. */
function reduce(a: Float64Array, n: number, work: Float64Array) {
  work.set(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const hs = new Float64Array(n);
  tridiagonalize(work, n, d, e, hs);
  return { reflectors: work, d, e, hs };
}

/**
 * Householder reduction of the lower triangle of `a`, last row first. Step i zeroes a[i][0..i−2]
 * with the reflector H = I − u uᵀ / h acting on indices 0..i−1; u is left in a[i][0..i−1] and h in
 * `hs[i]` (0 when no reflection was needed). On return d is the diagonal of the tridiagonal matrix
 * and e[i] its entry (i, i−1), e[0] = 0.
 *
 * Each step needs A·u over the leading block and then a rank-2 update of that block. Both are
 * memory bound once the matrix outgrows the cache, so the update of step i and the product of
 * step i−1 share one pass: row i−1 is updated first (it yields the next u), then every other row is
 * updated and immediately multiplied while it is still in L1.
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, hs: Float64Array): void {
  let p = new Float64Array(n);
  let pNext = new Float64Array(n);
  let active = prepareReflector(a, n, n - 1, e, hs);
  if (active) blockTimesReflector(a, n, n - 1, p);
  for (let i = n - 1; i >= 1; i--) {
    const l = i - 1;
    const row = i * n;
    if (!active) {
      active = l >= 1 && prepareReflector(a, n, l, e, hs);
      if (active) blockTimesReflector(a, n, l, p);
      continue;
    }
    // q = p/h − (uᵀp / 2h²) u; the update is A ← A − u qᵀ − q uᵀ on the leading (l+1)×(l+1) block.
    const hi = hs[i];
    let upSum = 0;
    for (let k = 0; k <= l; k++) {
      p[k] /= hi;
      upSum += a[row + k] * p[k];
    }
    const kk = upSum / (hi + hi);
    for (let k = 0; k <= l; k++) p[k] -= kk * a[row + k];
    updateRow(a, n, row, l, l, p);
    const next = l >= 1 && prepareReflector(a, n, l, e, hs);
    if (next) {
      const nextRow = l * n;
      pNext.fill(0, 0, l);
      for (let j = 0; j < l; j++) {
        updateRow(a, n, row, j, j, p);
        const rj = j * n;
        const uj = a[nextRow + j];
        let s = 0;
        for (let k = 0; k < j; k++) {
          const ajk = a[rj + k];
          s += ajk * a[nextRow + k];
          pNext[k] += ajk * uj;
        }
        pNext[j] += s + a[rj + j] * uj;
      }
      const swap = p;
      p = pNext;
      pNext = swap;
    } else {
      for (let j = 0; j < l; j++) updateRow(a, n, row, j, j, p);
    }
    active = next;
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  e[0] = 0;
}

/**
 * Forms the reflector of step i from a[i][0..i−1] in place (see {@link tridiagonalize}); returns
 * false when none is needed (i = 1 or the row is already zero), with hs[i] = 0.
 */
function prepareReflector(a: Float64Array, n: number, i: number, e: Float64Array, hs: Float64Array): boolean {
  const l = i - 1;
  const row = i * n;
  let scale = 0;
  for (let k = 0; k <= l; k++) scale += Math.abs(a[row + k]);
  if (l === 0 || scale === 0) {
    e[i] = a[row + l];
    hs[i] = 0;
    return false;
  }
  // Scaling guards the sum of squares against overflow and underflow.
  let sigma = 0;
  for (let k = 0; k <= l; k++) {
    const v = a[row + k] / scale;
    a[row + k] = v;
    sigma += v * v;
  }
  const f = a[row + l];
  const g = f >= 0 ? -Math.sqrt(sigma) : Math.sqrt(sigma);
  e[i] = scale * g;
  hs[i] = sigma - f * g;
  a[row + l] = f - g;
  return true;
}

/** p = A u over the leading i×i block (lower triangle, row by row), u in a[i][0..i−1]. */
function blockTimesReflector(a: Float64Array, n: number, i: number, p: Float64Array): void {
  const row = i * n;
  p.fill(0, 0, i);
  for (let j = 0; j < i; j++) {
    const rj = j * n;
    const uj = a[row + j];
    let s = 0;
    for (let k = 0; k < j; k++) {
      const ajk = a[rj + k];
      s += ajk * a[row + k];
      p[k] += ajk * uj;
    }
    p[j] += s + a[rj + j] * uj;
  }
}

/** a[j][0..len] −= u[j] q[0..len] + q[j] u[0..len], with u in row `uRow` of a. */
function updateRow(a: Float64Array, n: number, uRow: number, j: number, len: number, q: Float64Array): void {
  const rj = j * n;
  const uj = a[uRow + j];
  const qj = q[j];
  for (let k = 0; k <= len; k++) a[rj + k] -= uj * q[k] + qj * a[uRow + k];
}

function transpose(src: Float64Array, n: number, out: Float64Array): Float64Array {
  const tile = 32;
  for (let i0 = 0; i0 < n; i0 += tile) {
    for (let j0 = 0; j0 < n; j0 += tile) {
      const i1 = Math.min(n, i0 + tile);
      const j1 = Math.min(n, j0 + tile);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * n + i] = src[i * n + j];
    }
  }
  return out;
}

function sortAscending(d: Float64Array, z: Float64Array, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j] || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) values[k] = d[order[k]];
  for (let r = 0; r < n; r++) {
    const o = r * n;
    for (let k = 0; k < n; k++) vectors[o + k] = z[o + order[k]];
  }
  return { values, vectors, n };
}
