import { sizeOf, type Shape } from '../../shape.js';

/** Calls `visit(outFlat, offsets...)` for every element of `out`, tracking one offset per input. */
export function forEachBroadcast(out: Shape, inStrides: number[][], visit: (i: number, offs: number[]) => void): void {
  const rank = out.length;
  const n = sizeOf(out);
  const idx = new Array<number>(rank).fill(0);
  const offs = inStrides.map(() => 0);
  for (let i = 0; i < n; i++) {
    visit(i, offs);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < offs.length; k++) offs[k] += inStrides[k][d];
      if (idx[d] < out[d]) break;
      for (let k = 0; k < offs.length; k++) offs[k] -= inStrides[k][d] * out[d];
      idx[d] = 0;
    }
  }
}
