/**
 * The O(n³) loops of the eigendecomposition and of ZCA fitting, written as self-contained
 * functions over a range of output rows [r0, r1): each uses only its arguments, Math, typed
 * arrays and the other functions of this file (no imports, no module constants), so
 * `parallel.ts` can send their source text to worker threads that split the rows of one shared
 * matrix. Every output row is computed by the same arithmetic however the rows are split, so
 * results are identical bit for bit for any thread count.
 */

/**
 * Rows [r0, r1) of Zᵀ = H_1 H_2 ⋯ H_{n−1}, where H_i = I − u_i u_iᵀ / h_i with u_i stored in
 * `reflectors[i*n .. i*n+i−1]` and h_i in `hs[i]` (0: no reflection). Built as
 * row ← row · H_{i0} ⋯ H_{i0+b−1} block by block: for a block, α_t = (row·u_t − Σ_{s<t} α_s u_s·u_t)
 * / h_t uses only dot products with the row as it was at the block start, so the row is read b
 * times from L1 and written once per block instead of once per reflector. Rows are independent.
 */
export function accumulateReflectorRows(
  r0: number,
  r1: number,
  reflectors: Float64Array,
  hs: Float64Array,
  zt: Float64Array,
  n: number,
): void {
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
  const beta = new Float64Array(b);
  for (let r = r0; r < r1; r++) {
    zt.fill(0, r * n, (r + 1) * n);
    zt[r * n + r] = 1;
  }
  // Rows go through the blocks in groups, so a block's reflectors are reused from cache by every
  // row of the group instead of being streamed from memory once per row; rows of a group are
  // taken in pairs so each load of a reflector entry serves two rows.
  const rowGroup = 16;
  for (let g0 = r0; g0 < r1; g0 += rowGroup) {
    const g1 = Math.min(r1, g0 + rowGroup);
    for (let blk = Math.floor(g0 / b); blk < blocks; blk++) {
      if (ids[blk].length === 0) continue;
      // Reflectors with i ≤ r leave e_r alone: row r starts at the block holding i = r + 1.
      let r = g0;
      while (r < g1 && blk < Math.floor(r / b)) r++;
      for (; r + 2 <= g1 && blk >= Math.floor((r + 1) / b); r += 2) {
        reflectTwoRows(zt, r * n, (r + 1) * n, packed[blk], grams[blk], ids[blk], hs, alpha, beta);
      }
      for (; r < g1; r++) {
        if (blk >= Math.floor(r / b)) reflectTwoRows(zt, r * n, -1, packed[blk], grams[blk], ids[blk], hs, alpha, beta);
      }
    }
  }
}

/**
 * row ← row · H_{i0} ⋯ H_{i0+b−1} for the row at offset o0 and, unless o1 < 0, the row at o1.
 * Each row's sums are formed in the same order whether it is paired or not, so the result does not
 * depend on how rows were split between threads.
 */
export function reflectTwoRows(
  zt: Float64Array,
  o0: number,
  o1: number,
  u: Float64Array,
  g: Float64Array,
  id: Int32Array,
  hs: Float64Array,
  alpha: Float64Array,
  beta: Float64Array,
): void {
  const count = id.length;
  const size = u.length / count;
  const two = o1 >= 0;
  const p1 = two ? o1 : o0; // with one row, the second lane reads row o0 and is discarded
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
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    for (let k = 0; k < size; k++) {
      const x = zt[o0 + k];
      const y = zt[p1 + k];
      const a0 = u[u0 + k];
      const a1 = u[u1 + k];
      const a2 = u[u2 + k];
      const a3 = u[u3 + k];
      s0 += x * a0;
      s1 += x * a1;
      s2 += x * a2;
      s3 += x * a3;
      v0 += y * a0;
      v1 += y * a1;
      v2 += y * a2;
      v3 += y * a3;
    }
    alpha[t] = s0;
    alpha[t + 1] = s1;
    alpha[t + 2] = s2;
    alpha[t + 3] = s3;
    beta[t] = v0;
    beta[t + 1] = v1;
    beta[t + 2] = v2;
    beta[t + 3] = v3;
  }
  for (; t < count; t++) {
    const ut = t * size;
    let s = 0;
    let v = 0;
    for (let k = 0; k < size; k++) {
      s += zt[o0 + k] * u[ut + k];
      v += zt[p1 + k] * u[ut + k];
    }
    alpha[t] = s;
    beta[t] = v;
  }
  // α_t = (row·u_t − Σ_{s<t} α_s u_s·u_t) / h_t.
  for (t = 0; t < count; t++) {
    let s = alpha[t];
    let v = beta[t];
    for (let q = 0; q < t; q++) {
      s -= alpha[q] * g[t * count + q];
      v -= beta[q] * g[t * count + q];
    }
    alpha[t] = s / hs[id[t]];
    beta[t] = v / hs[id[t]];
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
    const b0 = beta[t];
    const b1 = beta[t + 1];
    const b2 = beta[t + 2];
    const b3 = beta[t + 3];
    if (two) {
      for (let k = 0; k < size; k++) {
        const w0 = u[u0 + k];
        const w1 = u[u1 + k];
        const w2 = u[u2 + k];
        const w3 = u[u3 + k];
        zt[o0 + k] -= a0 * w0 + a1 * w1 + a2 * w2 + a3 * w3;
        zt[o1 + k] -= b0 * w0 + b1 * w1 + b2 * w2 + b3 * w3;
      }
    } else {
      for (let k = 0; k < size; k++) {
        zt[o0 + k] -= a0 * u[u0 + k] + a1 * u[u1 + k] + a2 * u[u2 + k] + a3 * u[u3 + k];
      }
    }
  }
  for (; t < count; t++) {
    const ut = t * size;
    const a = alpha[t];
    const c = beta[t];
    for (let k = 0; k < size; k++) zt[o0 + k] -= a * u[ut + k];
    if (two) for (let k = 0; k < size; k++) zt[o1 + k] -= c * u[ut + k];
  }
}

/**
 * Implicit QL with shifts on the symmetric tridiagonal matrix (diagonal d, subdiagonal e with
 * e[i] = T[i][i−1], e[0] unused), accumulating the rotations into rows [r0, r1) of z (n×n,
 * row-major; its columns become the eigenvectors). d and e are overwritten: d with the eigenvalues (unsorted). This is the tql2
 * iteration from EISPACK, except that the rotations, which depend only on d and e, are logged and
 * applied in batches: eight rows of z at a time receive every logged sweep while they sit in
 * cache (applying each sweep to all of z at once is memory bound). The rotations are the same for
 * every row, so threads that split the rows each repeat the cheap scalar part on their own copy
 * of d and e. Returns −1, or the index of an eigenvalue that did not converge.
 */
export function tridiagonalQlRows(
  r0: number,
  r1: number,
  d: Float64Array,
  e: Float64Array,
  z: Float64Array,
  n: number,
  maxIterations: number,
): number {
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
          applyLoggedSweeps(z, n, r0, r1, sweeps, sweepL, sweepM, sweepBase, cs, sn);
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
  applyLoggedSweeps(z, n, r0, r1, sweeps, sweepL, sweepM, sweepBase, cs, sn);
  return -1;
}

/** Applies the logged sweeps in order to rows [r0, r1) of z, eight rows at a time where possible. */
export function applyLoggedSweeps(
  z: Float64Array,
  n: number,
  r0: number,
  r1: number,
  sweeps: number,
  sweepL: Int32Array,
  sweepM: Int32Array,
  sweepBase: Int32Array,
  cs: Float64Array,
  sn: Float64Array,
): void {
  let row = r0;
  for (; row + 8 <= r1; row += 8) {
    for (let k = 0; k < sweeps; k++) rotateEightRows(z, n, row, sweepL[k], sweepM[k], cs, sn, sweepBase[k]);
  }
  for (; row + 4 <= r1; row += 4) {
    for (let k = 0; k < sweeps; k++) rotateFourRows(z, n, row, sweepL[k], sweepM[k], cs, sn, sweepBase[k]);
  }
  for (; row < r1; row++) {
    for (let k = 0; k < sweeps; k++) rotateOneRow(z, n, row, sweepL[k], sweepM[k], cs, sn, sweepBase[k]);
  }
}

/** {@link rotateFourRows} for eight consecutive rows (each c, s load then serves eight). */
export function rotateEightRows(
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
  const o4 = o3 + n;
  const o5 = o4 + n;
  const o6 = o5 + n;
  const o7 = o6 + n;
  let h0 = z[o0 + m];
  let h1 = z[o1 + m];
  let h2 = z[o2 + m];
  let h3 = z[o3 + m];
  let h4 = z[o4 + m];
  let h5 = z[o5 + m];
  let h6 = z[o6 + m];
  let h7 = z[o7 + m];
  const at = base - l;
  for (let i = m - 1; i >= l; i--) {
    const c = cs[at + i];
    const s = sn[at + i];
    let a = z[o0 + i];
    z[o0 + i + 1] = s * a + c * h0;
    h0 = c * a - s * h0;
    a = z[o1 + i];
    z[o1 + i + 1] = s * a + c * h1;
    h1 = c * a - s * h1;
    a = z[o2 + i];
    z[o2 + i + 1] = s * a + c * h2;
    h2 = c * a - s * h2;
    a = z[o3 + i];
    z[o3 + i + 1] = s * a + c * h3;
    h3 = c * a - s * h3;
    a = z[o4 + i];
    z[o4 + i + 1] = s * a + c * h4;
    h4 = c * a - s * h4;
    a = z[o5 + i];
    z[o5 + i + 1] = s * a + c * h5;
    h5 = c * a - s * h5;
    a = z[o6 + i];
    z[o6 + i + 1] = s * a + c * h6;
    h6 = c * a - s * h6;
    a = z[o7 + i];
    z[o7 + i + 1] = s * a + c * h7;
    h7 = c * a - s * h7;
  }
  z[o0 + l] = h0;
  z[o1 + l] = h1;
  z[o2 + l] = h2;
  z[o3 + l] = h3;
  z[o4 + l] = h4;
  z[o5 + l] = h5;
  z[o6 + l] = h6;
  z[o7 + l] = h7;
}

/**
 * One logged sweep (rotations i = m−1 … l on column pairs (i, i+1)) applied to four consecutive
 * rows: (z_i, z_{i+1}) ← (c z_i − s z_{i+1}, s z_i + c z_{i+1}). Along a row this is a chain, so
 * the running z_{i+1} is carried in a register; four interleaved rows hide the chain's latency.
 */
export function rotateFourRows(
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

export function rotateOneRow(
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

/**
 * Adds M Mᵀ to rows [r0, r1) of the lower triangle of c (rows×rows, row-major), where M is
 * rows×cols row-major:
 * c[i][j] += Σ_k M[i][k] M[j][k] for j ≤ i; the upper triangle is not touched. Output rows are
 * taken in groups so that the group's rows of M stay in cache while every earlier row streams
 * past once; within a group, tiles of 2×4 outputs keep eight running sums in registers.
 */
export function addLowerGramRows(r0: number, r1: number, m: Float64Array, rows: number, cols: number, c: Float64Array): void {
  // A group's rows of M (group × cols doubles) should stay in L2 while earlier rows stream past.
  const group = 2 * Math.max(1, Math.min(32, Math.floor(4096 / Math.max(1, cols))));
  for (let g0 = r0; g0 < r1; g0 += group) {
    const g1 = Math.min(r1, g0 + group);
    const pairsEnd = g0 + 2 * Math.floor((g1 - g0) / 2); // rows g0..pairsEnd−1 go in pairs
    // Tile (i, i+1) × (j … j+3) is entirely on or below the diagonal when j + 3 ≤ i.
    for (let j = 0; j + 4 <= pairsEnd; j += 4) {
      const first = g0 + 2 * Math.ceil(Math.max(0, j + 3 - g0) / 2);
      for (let i = first; i + 2 <= pairsEnd; i += 2) addTile(m, cols, c, rows, i, j);
    }
    // What the tiles left: the last few columns of each pair, and an odd final row.
    for (let i = g0; i < g1; i++) {
      const pairStart = i - ((i - g0) & 1);
      const from = i < pairsEnd ? 4 * Math.floor((pairStart + 1) / 4) : 0;
      for (let j = from; j <= i; j++) c[i * rows + j] += gramDot(m, i * cols, j * cols, cols);
    }
  }
}

export function gramDot(m: Float64Array, a: number, b: number, cols: number): number {
  let s = 0;
  for (let k = 0; k < cols; k++) s += m[a + k] * m[b + k];
  return s;
}

/** c[i..i+1][j..j+3] += the 2×4 block of M Mᵀ, with eight sums kept in registers. */
export function addTile(m: Float64Array, cols: number, c: Float64Array, rows: number, i: number, j: number): void {
  const a0 = i * cols;
  const a1 = a0 + cols;
  const b0 = j * cols;
  const b1 = b0 + cols;
  const b2 = b1 + cols;
  const b3 = b2 + cols;
  let s00 = 0;
  let s01 = 0;
  let s02 = 0;
  let s03 = 0;
  let s10 = 0;
  let s11 = 0;
  let s12 = 0;
  let s13 = 0;
  for (let k = 0; k < cols; k++) {
    const x0 = m[a0 + k];
    const x1 = m[a1 + k];
    const y0 = m[b0 + k];
    const y1 = m[b1 + k];
    const y2 = m[b2 + k];
    const y3 = m[b3 + k];
    s00 += x0 * y0;
    s01 += x0 * y1;
    s02 += x0 * y2;
    s03 += x0 * y3;
    s10 += x1 * y0;
    s11 += x1 * y1;
    s12 += x1 * y2;
    s13 += x1 * y3;
  }
  const c0 = i * rows + j;
  const c1 = c0 + rows;
  c[c0] += s00;
  c[c0 + 1] += s01;
  c[c0 + 2] += s02;
  c[c0 + 3] += s03;
  c[c1] += s10;
  c[c1 + 1] += s11;
  c[c1 + 2] += s12;
  c[c1 + 3] += s13;
}
