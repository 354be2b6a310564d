/**
 * Symmetric eigendecomposition in float64: Householder reduction to tridiagonal form, then the
 * implicit QL method with shifts (the classic tred2/tql2 pair from EISPACK), rearranged so that
 * every inner loop walks contiguous rows of row-major storage and the O(n³) passes are blocked for
 * the cache. That is what makes a 3072×3072 covariance (CIFAR-10) tractable in plain JavaScript.
 */

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

/**
 * Eigenvalues and eigenvectors of the symmetric n×n matrix `a` (row-major; only the lower
 * triangle is read; `a` is left untouched). Throws if `a` has the wrong length, holds a
 * non-finite value, or QL fails to converge.
 */
export function eigh(a: Float64Array, n: number, options: EighOptions = {}): SymmetricEigen {
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
  const reflectors = new Float64Array(a); // reduced in place; ends up holding the Householder vectors
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const hs = new Float64Array(n);
  tridiagonalize(reflectors, n, d, e, hs);
  const z = transpose(accumulateReflectors(reflectors, hs, n), n);
  const failed = tridiagonalQl(d, e, z, n, maxIterations);
  if (failed >= 0) {
    throw new Error(`eigh: QL did not converge for eigenvalue ${failed} after ${maxIterations} iterations`);
  }
  return sortAscending(d, z, n);
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

/**
 * Zᵀ = H_1 H_2 ⋯ H_{n−1}, where H_i = I − u_i u_iᵀ / h_i with u_i stored in
 * `reflectors[i*n .. i*n+i−1]` and h_i in `hs[i]` (0: no reflection). Built as
 * row ← row · H_{i0} ⋯ H_{i0+b−1} block by block: for a block, α_t = (row·u_t − Σ_{s<t} α_s u_s·u_t)
 * / h_t uses only dot products with the row as it was at the block start, so the row is read b
 * times from L1 and written once per block instead of once per reflector. Rows are independent.
 */
function accumulateReflectors(reflectors: Float64Array, hs: Float64Array, n: number): Float64Array {
  const zt = new Float64Array(n * n);
  const b = 16;
  const blocks = Math.ceil((n - 1) / b);
  // Per block: packed reflectors (zero-padded to the block's support) and their Gram matrix.
  const packed: Float64Array[] = [];
  const grams: Float64Array[] = [];
  const ids: Int32Array[] = [];
  for (let blk = 0; blk < blocks; blk++) {
    const i0 = 1 + blk * b;
    const i1 = Math.min(n, i0 + b);
    const size = i1 - 1;
    let count = 0;
    for (let i = i0; i < i1; i++) if (hs[i] !== 0) count++;
    const u = new Float64Array(count * size);
    const id = new Int32Array(count);
    let t = 0;
    for (let i = i0; i < i1; i++) {
      if (hs[i] === 0) continue;
      u.set(reflectors.subarray(i * n, i * n + i), t * size);
      id[t++] = i;
    }
    const g = new Float64Array(count * count);
    for (let p = 0; p < count; p++) {
      for (let q = 0; q < p; q++) {
        let s = 0;
        for (let k = 0; k < size; k++) s += u[p * size + k] * u[q * size + k];
        g[p * count + q] = s;
      }
    }
    packed.push(u);
    grams.push(g);
    ids.push(id);
  }
  const alpha = new Float64Array(b);
  for (let r = 0; r < n; r++) zt[r * n + r] = 1;
  // Rows go through the blocks in groups, so a block's reflectors are reused from cache by every
  // row of the group instead of being streamed from memory once per row.
  const rowGroup = 16;
  for (let g0 = 0; g0 < n; g0 += rowGroup) {
    const g1 = Math.min(n, g0 + rowGroup);
    for (let blk = Math.floor(g0 / b); blk < blocks; blk++) {
      for (let r = g0; r < g1; r++) {
        // Reflectors with i ≤ r leave e_r alone: start at the block holding i = r + 1.
        if (blk < Math.floor(r / b)) continue;
        const o = r * n;
        const u = packed[blk];
        const g = grams[blk];
        const id = ids[blk];
        const count = id.length;
        if (count === 0) continue;
        const size = u.length / count;
        let t = 0;
        for (; t + 4 <= count; t += 4) {
          const u0 = t * size;
          const u1 = u0 + size;
          const u2 = u1 + size;
          const u3 = u2 + size;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let k = 0; k < size; k++) {
            const x = zt[o + k];
            s0 += x * u[u0 + k];
            s1 += x * u[u1 + k];
            s2 += x * u[u2 + k];
            s3 += x * u[u3 + k];
          }
          alpha[t] = s0;
          alpha[t + 1] = s1;
          alpha[t + 2] = s2;
          alpha[t + 3] = s3;
        }
        for (; t < count; t++) {
          const ut = t * size;
          let s = 0;
          for (let k = 0; k < size; k++) s += zt[o + k] * u[ut + k];
          alpha[t] = s;
        }
        for (t = 0; t < count; t++) {
          let s = alpha[t];
          for (let q = 0; q < t; q++) s -= alpha[q] * g[t * count + q];
          alpha[t] = s / hs[id[t]];
        }
        t = 0;
        for (; t + 4 <= count; t += 4) {
          const u0 = t * size;
          const u1 = u0 + size;
          const u2 = u1 + size;
          const u3 = u2 + size;
          const a0 = alpha[t];
          const a1 = alpha[t + 1];
          const a2 = alpha[t + 2];
          const a3 = alpha[t + 3];
          for (let k = 0; k < size; k++) {
            zt[o + k] -= a0 * u[u0 + k] + a1 * u[u1 + k] + a2 * u[u2 + k] + a3 * u[u3 + k];
          }
        }
        for (; t < count; t++) {
          const ut = t * size;
          const a = alpha[t];
          for (let k = 0; k < size; k++) zt[o + k] -= a * u[ut + k];
        }
      }
    }
  }
  return zt;
}

/**
 * Implicit QL with shifts on the symmetric tridiagonal matrix (diagonal d, subdiagonal e with
 * e[i] = T[i][i−1], e[0] unused), accumulating the rotations into the columns of z (n×n,
 * row-major). d and e are overwritten: d with the eigenvalues (unsorted). This is the tql2
 * iteration from EISPACK, except that the rotations, which depend only on d and e, are logged and
 * applied in batches: eight rows of z at a time receive every logged sweep while they sit in
 * cache (applying each sweep to all of z at once is memory bound). Returns −1, or the index of
 * an eigenvalue that did not converge within maxIterations.
 */
function tridiagonalQl(d: Float64Array, e: Float64Array, z: Float64Array, n: number, maxIterations: number): number {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  const capacity = Math.max(1 << 18, n);
  const cs = new Float64Array(capacity);
  const sn = new Float64Array(capacity);
  const sweepL = new Int32Array(capacity);
  const sweepM = new Int32Array(capacity);
  const sweepBase = new Int32Array(capacity);
  let sweeps = 0;
  let used = 0;
  let shiftTotal = 0;
  let norm = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    norm = Math.max(norm, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * norm) m++;
    if (m > l) {
      let iteration = 0;
      do {
        if (++iteration > maxIterations) return l;
        // Shift from the leading 2×2 block.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let shift = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= shift;
        shiftTotal += shift;
        // Chase the bulge from m up to l, logging each rotation.
        if (used + (m - l) > capacity) {
          applyLoggedSweeps(z, n, sweeps, sweepL, sweepM, sweepBase, cs, sn);
          sweeps = 0;
          used = 0;
        }
        const base = used;
        sweepL[sweeps] = l;
        sweepM[sweeps] = m;
        sweepBase[sweeps] = base;
        sweeps++;
        used += m - l;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          shift = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = shift + s * (c * g + s * d[i]);
          cs[base + i - l] = c;
          sn[base + i - l] = s;
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * norm);
    }
    d[l] += shiftTotal;
    e[l] = 0;
  }
  applyLoggedSweeps(z, n, sweeps, sweepL, sweepM, sweepBase, cs, sn);
  return -1;
}

/** Applies the logged sweeps in order to every row of z, eight rows at a time. */
function applyLoggedSweeps(
  z: Float64Array,
  n: number,
  sweeps: number,
  sweepL: Int32Array,
  sweepM: Int32Array,
  sweepBase: Int32Array,
  cs: Float64Array,
  sn: Float64Array,
): void {
  let row = 0;
  for (; row + 8 <= n; row += 8) {
    for (let k = 0; k < sweeps; k++) {
      rotateFourRows(z, n, row, sweepL[k], sweepM[k], cs, sn, sweepBase[k]);
      rotateFourRows(z, n, row + 4, sweepL[k], sweepM[k], cs, sn, sweepBase[k]);
    }
  }
  for (; row < n; row++) {
    for (let k = 0; k < sweeps; k++) rotateOneRow(z, n, row, sweepL[k], sweepM[k], cs, sn, sweepBase[k]);
  }
}

/**
 * One logged sweep (rotations i = m−1 … l on column pairs (i, i+1)) applied to four consecutive
 * rows: (z_i, z_{i+1}) ← (c z_i − s z_{i+1}, s z_i + c z_{i+1}). Along a row this is a chain, so
 * the running z_{i+1} is carried in a register; four interleaved rows hide the chain's latency.
 */
function rotateFourRows(
  z: Float64Array,
  n: number,
  row: number,
  l: number,
  m: number,
  cs: Float64Array,
  sn: Float64Array,
  base: number,
): void {
  const o0 = row * n;
  const o1 = o0 + n;
  const o2 = o1 + n;
  const o3 = o2 + n;
  let h0 = z[o0 + m];
  let h1 = z[o1 + m];
  let h2 = z[o2 + m];
  let h3 = z[o3 + m];
  const at = base - l;
  for (let i = m - 1; i >= l; i--) {
    const c = cs[at + i];
    const s = sn[at + i];
    const a0 = z[o0 + i];
    const a1 = z[o1 + i];
    const a2 = z[o2 + i];
    const a3 = z[o3 + i];
    z[o0 + i + 1] = s * a0 + c * h0;
    z[o1 + i + 1] = s * a1 + c * h1;
    z[o2 + i + 1] = s * a2 + c * h2;
    z[o3 + i + 1] = s * a3 + c * h3;
    h0 = c * a0 - s * h0;
    h1 = c * a1 - s * h1;
    h2 = c * a2 - s * h2;
    h3 = c * a3 - s * h3;
  }
  z[o0 + l] = h0;
  z[o1 + l] = h1;
  z[o2 + l] = h2;
  z[o3 + l] = h3;
}

function rotateOneRow(
  z: Float64Array,
  n: number,
  row: number,
  l: number,
  m: number,
  cs: Float64Array,
  sn: Float64Array,
  base: number,
): void {
  const o = row * n;
  const at = base - l;
  let h = z[o + m];
  for (let i = m - 1; i >= l; i--) {
    const a = z[o + i];
    z[o + i + 1] = sn[at + i] * a + cs[at + i] * h;
    h = cs[at + i] * a - sn[at + i] * h;
  }
  z[o + l] = h;
}

function transpose(src: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
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
