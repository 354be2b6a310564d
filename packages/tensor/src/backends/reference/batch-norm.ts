/**
 * Batch-normalization kernels as plain loops (the reference backend's at either precision, and the
 * wasm backend's through it): per-channel sums in float64, in index order (deterministic, one
 * thread), one pass for the statistics and one for the output, and the direct gradient rule
 * instead of the ten-odd ops the composition differentiates through. Each result is rounded once
 * to the backend's precision.
 */
import type { Shape } from '../../shape.js';
import type { HostArray } from './index.js';
import { weightNormLayout } from './weight-norm.js';

type Round = (x: number) => number;
type Layout = [number, number, number];

/** Per-channel float64 sums over x viewed as [outer, C, inner]: Σx and Σx², and Σdy, Σdy·x when dy is given. */
function channelSums(x: HostArray, dy: HostArray | null, [outer, units, inner]: Layout): Float64Array[] {
  const sx = new Float64Array(units), sxx = new Float64Array(units), sdy = new Float64Array(units), sdyx = new Float64Array(units);
  for (let a = 0, i = 0; a < outer; a++) {
    for (let u = 0; u < units; u++) {
      let s1 = 0, s2 = 0, s3 = 0, s4 = 0;
      const end = i + inner;
      if (dy) {
        for (; i < end; i++) {
          const v = x[i], d = dy[i];
          s1 += v; s2 += v * v; s3 += d; s4 += d * v;
        }
        sdy[u] += s3; sdyx[u] += s4;
      } else {
        for (; i < end; i++) {
          const v = x[i];
          s1 += v; s2 += v * v;
        }
      }
      sx[u] += s1; sxx[u] += s2;
    }
  }
  return [sx, sxx, sdy, sdyx];
}

/** Mean and biased variance per channel (float64) from Σx, Σx² over n values. */
export function moments(sx: Float64Array, sxx: Float64Array, n: number): [Float64Array, Float64Array] {
  const mean = sx.map((s) => s / n);
  // E[x²] − μ² in float64 from float32 data loses nothing that matters; clamp the rounding below 0
  const variance = sxx.map((s, u) => Math.max(0, s / n - mean[u] * mean[u]));
  return [mean, variance];
}

/** y[a, u, b] = x[a, u, b]·scale[u] + shift[u] over the [outer, C, inner] layout. */
function perChannel(y: HostArray, [outer, units, inner]: Layout, scale: Float64Array, shift: Float64Array, x: HostArray): HostArray {
  for (let a = 0, i = 0; a < outer; a++) {
    for (let u = 0; u < units; u++) {
      const s = scale[u], t = shift[u], end = i + inner;
      // the store rounds to y's precision (once): no Math.fround call per element
      for (; i < end; i++) y[i] = x[i] * s + t;
    }
  }
  return y;
}

/** [2, C]: each channel's mean (row 0) and biased variance (row 1) over every axis but 1. */
export function batchMomentsKernel(x: HostArray, shape: Shape, alloc: (n: number) => HostArray, round: Round): HostArray {
  const layout = weightNormLayout(shape, 1);
  const [sx, sxx] = channelSums(x, null, layout);
  const [mean, variance] = moments(sx, sxx, layout[0] * layout[2]);
  const y = alloc(2 * layout[1]);
  for (let u = 0; u < layout[1]; u++) {
    y[u] = round(mean[u]);
    y[layout[1] + u] = round(variance[u]);
  }
  return y;
}

/** y = (x − μ)·γ/√(σ² + eps) + β with the batch's μ, σ² per channel. */
export function batchNormKernel(
  x: HostArray, weight: HostArray, bias: HostArray, shape: Shape, eps: number, alloc: (n: number) => HostArray,
): HostArray {
  const layout = weightNormLayout(shape, 1);
  const [sx, sxx] = channelSums(x, null, layout);
  const [scale, shift] = normalizeCoefficients(sx, sxx, layout[0] * layout[2], weight, bias, eps);
  return perChannel(alloc(x.length), layout, scale, shift, x);
}

/** Per channel, from Σx and Σx² over n values: batch norm's output is x·scale + shift. */
export function normalizeCoefficients(sx: Float64Array, sxx: Float64Array, n: number, weight: ArrayLike<number>, bias: ArrayLike<number>, eps: number): [Float64Array, Float64Array] {
  const [mean, variance] = moments(sx, sxx, n);
  const scale = variance.map((v, u) => weight[u] / Math.sqrt(v + eps));
  const shift = scale.map((s, u) => bias[u] - mean[u] * s);
  return [scale, shift];
}

/**
 * Per channel, from Σx, Σx², Σdy, Σdy·x over n values: Σdy·x̂ (γ's gradient) and the a, b, c of
 * x's gradient a·dy + b·x + c.
 */
export function gradientCoefficients(
  [sx, sxx, sdy, sdyx]: readonly Float64Array[], n: number, weight: ArrayLike<number>, eps: number,
): { sdyHat: Float64Array; a: Float64Array; b: Float64Array; c: Float64Array } {
  const [mean, variance] = moments(sx, sxx, n);
  const invStd = variance.map((v) => 1 / Math.sqrt(v + eps));
  // Σ dy·x̂ = (Σ dy·x − μ·Σ dy)/σ
  const sdyHat = sdyx.map((s, u) => (s - mean[u] * sdy[u]) * invStd[u]);
  const a = invStd.map((s, u) => weight[u] * s);
  const b = a.map((k, u) => (-k * invStd[u] * sdyHat[u]) / n);
  const c = a.map((k, u) => (-k * sdy[u]) / n - b[u] * mean[u]);
  return { sdyHat, a, b, c };
}

/**
 * The gradient of batchNorm given dy, with x̂ = (x − μ)/σ, σ = √(σ² + eps): β's Σdy, γ's Σdy·x̂, or
 * x's (γ/σ)·(dy − mean(dy) − x̂·mean(dy·x̂)) per channel — computed as a·dy + b·x + c.
 */
export function batchNormGradient(
  dy: HostArray, x: HostArray, weight: HostArray, shape: Shape, eps: number, wrt: 'x' | 'weight' | 'bias', alloc: (n: number) => HostArray, round: Round,
): HostArray {
  const layout = weightNormLayout(shape, 1);
  const [outer, units, inner] = layout;
  if (wrt === 'bias') {
    // β's gradient needs only Σ dy
    const [sdy] = channelSums(dy, null, layout);
    const y = alloc(units);
    for (let u = 0; u < units; u++) y[u] = round(sdy[u]);
    return y;
  }
  const { sdyHat, a, b, c } = gradientCoefficients(channelSums(x, dy, layout), outer * inner, weight, eps);
  if (wrt === 'weight') {
    const y = alloc(units);
    for (let u = 0; u < units; u++) y[u] = round(sdyHat[u]);
    return y;
  }
  const y = alloc(x.length);
  for (let o = 0, i = 0; o < outer; o++) {
    for (let u = 0; u < units; u++) {
      const ka = a[u], kb = b[u], kc = c[u], end = i + inner;
      for (; i < end; i++) y[i] = ka * dy[i] + kb * x[i] + kc;
    }
  }
  return y;
}
