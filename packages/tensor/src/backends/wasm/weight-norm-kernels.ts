/**
 * Weight normalization's passes over a weight in the kernel memory, four lanes at a time. A
 * weight is viewed as [outer, units, inner] around its unit axis (for dim 0: one contiguous row of
 * `inner` values per unit); every function walks it in memory order, so each (outer, unit) row is
 * one contiguous run:
 *
 * - `wn_unitDots(x, y, outer, units, inner, out)`: out[u] = Σ x·y over unit u's rows as float64
 *   (x = y gives the squared norms): the float32 products summed in float64 lanes, as the
 *   reference backend's `reduce('sum')` does, in a fixed order whatever the thread count (float32
 *   lane sums moved PyTorch-checked 8-step Adam trajectories past 1e-4 on small weights);
 * - `wn_scaleUnits(v, scale, outer, units, inner, y)`: y = v · scale[u];
 * - `wn_gradV(dw, v, c1, c2, outer, units, inner, y)`: y = c1[u] · (dw − v · c2[u]).
 *
 * Products are rounded before they are added (no fused multiply-add), like the composed ops.
 */
import { f32, f32x4, f64, f64x2, i32, v128, type FunctionBuilder, type Local, type ModuleBuilder } from './emitter.js';

const I32x6 = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const;

/** Calls `row(at, u4)` for each (outer, unit) row in memory order: `at` is the row's byte offset, `u4` the unit's (4·u). */
function forEachRow(f: FunctionBuilder, outer: Local, units: Local, inner: Local, row: (at: Local, u4: Local) => void): void {
  const a = f.local('i32'), u = f.local('i32'), at = f.local('i32'), u4 = f.local('i32');
  f.set(at, 0);
  f.for(a, 0, outer, 1, () => {
    f.for(u, 0, units, 1, () => {
      f.set(u4, i32.shl(u, 2));
      row(at, u4);
      f.inc(at, i32.shl(inner, 2));
    });
  });
}

/** Adds `wn_unitDots`, `wn_scaleUnits` and `wn_gradV` (above) to the kernel module. */
export function addWeightNormFunctions(mb: ModuleBuilder): void {
  mb.func('wn_unitDots', [...I32x6], (f, x, y, outer, units, inner, out) => {
    const b = f.local('i32'), end4 = f.local('i32'), end = f.local('i32'), o = f.local('i32');
    const lo = f.local('v128'), hi = f.local('v128'), p = f.local('v128'), tail = f.local('f64');
    f.set(end4, i32.shl(i32.and(inner, -4), 2));
    f.set(end, i32.shl(inner, 2));
    f.zeroBytes(out, i32.shl(units, 3));
    forEachRow(f, outer, units, inner, (at, u4) => {
      f.set(lo, v128.zero());
      f.set(hi, v128.zero());
      f.set(tail, f64.const(0));
      f.for(b, 0, end4, 16, () => {
        const q = i32.add(at, b);
        f.set(p, f32x4.mul(v128.load(i32.add(x, q)), v128.load(i32.add(y, q))));
        f.set(lo, f64x2.add(lo, f64x2.promoteLowF32x4(p)));
        f.set(hi, f64x2.add(hi, f64x2.promoteLowF32x4(v128.shuffle32(p, p, [2, 3, 2, 3]))));
      });
      f.for(b, end4, end, 4, () => {
        const q = i32.add(at, b);
        f.set(tail, f64.add(tail, f64.promoteF32(f32.mul(f32.load(i32.add(x, q)), f32.load(i32.add(y, q))))));
      });
      const lanes = f64.add(
        f64.add(f64x2.extractLane(lo, 0), f64x2.extractLane(lo, 1)),
        f64.add(f64x2.extractLane(hi, 0), f64x2.extractLane(hi, 1)),
      );
      f.set(o, i32.add(out, i32.shl(u4, 1)));
      f.storeF64(o, f64.add(f64.load(o), f64.add(lanes, tail)));
    });
  });

  mb.func('wn_scaleUnits', [...I32x6], (f, v, scale, outer, units, inner, y) => {
    const b = f.local('i32'), end4 = f.local('i32'), end = f.local('i32'), s = f.local('v128');
    f.set(end4, i32.shl(i32.and(inner, -4), 2));
    f.set(end, i32.shl(inner, 2));
    forEachRow(f, outer, units, inner, (at, u4) => {
      f.set(s, v128.load32Splat(i32.add(scale, u4)));
      f.for(b, 0, end4, 16, () => {
        const p = i32.add(at, b);
        f.storeV128(i32.add(y, p), f32x4.mul(v128.load(i32.add(v, p)), s));
      });
      f.for(b, end4, end, 4, () => {
        const p = i32.add(at, b);
        f.storeF32(i32.add(y, p), f32.mul(f32.load(i32.add(v, p)), f32x4.extractLane(s, 0)));
      });
    });
  });

  mb.func('wn_gradV', [...I32x6, 'i32', 'i32'], (f, dw, v, c1, c2, outer, units, inner, y) => {
    const b = f.local('i32'), end4 = f.local('i32'), end = f.local('i32'), s1 = f.local('v128'), s2 = f.local('v128');
    f.set(end4, i32.shl(i32.and(inner, -4), 2));
    f.set(end, i32.shl(inner, 2));
    forEachRow(f, outer, units, inner, (at, u4) => {
      f.set(s1, v128.load32Splat(i32.add(c1, u4)));
      f.set(s2, v128.load32Splat(i32.add(c2, u4)));
      f.for(b, 0, end4, 16, () => {
        const p = i32.add(at, b);
        f.storeV128(i32.add(y, p), f32x4.mul(s1, f32x4.sub(v128.load(i32.add(dw, p)), f32x4.mul(v128.load(i32.add(v, p)), s2))));
      });
      f.for(b, end4, end, 4, () => {
        const p = i32.add(at, b);
        const e = (x: typeof s1) => f32x4.extractLane(x, 0);
        f.storeF32(i32.add(y, p), f32.mul(e(s1), f32.sub(f32.load(i32.add(dw, p)), f32.mul(f32.load(i32.add(v, p)), e(s2)))));
      });
    });
  });
}
