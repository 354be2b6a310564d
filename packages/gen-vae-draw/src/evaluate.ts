/**
 * Test bounds of a trained model: the ELBO (one posterior sample per image, averaged over the
 * images) and the importance-weighted bound log (1/k) Σ_i p(x, z_i)/q(z_i | x) (Burda et al.),
 * whose k log weights per image are drawn in chunks of at most `maxSamples` decoder passes and
 * combined in float64, so memory stays bounded for any k (k = 5,000 is the IWAE protocol).
 */
import { Rng, tidy, WnError } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { imageBatch, type BinaryImages } from './data/mnist.js';
import type { GenerativeModel } from './model.js';

/** Options of {@link evaluateBounds}. */
export interface BoundOptions {
  /** images per forward pass for the ELBO (default 500) */
  batchSize?: number;
  /** importance samples per image for the IW bound (0: skip it) */
  k?: number;
  /** the IW bound on the first N images (default: all) */
  kImages?: number;
  /** at most this many (samples × images) per decoder pass (default `IW_SAMPLES_PER_PASS`) */
  maxSamples?: number;
  /** the evaluation's noise (default: a fixed generator, so the same model gets the same numbers) */
  rng?: Rng;
}

/** What {@link evaluateBounds} measured (nats per image; higher is better). */
export interface Bounds {
  /** mean ELBO per image, nats (negative) */
  elbo: number;
  /** mean IW bound per image with `k` samples on `kImages` images; null when k = 0 */
  iw: number | null;
  /** Importance samples of `iw` (0: not computed). */
  k: number;
  /** Images `iw` was computed on. */
  kImages: number;
  /** the ELBO on the same `kImages` images (so the two can be compared image for image) */
  elboOnKImages: number | null;
  /** wall-clock seconds of the IW bound (0 when k = 0) */
  iwSeconds: number;
}

/** log((1/k) Σ exp(a_i)) of host values, in float64. */
export function hostLogMeanExp(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) m = Math.max(m, values[i]);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.exp(values[i] - m);
  return m + Math.log(s / values.length);
}

/**
 * Decoder passes of at most 500 samples: the memory of the ELBO's 500-image batches. Measured on
 * the quick VAE with k = 5,000 (one wasm thread): 500 per pass took 8.7 CPU-seconds per image and
 * 0.37 GB of memory in all, 2,000 per pass 13.8 s and 1.2 GB (larger passes leave the cache).
 */
export const IW_SAMPLES_PER_PASS = 500;

/** Per-image IW bounds of images [start, start + count) with k samples, in chunks. */
export function iwBounds(model: GenerativeModel, images: BinaryImages, start: number, count: number, k: number, rng: Rng, maxSamples = IW_SAMPLES_PER_PASS): Float64Array {
  if (!Number.isInteger(k) || k < 1) throw new WnError('iwBounds', `k: expected an integer ≥ 1, got ${k}`);
  const x = imageBatch(images, start, count);
  const n = x.shape[0];
  const logW = Array.from({ length: n }, () => new Float64Array(k));
  try {
    const chunk = Math.max(1, Math.floor(maxSamples / n));
    for (let done = 0; done < k; done += chunk) {
      const kc = Math.min(chunk, k - done);
      const w = noGrad(() => tidy(() => model.logWeights(x, kc, rng).dataSync()));
      for (let s = 0; s < kc; s++) for (let i = 0; i < n; i++) logW[i][done + s] = w[s * n + i];
    }
  } finally {
    x.dispose();
  }
  return Float64Array.from(logW, hostLogMeanExp);
}

/**
 * The test ELBO of `images` and, with `k` > 0, the importance-weighted bound (Burda et al.) on the first
 * `kImages`, in batches under `noGrad`. Deterministic for a given `rng`.
 */
export function evaluateBounds(model: GenerativeModel, images: BinaryImages, options: BoundOptions = {}): Bounds {
  const batchSize = options.batchSize ?? 500;
  const k = options.k ?? 0;
  const kImages = Math.min(options.kImages ?? images.n, images.n);
  const rng = options.rng ?? new Rng(0x1e7a);
  const wasTraining = model.module.training;
  model.module.eval();
  try {
    let elboSum = 0;
    let elboOnK = 0;
    for (let start = 0; start < images.n; start += batchSize) {
      const values = noGrad(() => tidy(() => {
        const x = imageBatch(images, start, batchSize);
        return model.elbo(x, rng).dataSync();
      }));
      values.forEach((v, i) => {
        elboSum += v;
        if (start + i < kImages) elboOnK += v;
      });
    }
    let iw: number | null = null;
    const iwStart = performance.now();
    if (k > 0) {
      let sum = 0;
      // images per call: as many as fit k samples each in one pass; with k > maxSamples one image, k in chunks
      const perPass = Math.max(1, Math.min(batchSize, Math.floor((options.maxSamples ?? IW_SAMPLES_PER_PASS) / k)));
      for (let start = 0; start < kImages; start += perPass) {
        for (const v of iwBounds(model, images, start, Math.min(perPass, kImages - start), k, rng, options.maxSamples)) sum += v;
      }
      iw = sum / kImages;
    }
    const iwSeconds = k > 0 ? (performance.now() - iwStart) / 1000 : 0;
    return { elbo: elboSum / images.n, iw, k, kImages, elboOnKImages: k > 0 ? elboOnK / kImages : null, iwSeconds };
  } finally {
    model.module.train(wasTraining);
  }
}
