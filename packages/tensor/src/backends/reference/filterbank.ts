/**
 * Gaussian filterbank kernels as plain loops (the reference backends', at either precision; the
 * wasm backend runs them too: the tensors are small). Each row is computed in float64 and rounded
 * once when stored; the gradients accumulate in float64.
 */
import type { FilterbankAttrs } from '../../kernels.js';
import type { HostArray } from './index.js';

type Alloc = (n: number) => HostArray;

/** F[b, i, a] = e / max(Σ e, floor), e = exp(−(a − μ)²/(2σ²)), μ = centre + (i − N/2 + 0.5)·delta. */
export function filterbankLoop(centre: HostArray, delta: HostArray, sigma2: HostArray, { n, length, floor }: FilterbankAttrs, alloc: Alloc): HostArray {
  const batch = centre.length;
  const y = alloc(batch * n * length);
  const e = new Float64Array(length);
  for (let b = 0; b < batch; b++) {
    const twoVar = -2 * sigma2[b];
    for (let i = 0; i < n; i++) {
      const mu = centre[b] + (i - n / 2 + 0.5) * delta[b];
      let s = 0;
      for (let a = 0; a < length; a++) s += e[a] = Math.exp(((a - mu) * (a - mu)) / twoVar);
      const z = Math.max(s, floor), row = (b * n + i) * length;
      for (let a = 0; a < length; a++) y[row + a] = e[a] / z;
    }
  }
  return y;
}

/**
 * The gradients of {@link filterbankLoop} given dF, rows of [3, B] (centre, delta, sigma2): with q = Σ_a dF·F per row, the gradient of each
 * e is (dF − t·q)/Z (t = 1 where the sum is above the floor, ½ at it, 0 below: `maximum`'s rule),
 * of μ Σ_a de·e·(a − μ)/σ² and of σ² Σ de·e·(a − μ)²/(2σ⁴); centre sums μ's over the rows,
 * delta weights them by (i − N/2 + 0.5).
 */
export function filterbankGradient(
  dy: HostArray, centre: HostArray, delta: HostArray, sigma2: HostArray, { n, length, floor }: FilterbankAttrs, alloc: Alloc,
): HostArray {
  const batch = centre.length;
  const y = alloc(3 * batch);
  const e = new Float64Array(length);
  for (let b = 0; b < batch; b++) {
    const v = sigma2[b], twoVar = -2 * v;
    let gCentre = 0, gDelta = 0, gVar = 0;
    for (let i = 0; i < n; i++) {
      const offset = i - n / 2 + 0.5, mu = centre[b] + offset * delta[b], row = (b * n + i) * length;
      let s = 0;
      for (let a = 0; a < length; a++) s += e[a] = Math.exp(((a - mu) * (a - mu)) / twoVar);
      const z = Math.max(s, floor), through = s > floor ? 1 : s === floor ? 0.5 : 0;
      let q = 0;
      for (let a = 0; a < length; a++) q += dy[row + a] * e[a];
      q = (through * q) / z;
      let dMu = 0, dVar = 0;
      for (let a = 0; a < length; a++) {
        const du = ((dy[row + a] - q) / z) * e[a], d = a - mu;
        dMu += du * d;
        dVar += du * d * d;
      }
      gCentre += dMu / v;
      gDelta += (offset * dMu) / v;
      gVar += dVar / (2 * v * v);
    }
    y[b] = gCentre;
    y[batch + b] = gDelta;
    y[2 * batch + b] = gVar;
  }
  return y;
}
