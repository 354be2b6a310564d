/**
 * Weight normalization's passes over a weight in the kernel memory, four lanes at a time. A
 * weight is viewed as [outer, units, inner] around its unit axis (for dim 0: one contiguous row of
 * `inner` values per unit); every function walks it in memory order, so each (outer, unit) row is
 * one contiguous run:
 *
 * - `wn_unitDots(x, y, outer, units, inner, out)`: out[u] = Σ x·y over unit u's rows as float64
 *   (x = y gives the squared norms): the float32 products summed in float64 lanes, as the
 *   reference backend's `reduce('sum')` does, in a fixed order whatever the thread count (float32
 *   lane sums moved PyTorch-checked 8-step Adam trajectories past 1e-4 on small weights), with
 *   two independent sets of accumulators (`rowDots`: one chain of dependent adds was the
 *   bottleneck, ~4 cycles per vector);
 * - `wn_scaleUnits(v, scale, outer, units, inner, y)`: y = v · scale[u];
 * - `wn_gradV(dw, v, c1, c2, outer, units, inner, y)`: y = c1[u] · (dw − v · c2[u]).
 *
 * For weights whose units are the outermost axis (outer 1: Linear, Conv2d), one row per unit, the
 * row-fused functions take each row once from memory and finish it while it is in cache — the
 * same sums in the same order, and the per-unit arithmetic rounded as the JS of runtime.ts rounds
 * it, so the same bits as the passes above:
 *
 * - `wn_rowsNormalize(v, g, units, inner, y)`: w = v · (g[u] / ‖v_u‖) (the forward);
 * - `wn_rowsGradG(dw, v, units, inner, y)`: y[u] = s/n, with n = ‖v_u‖ and s = Σ dw·v;
 * - `wn_rowsGradV(dw, v, g, units, inner, y)`: y = (g/n) · (dw − v · (s/(n·n))).
 *
 * Products are rounded before they are added (no fused multiply-add), like the composed ops.
 */
import { f32, f32x4, f64, f64x2, i32, v128, type Expr, type FunctionBuilder, type Local, type ModuleBuilder } from './emitter.js';

const I32x5 = ['i32', 'i32', 'i32', 'i32', 'i32'] as const;
const I32x6 = [...I32x5, 'i32'] as const;

/** y = v · s over one row at byte offset `at`: whole vectors to `end4`, then single floats to `end` (`s` splat). */
function storeScaledRow(f: FunctionBuilder, at: Local, end4: Local, end: Local, v: Local, s: Local, y: Local): void {
  const b = f.local('i32');
  f.for(b, 0, end4, 16, () => {
    const p = i32.add(at, b);
    f.storeV128(i32.add(y, p), f32x4.mul(v128.load(i32.add(v, p)), s));
  });
  f.for(b, end4, end, 4, () => {
    const p = i32.add(at, b);
    f.storeF32(i32.add(y, p), f32.mul(f32.load(i32.add(v, p)), f32x4.extractLane(s, 0)));
  });
}

/** Calls `row(at, u4)` for each (outer, unit) row in memory order: `at` is the row's byte offset, `u4` the unit's (4·u). */
function forEachRow(f: FunctionBuilder, outer: Local | number, units: Local, inner: Local, row: (at: Local, u4: Local) => void): void {
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

/** A float64 dot product's accumulators: two sets of two f64x2 lane pairs, and a scalar tail. */
interface DotSums {
  readonly lo: readonly [Local, Local];
  readonly hi: readonly [Local, Local];
  readonly tail: Local;
}

/** Byte lengths that bound a row's loops: whole 8-float blocks, whole vectors, all of it. */
interface RowEnds {
  readonly end8: Local;
  readonly end4: Local;
  readonly end: Local;
}

/** Sets `ends` for rows of `inner` floats. */
function setRowEnds(f: FunctionBuilder, inner: Local): RowEnds {
  const ends = { end8: f.local('i32'), end4: f.local('i32'), end: f.local('i32') };
  f.set(ends.end8, i32.shl(i32.and(inner, -8), 2));
  f.set(ends.end4, i32.shl(i32.and(inner, -4), 2));
  f.set(ends.end, i32.shl(inner, 2));
  return ends;
}

/**
 * Emits Σ x·y over one row of floats at byte offset `at` for each pair of `pairs`, in one loop
 * over the row, and returns each row sum as an expression. The float32 products are summed in
 * float64 lanes: blocks of 8 floats into two independent sets of accumulators (one add chain per
 * set, so the adds' latency overlaps), a last whole vector into the first set, the rest in a
 * scalar tail; then (set 1 + set 2) lane by lane, lanes 0+1 and 2+3, their sum, plus the tail. A
 * fixed order for a given row length, whatever the thread count.
 */
function rowDots(f: FunctionBuilder, at: Local, { end8, end4, end }: RowEnds, pairs: readonly (readonly [Local, Local])[]): Expr[] {
  const b = f.local('i32'), p = f.local('v128');
  const sums: DotSums[] = pairs.map(() => ({ lo: [f.local('v128'), f.local('v128')], hi: [f.local('v128'), f.local('v128')], tail: f.local('f64') }));
  for (const s of sums) {
    for (const l of [...s.lo, ...s.hi]) f.set(l, v128.zero());
    f.set(s.tail, f64.const(0));
  }
  /** Adds the products of the vectors at byte offset q + 16·set to accumulator set `set`. */
  const addVector = (q: Expr, set: 0 | 1) => pairs.forEach(([x, y], k) => {
    const { lo, hi } = sums[k];
    // a square loads its vector once (x·x: the norms)
    const a = v128.load(i32.add(x, q), 16 * set);
    if (x === y) f.set(p, a);
    f.set(p, x === y ? f32x4.mul(p, p) : f32x4.mul(a, v128.load(i32.add(y, q), 16 * set)));
    f.set(lo[set], f64x2.add(lo[set], f64x2.promoteLowF32x4(p)));
    f.set(hi[set], f64x2.add(hi[set], f64x2.promoteLowF32x4(v128.shuffle32(p, p, [2, 3, 2, 3]))));
  });
  f.for(b, 0, end8, 32, () => {
    addVector(i32.add(at, b), 0);
    addVector(i32.add(at, b), 1);
  });
  f.for(b, end8, end4, 16, () => addVector(i32.add(at, b), 0));
  f.for(b, end4, end, 4, () => {
    const q = i32.add(at, b);
    pairs.forEach(([x, y], k) => f.set(sums[k].tail, f64.add(sums[k].tail, f64.promoteF32(f32.mul(f32.load(i32.add(x, q)), f32.load(i32.add(y, q)))))));
  });
  return sums.map(({ lo, hi, tail }) => {
    const l = f64x2.add(lo[0], lo[1]), h = f64x2.add(hi[0], hi[1]);
    const lanes = f64.add(f64.add(f64x2.extractLane(l, 0), f64x2.extractLane(l, 1)), f64.add(f64x2.extractLane(h, 0), f64x2.extractLane(h, 1)));
    return f64.add(lanes, tail);
  });
}

/** 0 + a row sum: what `wn_unitDots` stores for a unit of one row (−0 becomes +0). */
const fromZero = (sum: Expr): Expr => f64.add(f64.const(0), sum);

/** ‖v_u‖ from the float64 sum of squares, rounded as runtime.ts does: sqrt(fround(Σ v²)) in float32. */
const normOf = (squares: Expr): Expr => f32.sqrt(f32.demoteF64(squares));

/** Calls `row(at, u4)` for each of `units` contiguous rows of `inner` floats (byte offset, 4·unit). */
function forEachUnitRow(f: FunctionBuilder, units: Local, inner: Local, row: (at: Local, u4: Local) => void): void {
  forEachRow(f, 1, units, inner, row);
}

/** Adds `wn_unitDots`, `wn_scaleUnits`, `wn_gradV` and the row-fused functions (above) to the kernel module. */
export function addWeightNormFunctions(mb: ModuleBuilder): void {
  mb.func('wn_unitDots', [...I32x6], (f, x, y, outer, units, inner, out) => {
    const o = f.local('i32');
    const ends = setRowEnds(f, inner);
    f.zeroBytes(out, i32.shl(units, 3));
    forEachRow(f, outer, units, inner, (at, u4) => {
      const [sum] = rowDots(f, at, ends, [[x, y]]);
      f.set(o, i32.add(out, i32.shl(u4, 1)));
      f.storeF64(o, f64.add(f64.load(o), sum));
    });
  });

  mb.func('wn_scaleUnits', [...I32x6], (f, v, scale, outer, units, inner, y) => {
    const end4 = f.local('i32'), end = f.local('i32'), s = f.local('v128');
    f.set(end4, i32.shl(i32.and(inner, -4), 2));
    f.set(end, i32.shl(inner, 2));
    forEachRow(f, outer, units, inner, (at, u4) => {
      f.set(s, v128.load32Splat(i32.add(scale, u4)));
      storeScaledRow(f, at, end4, end, v, s, y);
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

  mb.func('wn_rowsNormalize', [...I32x5], (f, v, g, units, inner, y) => {
    const n = f.local('f32'), s = f.local('v128');
    const ends = setRowEnds(f, inner), { end4, end } = ends;
    forEachUnitRow(f, units, inner, (at, u4) => {
      const [squares] = rowDots(f, at, ends, [[v, v]]);
      f.set(n, normOf(fromZero(squares)));
      f.set(s, f32x4.splat(f32.div(f32.load(i32.add(g, u4)), n)));
      storeScaledRow(f, at, end4, end, v, s, y);
    });
  });

  mb.func('wn_rowsGradG', [...I32x5], (f, dw, v, units, inner, y) => {
    const ends = setRowEnds(f, inner);
    forEachUnitRow(f, units, inner, (at, u4) => {
      const [squares, dots] = rowDots(f, at, ends, [[v, v], [dw, v]]);
      f.storeF32(i32.add(y, u4), f32.div(f32.demoteF64(fromZero(dots)), normOf(fromZero(squares))));
    });
  });

  mb.func('wn_rowsGradV', [...I32x6], (f, dw, v, g, units, inner, y) => {
    const n = f.local('f32'), d = f.local('f64'), b = f.local('i32');
    const s1 = f.local('v128'), s2 = f.local('v128');
    const ends = setRowEnds(f, inner), { end4, end } = ends;
    forEachUnitRow(f, units, inner, (at, u4) => {
      const [squares, dots] = rowDots(f, at, ends, [[v, v], [dw, v]]);
      f.set(d, fromZero(dots));
      f.set(n, normOf(fromZero(squares)));
      f.set(s1, f32x4.splat(f32.div(f32.load(i32.add(g, u4)), n)));
      f.set(s2, f32x4.splat(f32.div(f32.demoteF64(d), f32.mul(n, n))));
      f.for(b, 0, end4, 16, () => {
        const p = i32.add(at, b);
        f.storeV128(i32.add(y, p), f32x4.mul(s1, f32x4.sub(v128.load(i32.add(dw, p)), f32x4.mul(v128.load(i32.add(v, p)), s2))));
      });
      f.for(b, end4, end, 4, () => {
        const p = i32.add(at, b);
        const e = (x: Local) => f32x4.extractLane(x, 0);
        f.storeF32(i32.add(y, p), f32.mul(e(s1), f32.sub(f32.load(i32.add(dw, p)), f32.mul(f32.load(i32.add(v, p)), e(s2)))));
      });
    });
  });
}
