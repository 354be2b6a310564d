/**
 * Batch normalization's two kinds of pass over x viewed as [outer, C, inner] (channel axis 1), in
 * the kernel memory. Each call covers `units` consecutive channels whose rows lie `stride` floats
 * apart from one outer index to the next, so threads can take disjoint channel ranges; each
 * channel is walked by one call in a fixed order, so results do not depend on the thread count.
 *
 * - `bn_sums(x, outer, units, inner, stride, out)`: per channel, float64 Σx and Σx² into
 *   out + 16·u; `bn_sumsDy(x, dy, …)`: Σx, Σx², Σdy and Σdy·x into out + 32·u, in the same one
 *   pass. The float32 values and their products are exact in float64 (as in the reference loops),
 *   summed in four lanes across the channel's rows (elements 4k..4k+3 of each row), then the
 *   lanes pairwise and the rows' remainders in order.
 * - `bn_affine(x, coef, outer, units, inner, stride, y)` and `bn_affineDy(x, dy, …)`: per element in
 *   float64, y = kb·x + kc (or y = (ka·dy + kb·x) + kc) with channel u's float64 (ka, kb, kc) at
 *   coef + 24·u, rounded once to float32: the reference loops' expressions, so the same coefficients
 *   give the same bits.
 */
import { f32, f32x4, f64, f64x2, i32, v128, type Expr, type FunctionBuilder, type Local, type ModuleBuilder } from './emitter.js';

/** Bytes of one channel's sums from `bn_sums` (two float64). */
export const BN_SUMS_BYTES = 16;
/** Bytes of one channel's sums from `bn_sumsDy` (four float64). */
export const BN_SUMS_DY_BYTES = 32;
/** Bytes of one channel's coefficients for `bn_affine`/`bn_affineDy` (three float64). */
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
    // the sums in two float64 lanes each for the low and the high half of the vectors, and the rows' remainders
    const count = dy ? 4 : 2;
    const lo = Array.from({ length: count }, () => f.local('v128')), hi = Array.from({ length: count }, () => f.local('v128'));
    const tail = Array.from({ length: count }, () => f.local('f64'));
    const xs = f.local('f64'), ds = f.local('f64');
    f.set(end4, i32.shl(i32.and(inner, -4), 2));
    f.set(end, i32.shl(inner, 2));
    f.for(u, 0, units, 1, () => {
      for (let k = 0; k < count; k++) {
        f.set(lo[k], v128.zero());
        f.set(hi[k], v128.zero());
        f.set(tail[k], f64.const(0));
      }
      forEachChannelRow(f, u, outer, inner, stride, (p) => {
        f.for(b, 0, end4, 16, () => {
          const q = i32.add(p, b);
          // one input's vector as float64 halves (l, h), added to sums k (its values) and k + 1 (times (ml, mh))
          const accumulate = (src: Local, v: Local, l: Local, h: Local, k: number, ml: Local, mh: Local) => {
            f.set(v, v128.load(i32.add(src, q)));
            const [vlo, vhi] = halves(v);
            f.set(l, vlo);
            f.set(h, vhi);
            f.set(lo[k], f64x2.add(lo[k], l));
            f.set(hi[k], f64x2.add(hi[k], h));
            f.set(lo[k + 1], f64x2.add(lo[k + 1], f64x2.mul(l, ml)));
            f.set(hi[k + 1], f64x2.add(hi[k + 1], f64x2.mul(h, mh)));
          };
          accumulate(x, xv, xl, xh, 0, xl, xh); // Σx, Σx²
          if (dy) accumulate(dy, dv, dl, dh, 2, xl, xh); // Σdy, Σdy·x
        });
        f.for(b, end4, end, 4, () => {
          const q = i32.add(p, b);
          f.set(xs, f64.promoteF32(f32.load(i32.add(x, q))));
          f.set(tail[0], f64.add(tail[0], xs));
          f.set(tail[1], f64.add(tail[1], f64.mul(xs, xs)));
          if (dy) {
            f.set(ds, f64.promoteF32(f32.load(i32.add(dy, q))));
            f.set(tail[2], f64.add(tail[2], ds));
            f.set(tail[3], f64.add(tail[3], f64.mul(ds, xs)));
          }
        });
      });
      const total = (k: number): Expr => f64.add(
        f64.add(f64.add(f64x2.extractLane(lo[k], 0), f64x2.extractLane(lo[k], 1)), f64.add(f64x2.extractLane(hi[k], 0), f64x2.extractLane(hi[k], 1))),
        tail[k],
      );
      f.set(o, i32.add(out, i32.mul(u, 8 * count)));
      for (let k = 0; k < count; k++) f.storeF64(o, total(k), 8 * k);
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
