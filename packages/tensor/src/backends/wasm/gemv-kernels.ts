/**
 * One row times a transposed matrix, y = x·Wᵀ for x [K] and W [N, K] (a network acting on one
 * observation: every row of W is a contiguous run), without GEMM's packing: packing W costs a
 * full extra pass over it, which for one row is as much work as the product itself.
 *
 * `gemvT(x, w, n, k, y)`: four rows of W at a time, each summed over k in four f32 lanes
 * (products rounded, then added: no fused multiply-add), then (l0 + l1) + (l2 + l3), then the
 * k mod 4 tail in order. A fixed order on one thread, so results do not depend on the thread
 * count; they may differ in the last bits from the same row inside a batched GEMM (which sums k in
 * sequence), within the matmul tolerance.
 */
import { f32, f32x4, i32, v128, type Expr, type Local, type ModuleBuilder } from './emitter.js';

/** Adds `gemvT(x, w, n, k, y)` (above) to the kernel module. */
export function addGemvFunctions(mb: ModuleBuilder): void {
  mb.func('gemvT', ['i32', 'i32', 'i32', 'i32', 'i32'], (f, x, w, n, k, y) => {
    const j = f.local('i32'), kk = f.local('i32'), end4 = f.local('i32'), rowBytes = f.local('i32'), row = f.local('i32');
    const xv = f.local('v128'), xs = f.local('f32');
    const acc = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
    const tail = [f.local('f32'), f.local('f32'), f.local('f32'), f.local('f32')];
    const rowAt = (r: number): Expr => i32.add(row, i32.mul(rowBytes, r));
    const total = (r: number): Expr => f32.add(
      f32.add(f32.add(f32x4.extractLane(acc[r], 0), f32x4.extractLane(acc[r], 1)), f32.add(f32x4.extractLane(acc[r], 2), f32x4.extractLane(acc[r], 3))),
      tail[r],
    );
    f.set(end4, i32.shl(i32.and(k, -4), 2));
    f.set(rowBytes, i32.shl(k, 2));
    // rows in groups of `rows` (4, then single rows for the remainder)
    const group = (rows: number, from: Local | number, to: Expr | Local): void => {
      f.for(j, from, to, rows, () => {
        f.set(row, i32.add(w, i32.mul(j, rowBytes)));
        for (let r = 0; r < rows; r++) {
          f.set(acc[r], v128.zero());
          f.set(tail[r], f32.const(0));
        }
        f.for(kk, 0, end4, 16, () => {
          f.set(xv, v128.load(i32.add(x, kk)));
          for (let r = 0; r < rows; r++) f.set(acc[r], f32x4.add(acc[r], f32x4.mul(xv, v128.load(i32.add(rowAt(r), kk)))));
        });
        f.for(kk, end4, rowBytes, 4, () => {
          f.set(xs, f32.load(i32.add(x, kk)));
          for (let r = 0; r < rows; r++) f.set(tail[r], f32.add(tail[r], f32.mul(xs, f32.load(i32.add(rowAt(r), kk)))));
        });
        for (let r = 0; r < rows; r++) f.storeF32(i32.add(y, i32.shl(i32.add(j, r), 2)), total(r));
      });
    };
    const n4 = f.local('i32');
    f.set(n4, i32.and(n, -4));
    group(4, 0, n4);
    group(1, n4, n);
  });
}
