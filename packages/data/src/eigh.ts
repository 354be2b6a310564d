/**
 * Symmetric eigendecomposition in float64: Householder reduction to tridiagonal form, then the
 * implicit QL method with shifts (the classic tred2/tql2 pair from EISPACK), rearranged so that
 * every inner loop walks contiguous rows of row-major storage and the O(n³) passes are blocked for
 * the cache (and, in {@link eighParallel}, split across threads). That is what makes a 3072×3072
 * covariance (CIFAR-10) tractable in plain JavaScript.
 */
import { WnError } from '@wn/tensor';
import { type KernelPool, sharedFloat64, withPool } from './parallel.js';
import { accumulateReflectorRows, tridiagonalQlRows } from './row-kernels.js';

/** The eigendecomposition of a symmetric n×n matrix. */
export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** n×n row-major; column k is the unit eigenvector of `values[k]`. */
  vectors: Float64Array;
  /** The matrix size. */
  n: number;
}

/** Options of {@link eigh}. */
export interface EighOptions {
  /** QL iterations allowed per eigenvalue before giving up (default 60). */
  maxIterations?: number;
}

/** Options of {@link eighParallel}. */
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
  if (!Number.isInteger(n) || n < 1) throw new WnError('eigh', `n must be a positive integer, got ${n}`);
  if (!(a instanceof Float64Array)) throw new WnError('eigh', 'a must be a Float64Array');
  if (a.length !== n * n) {
    throw new WnError('eigh', `a must have n*n = ${n * n} entries for n = ${n}, got ${a.length}`);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (!Number.isFinite(a[i * n + j])) {
        throw new WnError('eigh', `a[${i}][${j}] is ${a[i * n + j]}; the matrix must be finite`);
      }
    }
  }
  const maxIterations = options.maxIterations ?? 60;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new WnError('eigh', `maxIterations must be a positive integer, got ${maxIterations}`);
  }
  return maxIterations;
}

function notConverged(index: number, maxIterations: number): Error {
  return new WnError('eigh', `QL did not converge for eigenvalue ${index} after ${maxIterations} iterations`);
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
 * Each step's two-sided update A ← A − u qᵀ − q uᵀ is deferred for a panel of steps (as LAPACK's
 * blocked reduction does): a step brings only its own row up to date, corrects A·u for the pending
 * updates, and the panel's updates are applied in one pass at its end. The O(n³) work is then one
 * read-only pass per step plus one read-write pass per panel, instead of a read-write pass per
 * step, which matters because those passes are memory bound once A outgrows the cache.
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, hs: Float64Array): void {
  const panel = 16;
  const us = new Float64Array(panel * n); // pending u_s, zero beyond their support
  const qs = new Float64Array(panel * n); // pending q_s
  const p = new Float64Array(n);
  let i = n - 1;
  while (i >= 1) {
    let count = 0;
    for (; count < panel && i >= 1; i--) {
      const l = i - 1;
      const row = i * n;
      // Bring row i (diagonal included) up to date with the panel's pending updates.
      for (let t = 0; t < count; t++) {
        const ut = t * n;
        const ui = us[ut + i];
        const qi = qs[ut + i];
        for (let k = 0; k <= i; k++) a[row + k] -= ui * qs[ut + k] + qi * us[ut + k];
      }
      if (!prepareReflector(a, n, i, e, hs)) continue;
      // p = A u for the current A = stale A − Σ_t (u_t q_tᵀ + q_t u_tᵀ) on the leading i×i block.
      blockTimesReflector(a, n, i, p);
      for (let t = 0; t < count; t++) {
        const ut = t * n;
        let qu = 0;
        let uu = 0;
        for (let k = 0; k <= l; k++) {
          qu += qs[ut + k] * a[row + k];
          uu += us[ut + k] * a[row + k];
        }
        for (let k = 0; k <= l; k++) p[k] -= us[ut + k] * qu + qs[ut + k] * uu;
      }
      // q = p/h − (uᵀp / 2h²) u; the step's update is A ← A − u qᵀ − q uᵀ.
      const hi = hs[i];
      let upSum = 0;
      for (let k = 0; k <= l; k++) {
        p[k] /= hi;
        upSum += a[row + k] * p[k];
      }
      const kk = upSum / (hi + hi);
      const slot = count * n;
      us.fill(0, slot, slot + n);
      qs.fill(0, slot, slot + n);
      for (let k = 0; k <= l; k++) {
        us[slot + k] = a[row + k];
        qs[slot + k] = p[k] - kk * a[row + k];
      }
      count++;
    }
    applyPanel(a, n, i, us, qs, count);
  }
  for (let r = 0; r < n; r++) d[r] = a[r * n + r];
  e[0] = 0;
}

/** a[j][k] −= Σ_t (u_t[j] q_t[k] + q_t[j] u_t[k]) for 0 ≤ k ≤ j ≤ last: the panel's deferred updates. */
function applyPanel(a: Float64Array, n: number, last: number, us: Float64Array, qs: Float64Array, count: number): void {
  for (let j = 0; j <= last; j++) {
    const rj = j * n;
    let t = 0;
    // Four updates per sweep over the row, which stays in L1 across the sweeps.
    for (; t + 4 <= count; t += 4) {
      const o0 = t * n;
      const o1 = o0 + n;
      const o2 = o1 + n;
      const o3 = o2 + n;
      const u0 = us[o0 + j];
      const q0 = qs[o0 + j];
      const u1 = us[o1 + j];
      const q1 = qs[o1 + j];
      const u2 = us[o2 + j];
      const q2 = qs[o2 + j];
      const u3 = us[o3 + j];
      const q3 = qs[o3 + j];
      for (let k = 0; k <= j; k++) {
        a[rj + k] -=
          u0 * qs[o0 + k] + q0 * us[o0 + k] + u1 * qs[o1 + k] + q1 * us[o1 + k] +
          u2 * qs[o2 + k] + q2 * us[o2 + k] + u3 * qs[o3 + k] + q3 * us[o3 + k];
      }
    }
    for (; t < count; t++) {
      const o0 = t * n;
      const u0 = us[o0 + j];
      const q0 = qs[o0 + j];
      for (let k = 0; k <= j; k++) a[rj + k] -= u0 * qs[o0 + k] + q0 * us[o0 + k];
    }
  }
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

/**
 * p = A u over the leading i×i block, u in a[i][0..i−1], reading the lower triangle row by row:
 * row j contributes its dot product with u to p[j] and a_jk u_j to p[k] for k < j. Four rows go
 * together so each load of u[k] and p[k] serves four of them.
 */
function blockTimesReflector(a: Float64Array, n: number, i: number, p: Float64Array): void {
  const row = i * n;
  p.fill(0, 0, i);
  let j = 0;
  for (; j + 4 <= i; j += 4) {
    const r0 = j * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const u0 = a[row + j];
    const u1 = a[row + j + 1];
    const u2 = a[row + j + 2];
    const u3 = a[row + j + 3];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < j; k++) {
      const uk = a[row + k];
      const a0 = a[r0 + k];
      const a1 = a[r1 + k];
      const a2 = a[r2 + k];
      const a3 = a[r3 + k];
      s0 += a0 * uk;
      s1 += a1 * uk;
      s2 += a2 * uk;
      s3 += a3 * uk;
      p[k] += a0 * u0 + a1 * u1 + a2 * u2 + a3 * u3;
    }
    // The 4×4 diagonal block: entries with k in j..j+3, k ≤ row, taken one by one.
    for (let q = 0; q < 4; q++) {
      const rq = (j + q) * n;
      const uq = a[row + j + q];
      let s = 0;
      for (let k = j; k < j + q; k++) {
        s += a[rq + k] * a[row + k];
        p[k] += a[rq + k] * uq;
      }
      p[j + q] += s + a[rq + j + q] * uq;
    }
    p[j] += s0;
    p[j + 1] += s1;
    p[j + 2] += s2;
    p[j + 3] += s3;
  }
  for (; j < i; j++) {
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
