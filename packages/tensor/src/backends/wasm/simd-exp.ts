/**
 * exp of four float32 lanes in WebAssembly SIMD, equal bit for bit to the JS loops'
 * `Math.fround(Math.exp(x))`, so programs with exp (ELU, its gradient, softplus) can run in the
 * SIMD fused modules without changing a result.
 *
 * V8's Math.exp is fdlibm's `__ieee754_exp` (float64). For a float32 argument its result rounded
 * to float32 is reproduced here with the same float64 operations in the same order, two lanes at a
 * time: the reduction x = k·ln2 + r (ln2 split in a high part whose products with k are exact and a
 * low part), the rational approximation of exp(r) and the scaling by 2^k. fdlibm's separate
 * branches collapse for float32 inputs: |x| < 0.5·ln2 is the general formula with k = 0 (its
 * special k = 0 expression is the same value), 0.5·ln2 ≤ |x| < 1.5·ln2 takes k = ±1, and beyond
 * k = trunc(x/ln2 ± 0.5); x ≥ 89 gives +Infinity and x ≤ −104 gives +0 (every float32 result there
 * overflows or underflows), NaN stays NaN. `expF32` below is the scalar statement of the same
 * steps; the tests compare both with Math.exp (every float32 in [−104, 89] was checked once, by
 * an exhaustive run: no difference).
 */
import { f32, f32x4, f64, f64x2, i32x4, i64x2, v128, type FunctionBuilder, type Local, type Operand } from './emitter.js';

/** The high words of 0.5·ln2 and 1.5·ln2 as fdlibm compares them (low words zero). */
const bits = (hi: number): number => {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, hi);
  return view.getFloat64(0);
};
const HALF_LN2 = bits(0x3fd62e43);
const THREE_HALVES_LN2 = bits(0x3ff0a2b2);
const LN2_HI = 6.93147180369123816490e-01;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700e+00;
const P = [1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05, -1.65339022054652515390e-06, 4.13813679705723846039e-08] as const;
/** float32 arguments at or above this overflow, at or below the other underflow to +0 */
const OVERFLOW = 89;
const UNDERFLOW = -104;

/**
 * The scalar statement of the SIMD steps: exp(x) for a float32 `x`, rounded to float32 — equal to
 * `Math.fround(Math.exp(x))` (the tests check it against Math.exp).
 */
export function expF32(x: number): number {
  if (x !== x) return NaN;
  if (x >= OVERFLOW) return Infinity;
  if (x <= UNDERFLOW) return 0;
  const ax = Math.abs(x);
  const k = ax < HALF_LN2 ? 0 : ax < THREE_HALVES_LN2 ? Math.sign(x) : Math.trunc(INV_LN2 * x + (x < 0 ? -0.5 : 0.5));
  const hi = x - k * LN2_HI, lo = k * LN2_LO, r = hi - lo, t = r * r;
  const c = r - t * (P[0] + t * (P[1] + t * (P[2] + t * (P[3] + t * P[4]))));
  const y = 1 - ((lo - (r * c) / (2 - c)) - hi);
  return Math.fround(y * 2 ** k);
}

/** Emits exp of an f32x4 operand into a fresh local (see the module comment). */
export type SimdExp = (x: Operand) => Local;

/**
 * Prepares `f` to compute exp of f32x4 values: the constants go into locals now (call this
 * before the loop), and the returned function emits the steps for one value wherever it is called.
 */
export function simdExp(f: FunctionBuilder): SimdExp {
  const constant = (v: number): Local => {
    const l = f.local('v128');
    f.set(l, f64x2.splat(f64.const(v)));
    return l;
  };
  const halfLn2 = constant(HALF_LN2), threeHalvesLn2 = constant(THREE_HALVES_LN2);
  const ln2Hi = constant(LN2_HI), ln2Lo = constant(LN2_LO), invLn2 = constant(INV_LN2);
  const p = P.map(constant);
  const one = constant(1), two = constant(2), half = constant(0.5), bias = constant(1023), signBit = constant(-0);
  const overflow = f.local('v128'), underflow = f.local('v128'), infinity = f.local('v128');
  f.set(overflow, f32x4.splat(f32.const(OVERFLOW)));
  f.set(underflow, f32x4.splat(f32.const(UNDERFLOW)));
  f.set(infinity, f32x4.splat(f32.const(Infinity)));

  /** exp of two float64 lanes (float32 values), as float64 (not yet rounded). */
  const exp2 = (x: Local): Local => {
    const ax = f.local('v128'), k = f.local('v128'), hi = f.local('v128'), lo = f.local('v128');
    const r = f.local('v128'), t = f.local('v128'), c = f.local('v128'), y = f.local('v128');
    const sign = v128.and(x, signBit);
    f.set(ax, f64x2.abs(x));
    const far = f64x2.trunc(f64x2.add(f64x2.mul(invLn2, x), v128.or(half, sign)));
    const near = v128.or(one, sign);
    f.set(k, v128.bitselect(v128.zero(), v128.bitselect(near, far, f64x2.lt(ax, threeHalvesLn2)), f64x2.lt(ax, halfLn2)));
    f.set(hi, f64x2.sub(x, f64x2.mul(k, ln2Hi)));
    f.set(lo, f64x2.mul(k, ln2Lo));
    f.set(r, f64x2.sub(hi, lo));
    f.set(t, f64x2.mul(r, r));
    let poly = p[4] as Operand;
    for (let i = 3; i >= 0; i--) poly = f64x2.add(p[i], f64x2.mul(t, poly));
    f.set(c, f64x2.sub(r, f64x2.mul(t, poly)));
    f.set(y, f64x2.sub(one, f64x2.sub(f64x2.sub(lo, f64x2.div(f64x2.mul(r, c), f64x2.sub(two, c))), hi)));
    // 2^k from its bits, (k + 1023) << 52: exact, as fdlibm's exponent arithmetic
    const scale = i64x2.shl(i64x2.extendLowI32x4S(i32x4.truncSatF64x2SZero(f64x2.add(k, bias))), 52);
    f.set(y, f64x2.mul(y, scale));
    return y;
  };

  return (x: Operand): Local => {
    const v = f.local('v128'), low = f.local('v128'), high = f.local('v128'), out = f.local('v128');
    f.set(v, x);
    f.set(low, f64x2.promoteLowF32x4(v));
    f.set(high, f64x2.promoteLowF32x4(v128.shuffle32(v, v, [2, 3, 0, 1])));
    const a = exp2(low), b = exp2(high);
    f.set(out, v128.shuffle32(f32x4.demoteF64x2Zero(a), f32x4.demoteF64x2Zero(b), [0, 1, 4, 5]));
    // overflow, underflow (±Infinity included); NaN lanes are NaN already
    f.set(out, v128.bitselect(infinity, out, f32x4.ge(v, overflow)));
    f.set(out, v128.bitselect(v128.zero(), out, f32x4.le(v, underflow)));
    return out;
  };
}
