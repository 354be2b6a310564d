/**
 * Assertion helpers and seeded inputs shared by every @wn test suite.
 *
 * `expectClose` compares element by element and, on failure, names the worst element (flat and
 * multi-index), both values, the difference and what was allowed, so a failing backend kernel can
 * be located without a debugger.
 */
import { Rng, Tensor, sizeOf, tensor, type Shape } from '@wn/tensor';

export interface CloseOptions {
  /** relative tolerance (default 1e-5) */
  rtol?: number;
  /** absolute tolerance (default: equal to rtol) */
  atol?: number;
  /** expected shape; checked against a Tensor `actual` and used to print multi-indices */
  shape?: Shape;
  /** prefix for the failure message, e.g. the case and backend */
  label?: string;
}

type Values = ArrayLike<number> | Tensor;

function valuesOf(v: Values): ArrayLike<number> {
  return v instanceof Tensor ? v.dataSync() : v;
}

function multiIndex(flat: number, shape: Shape | undefined): string {
  if (!shape || shape.length === 0) return '';
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return ` [${idx.join(', ')}]`;
}

export interface CloseReport {
  ok: boolean;
  mismatches: number;
  /** flat index of the element with the largest error relative to its allowance, or -1 */
  worst: number;
  message: string;
}

/**
 * Element i passes when |actual − expected| ≤ max(atol, rtol·|expected|), i.e. with the default
 * atol = rtol, when |a − e| ≤ tol·max(1, |e|): relative for magnitudes above 1, absolute below.
 * NaN matches only NaN, and ±Infinity only the same infinity.
 */
export function compareClose(actual: Values, expected: Values, options: CloseOptions = {}): CloseReport {
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? rtol;
  const label = options.label ? `${options.label}: ` : '';
  if (actual instanceof Tensor && options.shape) {
    const a = actual.shape, e = options.shape;
    if (a.length !== e.length || a.some((d, i) => d !== e[i])) {
      return { ok: false, mismatches: -1, worst: -1, message: `${label}shape [${a.join(', ')}] differs from the expected [${e.join(', ')}]` };
    }
  }
  const shape = options.shape ?? (actual instanceof Tensor ? actual.shape : undefined);
  const a = valuesOf(actual), e = valuesOf(expected);
  if (a.length !== e.length) {
    return { ok: false, mismatches: -1, worst: -1, message: `${label}${a.length} values differ in count from the expected ${e.length}` };
  }
  let mismatches = 0, worst = -1, worstRatio = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = e[i];
    let ratio: number;
    if (Number.isNaN(y) || Number.isNaN(x)) ratio = Number.isNaN(x) && Number.isNaN(y) ? 0 : Infinity;
    else if (!Number.isFinite(y) || !Number.isFinite(x)) ratio = x === y ? 0 : Infinity;
    else if (atol === 0 && rtol === 0) ratio = x === y ? 0 : Infinity; // exact: any difference fails
    else ratio = Math.abs(x - y) / Math.max(atol, rtol * Math.abs(y));
    if (ratio > 1) mismatches++;
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = i;
    }
  }
  if (mismatches === 0) return { ok: true, mismatches, worst, message: `${label}all ${a.length} values close` };
  const x = a[worst], y = e[worst];
  const allowed = Math.max(atol, rtol * Math.abs(y));
  return {
    ok: false,
    mismatches,
    worst,
    message:
      `${label}${mismatches} of ${a.length} values differ beyond rtol ${rtol}, atol ${atol}; worst at flat index ${worst}` +
      `${multiIndex(worst, shape)}: actual ${x}, expected ${y}, |diff| ${Math.abs(x - y)} (allowed ${allowed})`,
  };
}

/** Throws (failing the test) unless `actual` is close to `expected`; see `compareClose`. */
export function expectClose(actual: Values, expected: Values, options: CloseOptions = {}): void {
  const r = compareClose(actual, expected, options);
  if (!r.ok) throw new Error(r.message);
}

/** Asserts the tensor's shape, naming both shapes on failure. */
export function expectShape(t: Tensor, shape: Shape, label = 'tensor'): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${label}: shape [${t.shape.join(', ')}] differs from the expected [${shape.join(', ')}]`);
  }
}

export interface RandomOptions {
  /** strictly positive values in [0.25, 2.25): for log, sqrt, reciprocal and pow bases */
  positive?: boolean;
  /** uniform in [low, high) instead of normal */
  low?: number;
  high?: number;
  /** standard deviation of the normal draw (default 1) */
  std?: number;
}

/**
 * Seeded host values of `shape`, already rounded to float32 so float32 and float64 backends see
 * bit-identical inputs. Normal(0, std) unless `positive` or a uniform range is asked for.
 */
export function randomValues(shape: Shape, seed: number, options: RandomOptions = {}): Float64Array {
  const n = sizeOf(shape);
  const rng = new Rng(seed);
  let v: Float64Array;
  if (options.positive) v = rng.uniformArray(n, 0.25, 2.25);
  else if (options.low !== undefined || options.high !== undefined) v = rng.uniformArray(n, options.low ?? 0, options.high ?? 1);
  else v = rng.normalArray(n, 0, options.std ?? 1);
  for (let i = 0; i < n; i++) v[i] = Math.fround(v[i]);
  return v;
}

/** `randomValues` as a tensor on the current backend. */
export function randomInput(shape: Shape, seed: number, options: RandomOptions = {}): Tensor {
  return tensor(randomValues(shape, seed, options), shape);
}

/** A stable 31-bit seed from a string (FNV-1a), so adding a case never reseeds the others. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 0x7fffffff;
}
