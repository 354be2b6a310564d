/** The matrix product behind both covariance and ZCA-matrix assembly, tuned for V8. */

/**
 * Adds M Mᵀ to the lower triangle of c (rows×rows, row-major), where M is rows×cols row-major:
 * c[i][j] += Σ_k M[i][k] M[j][k] for j ≤ i; the upper triangle is not touched. Output rows are
 * taken in groups so that the group's rows of M stay in cache while every earlier row streams
 * past once; within a group, tiles of 2×4 outputs keep eight running sums in registers.
 */
export function addLowerGram(m: Float64Array, rows: number, cols: number, c: Float64Array): void {
  if (m.length < rows * cols) throw new Error(`addLowerGram: m has ${m.length} entries, need rows*cols = ${rows * cols}`);
  if (c.length !== rows * rows) throw new Error(`addLowerGram: c must have rows*rows = ${rows * rows} entries, got ${c.length}`);
  // A group's rows of M (group × cols doubles) should stay in L2 while earlier rows stream past.
  const group = 2 * Math.max(1, Math.min(32, Math.floor(4096 / Math.max(1, cols))));
  for (let g0 = 0; g0 < rows; g0 += group) {
    const g1 = Math.min(rows, g0 + group);
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
      for (let j = from; j <= i; j++) c[i * rows + j] += dot(m, i * cols, j * cols, cols);
    }
  }
}

function dot(m: Float64Array, a: number, b: number, cols: number): number {
  let s = 0;
  for (let k = 0; k < cols; k++) s += m[a + k] * m[b + k];
  return s;
}

/** c[i..i+1][j..j+3] += the 2×4 block of M Mᵀ, with eight sums kept in registers. */
function addTile(m: Float64Array, cols: number, c: Float64Array, rows: number, i: number, j: number): void {
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

/** Copies the lower triangle of the n×n row-major matrix c onto its upper triangle. */
export function symmetrizeFromLower(c: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) c[j * n + i] = c[i * n + j];
  }
}
