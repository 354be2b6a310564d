import { describe, expect, it } from 'vitest';
import { eigh, eighParallel } from '../src/eigh.js';
import { KernelPool, splitRows } from '../src/parallel.js';
import { Rng } from '@wn/tensor';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 2 * rng.nextFloat() - 1;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** Q diag(values) Qᵀ with Q a product of random Householder reflections. */
function withSpectrum(values: number[], seed: number): Float64Array {
  const n = values.length;
  const rng = new Rng(seed);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let r = 0; r < 3; r++) {
    const v = Array.from({ length: n }, () => rng.nextFloat() - 0.5);
    const vv = v.reduce((s, x) => s + x * x, 0);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += q[i * n + k] * v[k];
      for (let k = 0; k < n; k++) q[i * n + k] -= (2 * dot * v[k]) / vv;
    }
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * values[k] * q[j * n + k];
      a[i * n + j] = s;
    }
  }
  return a;
}

function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** ‖A − V Λ Vᵀ‖ / ‖A‖ and max |VᵀV − I|. */
function residuals(a: Float64Array, n: number) {
  const { values, vectors } = eigh(a, n);
  const diff = new Float64Array(n * n);
  let orthogonality = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let o = 0;
      for (let k = 0; k < n; k++) {
        s += vectors[i * n + k] * values[k] * vectors[j * n + k];
        o += vectors[k * n + i] * vectors[k * n + j];
      }
      diff[i * n + j] = a[i * n + j] - s;
      orthogonality = Math.max(orthogonality, Math.abs(o - (i === j ? 1 : 0)));
    }
  }
  return { values, reconstruction: frobenius(diff) / Math.max(frobenius(a), Number.MIN_VALUE), orthogonality };
}

describe('eigh', () => {
  it.each([1, 2, 3, 17, 64, 150])('reconstructs a random symmetric matrix of size %i to 1e-10', (n) => {
    const { values, reconstruction, orthogonality } = residuals(randomSymmetric(n, n), n);
    expect(reconstruction).toBeLessThan(1e-10);
    expect(orthogonality).toBeLessThan(1e-10);
    for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
  });

  it('finds a known spectrum with repeated, zero and negative eigenvalues', () => {
    const spectrum = [5, -2, 0, 0, 3, 3, 3, 1e-9, -7.5, 2];
    const a = withSpectrum(spectrum, 1);
    const { values, reconstruction, orthogonality } = residuals(a, spectrum.length);
    const sorted = [...spectrum].sort((x, y) => x - y);
    values.forEach((v, k) => expect(Math.abs(v - sorted[k])).toBeLessThan(1e-12 * 7.5));
    expect(reconstruction).toBeLessThan(1e-10);
    expect(orthogonality).toBeLessThan(1e-10);
  });

  it('handles a covariance-like spectrum spanning twelve orders of magnitude', () => {
    const spectrum = Array.from({ length: 40 }, (_, k) => 10 ** (4 - (12 * k) / 39));
    const { values, reconstruction, orthogonality } = residuals(withSpectrum(spectrum, 2), 40);
    expect(reconstruction).toBeLessThan(1e-10);
    expect(orthogonality).toBeLessThan(1e-10);
    expect(Math.abs(values[39] - 1e4)).toBeLessThan(1e-8);
  });

  it('returns diagonal matrices as they are and the zero matrix as zeros', () => {
    const n = 5;
    const diag = new Float64Array(n * n);
    [4, 1, 3, 5, 2].forEach((v, i) => (diag[i * n + i] = v));
    const { values, vectors } = eigh(diag, n);
    expect([...values]).toEqual([1, 2, 3, 4, 5]);
    expect(vectors.every((v) => v === 0 || Math.abs(v) === 1)).toBe(true);
    const zero = eigh(new Float64Array(9), 3);
    expect([...zero.values]).toEqual([0, 0, 0]);
    expect(residuals(new Float64Array(9), 3).orthogonality).toBe(0);
  });

  it('reads only the lower triangle and leaves the input untouched', () => {
    const n = 20;
    const a = randomSymmetric(n, 3);
    const lowerOnly = a.slice();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) lowerOnly[i * n + j] = Number.NaN;
    const copy = lowerOnly.slice();
    expect(eigh(lowerOnly, n)).toEqual(eigh(a, n));
    expect(Object.is(lowerOnly[1], copy[1]) && lowerOnly.slice(n).every((v, i) => Object.is(v, copy[n + i]))).toBe(true);
  });

  it('names bad input', () => {
    expect(() => eigh(new Float64Array(8), 3)).toThrow('eigh: a must have n*n = 9 entries for n = 3, got 8');
    expect(() => eigh(new Float64Array(4), 0)).toThrow(/n must be a positive integer, got 0/);
    expect(() => eigh(new Float64Array([1, 0, Infinity, 1]), 2)).toThrow('eigh: a[1][0] is Infinity; the matrix must be finite');
    expect(() => eigh([1] as unknown as Float64Array, 1)).toThrow(/must be a Float64Array/);
    expect(() => eigh(randomSymmetric(30, 4), 30, { maxIterations: 1 })).toThrow(/QL did not converge for eigenvalue \d+ after 1 iterations/);
  });
});

describe('eighParallel', () => {
  it('gives the same bits as eigh for any thread count', async () => {
    const n = 90;
    const a = randomSymmetric(n, 8);
    const expected = eigh(a, n);
    for (const threads of [1, 2, 3]) expect(await eighParallel(a, n, { threads })).toEqual(expected);
  });

  it('reuses a pool and reports worker failures', async () => {
    const pool = new KernelPool(2);
    try {
      const a = randomSymmetric(40, 9);
      expect(await eighParallel(a, 40, { pool })).toEqual(eigh(a, 40));
      await expect(eighParallel(randomSymmetric(30, 4), 30, { pool, maxIterations: 1 })).rejects.toThrow(/did not converge/);
      await expect(eighParallel(a, 40, { threads: 0 })).rejects.toThrow('eighParallel: threads must be a positive integer, got 0');
    } finally {
      await pool.close();
    }
  });

  it('splits rows into balanced contiguous ranges', () => {
    expect(splitRows(10, 3, false)).toEqual([
      [0, 3],
      [3, 7],
      [7, 10],
    ]);
    const tri = splitRows(1000, 2, true);
    expect(tri).toEqual([
      [0, 707],
      [707, 1000],
    ]);
    expect(splitRows(1, 4, false)).toEqual([[0, 1]]);
  });
});
