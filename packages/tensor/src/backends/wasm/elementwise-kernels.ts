/**
 * Elementwise add/sub/mul/div over runs in the kernel memory, four lanes at a time (f32x4). A
 * run is `y[i] = a[i·as] op b[i·bs]` for i < n with element strides as, bs ∈ {0, 1}: both inputs
 * contiguous, or one of them a value held over the run (a broadcast column, such as weight
 * norm's per-unit scale g/‖v‖).
 *
 * Why wasm for these: plain JS loops over pooled Float32Arrays run at ~2.5–3.5 ns per element in
 * Node 20 (0.3–0.45 ms for a 131k-element multiply), while the copy into and out of the kernel
 * memory costs ~0.015 ms per 512 KiB and the SIMD loop a fraction of that.
 *
 * Results equal the JS loops' bit for bit: f32x4 add/sub/mul/div are IEEE single-precision
 * operations, correctly rounded, and JS's float64 operation rounded to float32 on store gives
 * the same value for these four (float64 has more than 2·24 + 2 bits of precision, so the double
 * rounding is innocuous).
 */
import { f32, f32x4, f64, f64x2, i32, v128, type Expr, type ModuleBuilder, type Operand } from './emitter.js';

export const ELEMENTWISE_OPS = ['add', 'sub', 'mul', 'div'] as const;
export type ElementwiseOp = (typeof ELEMENTWISE_OPS)[number];

const VECTOR: Record<ElementwiseOp, (a: Operand, b: Operand) => Expr> = { add: f32x4.add, sub: f32x4.sub, mul: f32x4.mul, div: f32x4.div };
const SCALAR: Record<ElementwiseOp, (a: Operand, b: Operand) => Expr> = { add: f32.add, sub: f32.sub, mul: f32.mul, div: f32.div };

/** The exported name of the run function of `op`. */
export function elementwiseFunctionName(op: ElementwiseOp): string {
  return `ew_${op}`;
}

/** The exported name of the function that runs `rows` runs of `op` (see addElementwiseFunctions). */
export function elementwiseRowsFunctionName(op: ElementwiseOp): string {
  return `ewRows_${op}`;
}

/**
 * Adds `ew_<op>(y, a, as, b, bs, n)` for each op (byte addresses; element strides 0 or 1), and
 * `ewRows_<op>(y, a, ars, as, b, brs, bs, rows, n)`: `rows` runs of n one after another in y, the
 * inputs' runs `ars`, `brs` elements apart (a thread's share of a broadcast op).
 */
export function addElementwiseFunctions(mb: ModuleBuilder): void {
  for (const name of ELEMENTWISE_OPS) {
    const vop = VECTOR[name], sop = SCALAR[name];
    const run = mb.func(elementwiseFunctionName(name), ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (f, y, a, as, b, bs, n) => {
      const i = f.local('i32');
      const end4 = f.local('i32');
      const held = f.local('v128');
      f.set(end4, i32.and(n, -4));
      // One vector loop per stride pattern, so the body has no branch: both inputs move, only a
      // moves (b held, splat once), or only b moves (a held).
      f.if(
        i32.and(as, bs),
        () => f.for(i, 0, end4, 4, () => {
          f.storeV128(i32.add(y, i32.shl(i, 2)), vop(v128.load(i32.add(a, i32.shl(i, 2))), v128.load(i32.add(b, i32.shl(i, 2)))));
        }),
        () => f.if(
          as,
          () => {
            f.set(held, f32x4.splat(f32.load(b)));
            f.for(i, 0, end4, 4, () => {
              f.storeV128(i32.add(y, i32.shl(i, 2)), vop(v128.load(i32.add(a, i32.shl(i, 2))), held));
            });
          },
          () => {
            f.set(held, f32x4.splat(f32.load(a)));
            f.for(i, 0, end4, 4, () => {
              f.storeV128(i32.add(y, i32.shl(i, 2)), vop(held, v128.load(i32.add(b, i32.shl(i, 2)))));
            });
          },
        ),
      );
      // scalar tail (and runs shorter than 4); a held input has stride 0
      f.for(i, end4, n, 1, () => {
        f.storeF32(
          i32.add(y, i32.shl(i, 2)),
          sop(f32.load(i32.add(a, i32.shl(i32.mul(i, as), 2))), f32.load(i32.add(b, i32.shl(i32.mul(i, bs), 2)))),
        );
      });
    });
    mb.func(elementwiseRowsFunctionName(name), ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], (f, y, a, ars, as, b, brs, bs, rows, n) => {
      const r = f.local('i32');
      f.for(r, 0, rows, 1, () => {
        f.call(run, [y, a, as, b, bs, n]);
        f.inc(y, i32.shl(n, 2));
        f.inc(a, i32.shl(ars, 2));
        f.inc(b, i32.shl(brs, 2));
      });
    });
  }
}

/**
 * Adds `sumRowsF64(acc, x, rows, cols, stride)`: acc[j] += x[r·stride + j] for j < cols and
 * r = 0, 1, … in order, in float64 (acc holds cols float64s) — the JS reduction's sum over
 * leading axes (a bias gradient) addition for addition, so the rounded result is the same bit for
 * bit; a thread takes a range of columns (stride is the full row).
 */
export function addReduceFunctions(mb: ModuleBuilder): void {
  mb.func('sumRowsF64', ['i32', 'i32', 'i32', 'i32', 'i32'], (f, acc, x, rows, cols, stride) => {
    const r = f.local('i32'), j = f.local('i32'), end4 = f.local('i32'), row = f.local('i32'), v = f.local('v128'), a = f.local('i32');
    f.set(end4, i32.and(cols, -4));
    f.set(row, x);
    f.for(r, 0, rows, 1, () => {
      f.for(j, 0, end4, 4, () => {
        f.set(v, v128.load(i32.add(row, i32.shl(j, 2))));
        f.set(a, i32.add(acc, i32.shl(j, 3)));
        f.storeV128(a, f64x2.add(v128.load(a), f64x2.promoteLowF32x4(v)));
        f.storeV128(a, f64x2.add(v128.load(a, 16), f64x2.promoteLowF32x4(v128.shuffle32(v, v, [2, 3, 2, 3]))), 16);
      });
      f.for(j, end4, cols, 1, () => {
        f.set(a, i32.add(acc, i32.shl(j, 3)));
        f.storeF64(a, f64.add(f64.load(a), f64.promoteF32(f32.load(i32.add(row, i32.shl(j, 2))))));
      });
      f.inc(row, i32.shl(stride, 2));
    });
  });
}
