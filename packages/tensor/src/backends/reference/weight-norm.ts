/**
 * Weight normalization kernels as plain loops (the reference backend's, at either precision):
 * the decomposition's values exactly — squares and products rounded, sums in float64 in index
 * order (as `reduce('sum')`), then sqrt, division and the scaling each rounded — so on the
 * reference backends the kernel and the composed ops agree bit for bit.
 */
import type { Shape } from '../../shape.js';
import { sizeOf } from '../../shape.js';
import type { HostArray } from './index.js';

/** v viewed as [outer, units, inner] around axis `dim`: the norm of unit u runs over outer × inner. */
export function weightNormLayout(shape: Shape, dim: number): [number, number, number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim], sizeOf(shape.slice(dim + 1))];
}

type Round = (x: number) => number;

/** Σ round(x·y) per unit, in float64 (index order). */
function unitSums(x: HostArray, y: HostArray, [outer, units, inner]: [number, number, number], round: Round): Float64Array {
  const acc = new Float64Array(units);
  for (let a = 0, i = 0; a < outer; a++) {
    for (let u = 0; u < units; u++) {
      let s = acc[u];
      for (let b = 0; b < inner; b++, i++) s += round(x[i] * y[i]);
      acc[u] = s;
    }
  }
  return acc;
}

/** ‖v‖ per unit as the decomposition rounds it: sqrt(round(Σ round(v²))). */
function unitNorms(v: HostArray, layout: [number, number, number], round: Round): Float64Array {
  return unitSums(v, v, layout, round).map((s) => round(Math.sqrt(round(s))));
}

/** y[a, u, b] = x[a, u, b] · scale(u, x[a, u, b] index) with the layout's loop order. */
function perUnit(y: HostArray, [outer, units, inner]: [number, number, number], f: (u: number, i: number) => number): HostArray {
  for (let a = 0, i = 0; a < outer; a++) for (let u = 0; u < units; u++) for (let b = 0; b < inner; b++, i++) y[i] = f(u, i);
  return y;
}

/** w = round(v · round(g / ‖v‖)). */
export function weightNormForward(v: HostArray, g: HostArray, shape: Shape, dim: number, alloc: (n: number) => HostArray, round: Round): HostArray {
  const layout = weightNormLayout(shape, dim);
  const norms = unitNorms(v, layout, round);
  const scale = norms.map((n, u) => round(g[u] / n));
  return perUnit(alloc(v.length), layout, (u, i) => round(v[i] * scale[u]));
}

/** PyTorch's weight-norm backward: g's gradient s/n, or v's (g/n)·(dw − v·(s/(n·n))), s = Σ dw·v. */
export function weightNormGradient(
  dw: HostArray, v: HostArray, g: HostArray, shape: Shape, dim: number, wrt: 'v' | 'g', alloc: (n: number) => HostArray, round: Round,
): HostArray {
  const layout = weightNormLayout(shape, dim);
  const norms = unitNorms(v, layout, round);
  const dots = unitSums(dw, v, layout, round).map(round);
  if (wrt === 'g') {
    const y = alloc(g.length);
    for (let u = 0; u < y.length; u++) y[u] = round(dots[u] / norms[u]);
    return y;
  }
  const c1 = norms.map((n, u) => round(g[u] / n));
  const c2 = norms.map((n, u) => round(dots[u] / round(n * n)));
  return perUnit(alloc(v.length), layout, (u, i) => round(c1[u] * round(dw[i] - round(v[i] * c2[u]))));
}
