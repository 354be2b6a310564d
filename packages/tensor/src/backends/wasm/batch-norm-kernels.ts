/**
 * Batch normalization's two kinds of pass over x viewed as [outer, C, inner] (channel axis 1), in
 * the kernel memory. Each call covers `units` consecutive channels whose rows lie `stride` floats
 * apart from one outer index to the next, so threads can take disjoint channel ranges; each
 * channel is walked by one call in a fixed order, so results do not depend on the thread count.
 *
 * - `bn_sums(x, outer, units, inner, stride, out)` and `bn_sumsDy(x, dy, …)`: per channel, float64
 *   Σx and Σx² (or Σdy and Σdy·x) into out + 16·u: the float32 values and their products are exact
 *   in float64 (as in the reference loops), summed in four lanes across the channel's rows
 *   (elements 4k..4k+3 of each row), then the lanes pairwise and the rows' remainders in order.
 * - `bn_affine(x, coef, outer, units, inner, stride, y)` and `bn_affineDy(x, dy, …)`: per element in
 *   float64, y = kb·x + kc (or y = (ka·dy + kb·x) + kc) with channel u's float64 (ka, kb, kc) at
 *   coef + 24·u, rounded once to float32: the reference loops' expressions, so the same coefficients
 *   give the same bits.
 */
import { f32, f32x4, f64, f64x2, i32, v128, type Expr, type FunctionBuilder, type Local, type ModuleBuilder } from './emitter.js';

/** Bytes of one channel's sums (two float64) and of its coefficients (three float64). */
export const BN_SUMS_BYTES = 16;
export const BN_COEF_BYTES = 24;

/** Calls `row(p)` for each of channel u's rows, p the row's byte offset from the base pointers. */
function forEachChannelRow(f: FunctionBuilder, u: Local, outer: Local, inner: Local, stride: Local, row: (p: Local) => void): void {
  const a = f.local('i32'), p = f.local('i32');
  f.set(p, i32.shl(i32.mul(u, inner), 2));
  f.for(a, 0, outer, 1, () => {
    row(p);
    f.inc(p, i32.shl(stride, 2));
  });
}

/** Both float32 halves of a vector as float64 pairs. */
function halves(v: Local): [Expr, Expr] {
  return [f64x2.promoteLowF32x4(v), f64x2.promoteLowF32x4(v128.shuffle32(v, v, [2, 3, 2, 3]))];
}

function addSums(mb: ModuleBuilder, withDy: boolean): void {
  const params = withDy ? ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const : ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const;
  mb.func(withDy ? 'bn_sumsDy' : 'bn_sums', params, (f, ...ps) => {
    const x = ps[0], dy = withDy ? ps[1] : null;
    const [outer, units, inner, stride, out] = ps.slice(withDy ? 2 : 1);
    const u = f.local('i32'), b = f.local('i32'), end4 = f.local('i32'), end = f.local('i32'), o = f.local('i32');
    const xv = f.local('v128'), dv = f.local('v128'), xl = f.local('v128'), xh = f.local('v128'), dl = f.local('v128'), dh = f.local('v128');
    const s1lo = f.local('v128'), s1hi = f.local('v128'), s2lo = f.local('v128'), s2hi = f.local('v128');
    const t1 = f.local('f64'), t2 = f.local('f64'), xs = f.local('f64'), ds = f.local('f64');
    f.set(end4, i32.shl(i32.and(inner, -4), 2));
    f.set(end, i32.shl(inner, 2));
    f.for(u, 0, units, 1, () => {
      for (const s of [s1lo, s1hi, s2lo, s2hi]) f.set(s, v128.zero());
      f.set(t1, f64.const(0));
      f.set(t2, f64.const(0));
      forEachChannelRow(f, u, outer, inner, stride, (p) => {
        f.for(b, 0, end4, 16, () => {
          const q = i32.add(p, b);
          f.set(xv, v128.load(i32.add(x, q)));
          const [lo, hi] = halves(xv);
          f.set(xl, lo);
          f.set(xh, hi);
          if (dy) {
            f.set(dv, v128.load(i32.add(dy, q)));
            const [dlo, dhi] = halves(dv);
            f.set(dl, dlo);
            f.set(dh, dhi);
          }
          const [wl, wh] = dy ? [dl, dh] : [xl, xh];
          f.set(s1lo, f64x2.add(s1lo, wl));
          f.set(s1hi, f64x2.add(s1hi, wh));
          f.set(s2lo, f64x2.add(s2lo, f64x2.mul(wl, xl)));
          f.set(s2hi, f64x2.add(s2hi, f64x2.mul(wh, xh)));
        });
        f.for(b, end4, end, 4, () => {
          const q = i32.add(p, b);
          f.set(xs, f64.promoteF32(f32.load(i32.add(x, q))));
          if (dy) f.set(ds, f64.promoteF32(f32.load(i32.add(dy, q))));
          const w = dy ? ds : xs;
          f.set(t1, f64.add(t1, w));
          f.set(t2, f64.add(t2, f64.mul(w, xs)));
        });
      });
      const total = (lo: Local, hi: Local, tail: Local): Expr => f64.add(
        f64.add(f64.add(f64x2.extractLane(lo, 0), f64x2.extractLane(lo, 1)), f64.add(f64x2.extractLane(hi, 0), f64x2.extractLane(hi, 1))),
        tail,
      );
      f.set(o, i32.add(out, i32.shl(u, 4)));
      f.storeF64(o, total(s1lo, s1hi, t1));
      f.storeF64(o, total(s2lo, s2hi, t2), 8);
    });
  });
}

function addAffine(mb: ModuleBuilder, withDy: boolean): void {
  const params = withDy ? ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const : ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const;
  mb.func(withDy ? 'bn_affineDy' : 'bn_affine', params, (f, ...ps) => {
    const x = ps[0], dy = withDy ? ps[1] : null;
    const [coef, outer, units, inner, stride, y] = ps.slice(withDy ? 2 : 1);
    const u = f.local('i32'), b = f.local('i32'), end4 = f.local('i32'), end = f.local('i32'), c = f.local('i32');
    const ka = f.local('v128'), kb = f.local('v128'), kc = f.local('v128'), sa = f.local('f64'), sb = f.local('f64'), sc = f.local('f64');
    const xv = f.local('v128'), dv = f.local('v128');
    f.set(end4, i32.shl(i32.and(inner, -4), 2));
    f.set(end, i32.shl(inner, 2));
    // (ka·dy + kb·x) + kc, or kb·x + kc, in float64
    const value = (xd: Expr, dd: Expr | null, a: Local, bb: Local, cc: Local, mul: typeof f64x2.mul, add: typeof f64x2.add): Expr =>
      add(dd ? add(mul(a, dd), mul(bb, xd)) : mul(bb, xd), cc);
    f.for(u, 0, units, 1, () => {
      f.set(c, i32.add(coef, i32.mul(u, BN_COEF_BYTES)));
      f.set(sa, f64.load(c));
      f.set(sb, f64.load(c, 8));
      f.set(sc, f64.load(c, 16));
      f.set(ka, f64x2.splat(sa));
      f.set(kb, f64x2.splat(sb));
      f.set(kc, f64x2.splat(sc));
      forEachChannelRow(f, u, outer, inner, stride, (p) => {
        f.for(b, 0, end4, 16, () => {
          const q = i32.add(p, b);
          f.set(xv, v128.load(i32.add(x, q)));
          const [xl, xh] = halves(xv);
          let dl: Expr | null = null, dh: Expr | null = null;
          if (dy) {
            f.set(dv, v128.load(i32.add(dy, q)));
            [dl, dh] = halves(dv);
          }
          const lo = f32x4.demoteF64x2Zero(value(xl, dl, ka, kb, kc, f64x2.mul, f64x2.add));
          const hi = f32x4.demoteF64x2Zero(value(xh, dh, ka, kb, kc, f64x2.mul, f64x2.add));
          f.storeV128(i32.add(y, q), v128.shuffle32(lo, hi, [0, 1, 4, 5]));
        });
        f.for(b, end4, end, 4, () => {
          const q = i32.add(p, b);
          const xs = f64.promoteF32(f32.load(i32.add(x, q)));
          const ds = dy ? f64.promoteF32(f32.load(i32.add(dy, q))) : null;
          f.storeF32(i32.add(y, q), f32.demoteF64(value(xs, ds, sa, sb, sc, f64.mul, f64.add)));
        });
      });
    });
  });
}

/** Adds `bn_sums`, `bn_sumsDy`, `bn_affine` and `bn_affineDy` (above) to the kernel module. */
export function addBatchNormFunctions(mb: ModuleBuilder): void {
  addSums(mb, false);
  addSums(mb, true);
  addAffine(mb, false);
  addAffine(mb, true);
}
