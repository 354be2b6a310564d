/**
 * The convnets' 2×2, stride 2, unpadded max pooling (see max-pool-2x2.ts for the JS loops and the
 * semantics) in the kernel memory, four windows at a time: two rows of eight values are split
 * into the windows' four corners (a, b above, d, e below) with lane shuffles.
 *
 * - `maxPool2x2(x, y, planes, h, w, oh, ow)`: y = max over each window, NaN if any corner is NaN;
 *   the running maximum is `f32x4.pmax` (a < b ? b : a), which is the JS loop's `b > a ? b : a`
 *   exactly, ±0 and NaN included.
 * - `maxPool2x2Backward(dy, x, dx, planes, h, w, oh, ow)`: every cell of every window gets
 *   0 + dy at the window's first maximum (the same strictly-greater tests as the JS loop) and +0
 *   elsewhere; cells outside every window (an odd last row or column) are left alone.
 *
 * Planes (image × channel) are independent, so threads take ranges of planes.
 */
import { f32, f32x4, i32, select, v128, type FunctionBuilder, type Local, type ModuleBuilder, type Operand } from './emitter.js';

const EVEN = [0, 2, 4, 6] as const;
const ODD = [1, 3, 5, 7] as const;
const PARAMS = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const;

/**
 * Walks the windows: `vector(r0, r1, o)` for four windows at once and `scalar(r0, r1, o)` for one,
 * where r0 and r1 are the byte addresses of the windows' top-left corners in their two rows and
 * `o` the byte offset of the (first) output.
 */
function forEachWindow(f: FunctionBuilder, x: Local, planes: Local, h: Local, w: Local, oh: Local, ow: Local, vector: (r0: Local, r1: Local, o: Local) => void, scalar: (r0: Local, r1: Local, o: Local) => void): void {
  const p = f.local('i32'), oy = f.local('i32'), ox = f.local('i32'), ow4 = f.local('i32');
  const plane = f.local('i32'), r0 = f.local('i32'), r1 = f.local('i32'), o = f.local('i32');
  f.set(ow4, i32.and(ow, -4));
  f.set(plane, x);
  f.set(o, 0);
  f.for(p, 0, planes, 1, () => {
    f.for(oy, 0, oh, 1, () => {
      f.set(r0, i32.add(plane, i32.shl(i32.mul(oy, w), 3)));
      f.set(r1, i32.add(r0, i32.shl(w, 2)));
      f.for(ox, 0, ow4, 4, () => {
        vector(r0, r1, o);
        f.inc(r0, 32);
        f.inc(r1, 32);
        f.inc(o, 16);
      });
      f.for(ox, ow4, ow, 1, () => {
        scalar(r0, r1, o);
        f.inc(r0, 8);
        f.inc(r1, 8);
        f.inc(o, 4);
      });
    });
    f.inc(plane, i32.shl(i32.mul(h, w), 2));
  });
}

/** Adds `maxPool2x2` and `maxPool2x2Backward` (above) to the kernel module. */
export function addMaxPoolFunctions(mb: ModuleBuilder): void {
  mb.func('maxPool2x2', [...PARAMS], (f, x, y, planes, h, w, oh, ow) => {
    const a = f.local('v128'), b = f.local('v128'), d = f.local('v128'), e = f.local('v128'), lo = f.local('v128'), hi = f.local('v128');
    const sa = f.local('f32'), sb = f.local('f32'), sd = f.local('f32'), se = f.local('f32'), m = f.local('f32');
    const isNan = (v: Operand) => f32x4.ne(v, v);
    forEachWindow(f, x, planes, h, w, oh, ow, (r0, r1, o) => {
      f.set(lo, v128.load(r0));
      f.set(hi, v128.load(r0, 16));
      f.set(a, v128.shuffle32(lo, hi, EVEN));
      f.set(b, v128.shuffle32(lo, hi, ODD));
      f.set(lo, v128.load(r1));
      f.set(hi, v128.load(r1, 16));
      f.set(d, v128.shuffle32(lo, hi, EVEN));
      f.set(e, v128.shuffle32(lo, hi, ODD));
      const max = f32x4.pmax(f32x4.pmax(f32x4.pmax(a, b), d), e);
      const nan = v128.or(v128.or(isNan(a), isNan(b)), v128.or(isNan(d), isNan(e)));
      f.storeV128(i32.add(y, o), v128.bitselect(f32x4.splat(f32.const(NaN)), max, nan));
    }, (r0, r1, o) => {
      f.set(sa, f32.load(r0));
      f.set(sb, f32.load(r0, 4));
      f.set(sd, f32.load(r1));
      f.set(se, f32.load(r1, 4));
      f.set(m, select(sb, sa, f32.gt(sb, sa)));
      f.set(m, select(sd, m, f32.gt(sd, m)));
      f.set(m, select(se, m, f32.gt(se, m)));
      const nan = i32.or(i32.or(f32.ne(sa, sa), f32.ne(sb, sb)), i32.or(f32.ne(sd, sd), f32.ne(se, se)));
      f.storeF32(i32.add(y, o), select(f32.const(NaN), m, nan));
    });
  });

  mb.func('maxPool2x2Backward', ['i32', ...PARAMS], (f, dy, x, dx, planes, h, w, oh, ow) => {
    const a = f.local('v128'), b = f.local('v128'), d = f.local('v128'), e = f.local('v128'), lo = f.local('v128'), hi = f.local('v128');
    const g = f.local('v128'), m = f.local('v128'), cb = f.local('v128'), cd = f.local('v128'), ce = f.local('v128');
    const oa = f.local('v128'), ob = f.local('v128'), od = f.local('v128'), oe = f.local('v128'), later = f.local('v128');
    const sm = f.local('f32'), sg = f.local('f32'), best = f.local('i32'), at = f.local('i32');
    // dx's rows: the same offsets from dx as x's rows from x
    const toDx = (r: Local): Operand => i32.add(dx, i32.sub(r, x));
    forEachWindow(f, x, planes, h, w, oh, ow, (r0, r1, o) => {
      f.set(lo, v128.load(r0));
      f.set(hi, v128.load(r0, 16));
      f.set(a, v128.shuffle32(lo, hi, EVEN));
      f.set(b, v128.shuffle32(lo, hi, ODD));
      f.set(lo, v128.load(r1));
      f.set(hi, v128.load(r1, 16));
      f.set(d, v128.shuffle32(lo, hi, EVEN));
      f.set(e, v128.shuffle32(lo, hi, ODD));
      // the JS loop's `if (b > m)`, `if (d > m)`, `if (e > m)` on the running maximum
      f.set(cb, f32x4.gt(b, a));
      f.set(m, f32x4.pmax(a, b));
      f.set(cd, f32x4.gt(d, m));
      f.set(m, f32x4.pmax(m, d));
      f.set(ce, f32x4.gt(e, m));
      // 0 + dy, as `dx[best] += dy` into zeros (a -0 becomes +0)
      f.set(g, f32x4.add(v128.zero(), v128.load(i32.add(dy, o))));
      f.set(oe, v128.and(g, ce));
      f.set(od, v128.and(g, v128.andnot(cd, ce)));
      f.set(later, v128.or(cd, ce));
      f.set(ob, v128.and(g, v128.andnot(cb, later)));
      f.set(oa, v128.andnot(g, v128.or(cb, later)));
      f.storeV128(toDx(r0), v128.shuffle32(oa, ob, [0, 4, 1, 5]));
      f.storeV128(toDx(r0), v128.shuffle32(oa, ob, [2, 6, 3, 7]), 16);
      f.storeV128(toDx(r1), v128.shuffle32(od, oe, [0, 4, 1, 5]));
      f.storeV128(toDx(r1), v128.shuffle32(od, oe, [2, 6, 3, 7]), 16);
    }, (r0, r1, o) => {
      f.storeF32(toDx(r0), f32.const(0));
      f.storeF32(toDx(r0), f32.const(0), 4);
      f.storeF32(toDx(r1), f32.const(0));
      f.storeF32(toDx(r1), f32.const(0), 4);
      f.set(best, r0);
      f.set(sm, f32.load(r0));
      f.set(at, i32.add(r0, 4));
      f.if(f32.gt(f32.load(at), sm), () => { f.set(best, at); f.set(sm, f32.load(at)); });
      f.if(f32.gt(f32.load(r1), sm), () => { f.set(best, r1); f.set(sm, f32.load(r1)); });
      f.set(at, i32.add(r1, 4));
      f.if(f32.gt(f32.load(at), sm), () => f.set(best, at));
      f.set(sg, f32.load(i32.add(dy, o)));
      f.storeF32(toDx(best), f32.add(f32.const(0), sg));
    });
  });
}
