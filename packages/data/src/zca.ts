/**
 * ZCA whitening as in the paper's CIFAR-10 experiments: fit the mean μ and
 * W = U diag(1/√(λ + ε)) Uᵀ from the eigendecomposition C = U diag(λ) Uᵀ of the training images'
 * covariance (images flattened), then map each image x to W (x − μ). Fitting is O(d³) in the image
 * size d (3072 for CIFAR-10), so the result can be saved to a binary file and loaded later.
 */
import { FileFormatError, WnError } from '@wn/tensor';
import { writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { readBytes } from './files.js';
import { type ImageDataset, imageSize } from './dataset.js';
import { eighParallel } from './eigh.js';
import { type KernelPool, sharedFloat64, withPool } from './parallel.js';
import type { BatchTransform } from './preprocess.js';

/** A fitted ZCA whitening transform: x ↦ W·(x − mean) with W = U·diag(1/√(λ + ε))·Uᵀ. */
export interface ZcaWhitening {
  /** Image shape the whitening was fitted for; dim = channels·height·width. */
  channels: number;
  /** Rows per image, in pixels. */
  height: number;
  /** Columns per image, in pixels. */
  width: number;
  /** Values per image, channels·height·width. */
  dim: number;
  /** Regularizer added to every eigenvalue, in units of the fitted data's variance. */
  epsilon: number;
  /** Number of images the statistics came from. */
  fittedImages: number;
  /** Per-value mean of the fitted images. */
  mean: Float64Array;
  /** Covariance eigenvalues, ascending (for diagnostics, e.g. choosing ε). */
  eigenvalues: Float64Array;
  /** W, dim×dim row-major (symmetric). */
  matrix: Float32Array;
}

/** Options of {@link fitZca}. */
export interface FitZcaOptions {
  /** ε in 1/√(λ + ε) (default 0.01; suited to data scaled to about [−1, 1]). */
  epsilon?: number;
  /**
   * Fit on at most this many images, taken evenly spaced through the dataset (default all).
   * The covariance pass scales with it; the eigendecomposition does not.
   */
  maxImages?: number;
  /**
   * Applied to the images before the statistics are taken, e.g. `scalePixels`. Data passed to
   * the fitted whitening must have gone through the same transform.
   */
  transform?: BatchTransform;
  /** Threads for the O(d³) passes (default: the machine's cores, at most 8; 1 = no workers). */
  threads?: number;
  /** A pool to use instead of starting and closing one. */
  pool?: KernelPool;
  /** Reports progress: the stage and elapsed milliseconds when it ended. */
  onProgress?: (stage: 'mean' | 'covariance' | 'eigh' | 'matrix', elapsedMs: number) => void;
}

const CHUNK = 256;

function selectedIndices(n: number, maxImages: number | undefined): Uint32Array {
  if (maxImages === undefined || maxImages >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  if (!Number.isInteger(maxImages) || maxImages < 2) {
    throw new WnError('fitZca', `maxImages must be an integer ≥ 2, got ${maxImages}`);
  }
  return Uint32Array.from({ length: maxImages }, (_, k) => Math.floor((k * n) / maxImages));
}

/** Float32 copies of the selected images, CHUNK at a time, after `transform` (the buffer is reused). */
function* chunks(dataset: ImageDataset, indices: Uint32Array, transform: BatchTransform | undefined): Generator<[Float32Array, number]> {
  const size = imageSize(dataset);
  const x = new Float32Array(CHUNK * size);
  for (let start = 0; start < indices.length; start += CHUNK) {
    const count = Math.min(CHUNK, indices.length - start);
    for (let k = 0; k < count; k++) {
      const i = indices[start + k];
      x.set(dataset.images.subarray(i * size, (i + 1) * size), k * size);
    }
    const view = x.subarray(0, count * size);
    transform?.(view, count);
    yield [view, count];
  }
}

/**
 * Fits ZCA whitening on `dataset`'s images (see {@link FitZcaOptions}). The result does not depend
 * on the thread count.
 */
export async function fitZca(dataset: ImageDataset, options: FitZcaOptions = {}): Promise<ZcaWhitening> {
  const epsilon = options.epsilon ?? 0.01;
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new WnError('fitZca', `epsilon must be a positive number, got ${epsilon}`);
  const indices = selectedIndices(dataset.n, options.maxImages);
  if (indices.length < 2) throw new WnError('fitZca', `need at least 2 images, ${dataset.name} has ${dataset.n}`);
  const dim = imageSize(dataset);
  const started = performance.now();
  const report = (stage: 'mean' | 'covariance' | 'eigh' | 'matrix'): void => options.onProgress?.(stage, performance.now() - started);

  return withPool(options.threads, options.pool, 'fitZca', async (pool) => {
    const mean = new Float64Array(dim);
    for (const [x, count] of chunks(dataset, indices, options.transform)) {
      for (let k = 0; k < count; k++) {
        const o = k * dim;
        for (let j = 0; j < dim; j++) mean[j] += x[o + j];
      }
    }
    for (let j = 0; j < dim; j++) mean[j] /= indices.length;
    report('mean');

    // C = (1/N) Σ (x − μ)(x − μ)ᵀ, accumulated as Xᵀ X over chunks of centred images stored
    // transposed (one row per pixel), so the Gram kernel runs over contiguous rows.
    const covariance = sharedFloat64(dim * dim);
    const centred = sharedFloat64(dim * CHUNK);
    for (const [x, count] of chunks(dataset, indices, options.transform)) {
      for (let k = 0; k < count; k++) {
        const o = k * dim;
        for (let j = 0; j < dim; j++) centred[j * count + k] = x[o + j] - mean[j];
      }
      await pool.runRows('addLowerGramRows', dim, [centred, dim, count, covariance], true);
    }
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j <= i; j++) covariance[i * dim + j] /= indices.length;
    }
    report('covariance');

    const { values, vectors } = await eighParallel(covariance, dim, { pool });
    report('eigh');

    // W = Y Yᵀ with Y = U diag((λ + ε)^(−1/4)); round-off can leave tiny negative λ, clamp to 0.
    const y = sharedFloat64(dim * dim);
    y.set(vectors);
    for (let k = 0; k < dim; k++) {
      const scale = 1 / Math.sqrt(Math.sqrt(Math.max(values[k], 0) + epsilon));
      for (let i = 0; i < dim; i++) y[i * dim + k] *= scale;
    }
    const w = covariance.fill(0);
    await pool.runRows('addLowerGramRows', dim, [y, dim, dim, w], true);
    const matrix = new Float32Array(dim * dim);
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j <= i; j++) {
        matrix[i * dim + j] = w[i * dim + j];
        matrix[j * dim + i] = w[i * dim + j];
      }
    }
    report('matrix');
    const { channels, height, width } = dataset;
    return { channels, height, width, dim, epsilon, fittedImages: indices.length, mean, eigenvalues: values, matrix };
  });
}

/** Whitens `count` images in `x` in place: x ← W (x − μ). */
export function applyZca(zca: ZcaWhitening, x: Float32Array, count: number): void {
  const { dim, mean, matrix } = zca;
  if (!Number.isInteger(count) || count < 0 || x.length !== count * dim) {
    throw new WnError('applyZca', `x has ${x.length} values, ${count} images of ${dim} values need ${count * dim}`);
  }
  // Images go in groups whose centred copies stay in L2 while W streams past once per group;
  // within a group, tiles of 2 rows of W × 4 images keep eight sums in registers.
  const group = 16;
  const centred = new Float64Array(group * dim);
  for (let b0 = 0; b0 < count; b0 += group) {
    const size = Math.min(group, count - b0);
    const padded = 4 * Math.ceil(size / 4);
    centred.fill(0);
    for (let g = 0; g < size; g++) {
      const o = (b0 + g) * dim;
      for (let j = 0; j < dim; j++) centred[g * dim + j] = x[o + j] - mean[j];
    }
    for (let i = 0; i < dim; i += 2) {
      const w0 = i * dim;
      const w1 = i + 1 < dim ? w0 + dim : w0; // an odd last row is computed twice, written once
      for (let g = 0; g < padded; g += 4) {
        const c0 = g * dim;
        const c1 = c0 + dim;
        const c2 = c1 + dim;
        const c3 = c2 + dim;
        let s00 = 0;
        let s01 = 0;
        let s02 = 0;
        let s03 = 0;
        let s10 = 0;
        let s11 = 0;
        let s12 = 0;
        let s13 = 0;
        for (let j = 0; j < dim; j++) {
          const a = matrix[w0 + j];
          const b = matrix[w1 + j];
          const y0 = centred[c0 + j];
          const y1 = centred[c1 + j];
          const y2 = centred[c2 + j];
          const y3 = centred[c3 + j];
          s00 += a * y0;
          s01 += a * y1;
          s02 += a * y2;
          s03 += a * y3;
          s10 += b * y0;
          s11 += b * y1;
          s12 += b * y2;
          s13 += b * y3;
        }
        const o = (b0 + g) * dim + i;
        const second = i + 1 < dim;
        x[o] = s00;
        if (second) x[o + 1] = s10;
        if (g + 1 < size) {
          x[o + dim] = s01;
          if (second) x[o + dim + 1] = s11;
        }
        if (g + 2 < size) {
          x[o + 2 * dim] = s02;
          if (second) x[o + 2 * dim + 1] = s12;
        }
        if (g + 3 < size) {
          x[o + 3 * dim] = s03;
          if (second) x[o + 3 * dim + 1] = s13;
        }
      }
    }
  }
}

/** {@link applyZca} as a {@link BatchTransform} for `batches` or `mapImages`. */
export function zcaTransform(zca: ZcaWhitening): BatchTransform {
  return (x, count) => applyZca(zca, x, count);
}

// File layout (little-endian): 8-byte magic, uint32 channels, height, width, fittedImages,
// float64 epsilon, then float64 mean[dim], float64 eigenvalues[dim], float32 matrix[dim·dim].
const MAGIC = 'WN-ZCA01';
const HEADER_BYTES = 8 + 4 * 4 + 8;

function checkLittleEndian(): void {
  if (endianness() !== 'LE') throw new WnError('zca', 'ZCA files are little-endian; this platform is big-endian');
}

/** The whitening as bytes (see {@link saveZca}). */
export function encodeZca(zca: ZcaWhitening): Uint8Array {
  checkLittleEndian();
  const { dim } = zca;
  const out = new Uint8Array(HEADER_BYTES + 16 * dim + 4 * dim * dim);
  const view = new DataView(out.buffer);
  for (let k = 0; k < 8; k++) out[k] = MAGIC.charCodeAt(k);
  view.setUint32(8, zca.channels, true);
  view.setUint32(12, zca.height, true);
  view.setUint32(16, zca.width, true);
  view.setUint32(20, zca.fittedImages, true);
  view.setFloat64(24, zca.epsilon, true);
  let at = HEADER_BYTES;
  out.set(new Uint8Array(zca.mean.buffer, zca.mean.byteOffset, 8 * dim), at);
  at += 8 * dim;
  out.set(new Uint8Array(zca.eigenvalues.buffer, zca.eigenvalues.byteOffset, 8 * dim), at);
  at += 8 * dim;
  out.set(new Uint8Array(zca.matrix.buffer, zca.matrix.byteOffset, 4 * dim * dim), at);
  return out;
}

/** The image shape a loaded whitening must have been fitted for (see {@link decodeZca}). */
export interface ZcaGeometry {
  /** Channels per image. */
  channels: number;
  /** Rows per image, in pixels. */
  height: number;
  /** Columns per image, in pixels. */
  width: number;
}

/**
 * Parses bytes written by {@link encodeZca}; `source` names them in errors. Checks the values, not
 * only the sizes: ε finite and positive, at least 2 fitted images, finite mean and eigenvalues in
 * ascending order, a finite symmetric W, and, when `expected` is given, the image geometry (a file
 * fitted for 3×32×32 must not silently whiten 1×96×32 images, which have as many values).
 */
export function decodeZca(bytes: Uint8Array, source: string, expected?: ZcaGeometry): ZcaWhitening {
  checkLittleEndian();
  const fail = (field: string | undefined, message: string): FileFormatError => new FileFormatError({ op: 'decodeZca', file: source, field }, message);
  if (bytes.length < HEADER_BYTES) throw fail(undefined, `truncated file: expected at least ${HEADER_BYTES} bytes got ${bytes.length}`);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC) throw fail(undefined, `wrong magic: expected ${MAGIC} got ${JSON.stringify(magic)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const channels = view.getUint32(8, true);
  const height = view.getUint32(12, true);
  const width = view.getUint32(16, true);
  const fittedImages = view.getUint32(20, true);
  const epsilon = view.getFloat64(24, true);
  const dim = channels * height * width;
  if (dim === 0) throw fail(undefined, `bad shape ${channels}×${height}×${width}`);
  const size = HEADER_BYTES + 16 * dim + 4 * dim * dim;
  if (bytes.length !== size) {
    throw fail(undefined, `${bytes.length < size ? 'truncated file' : 'unexpected trailing data'}: expected ${size} bytes for ${channels}×${height}×${width} got ${bytes.length}`);
  }
  if (expected !== undefined && (expected.channels !== channels || expected.height !== height || expected.width !== width)) {
    throw fail('geometry', `fitted for ${channels}×${height}×${width} images, expected ${expected.channels}×${expected.height}×${expected.width}`);
  }
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw fail('epsilon', `expected a finite positive number, got ${epsilon}`);
  if (fittedImages < 2) throw fail('fittedImages', `expected at least 2 fitted images, got ${fittedImages}`);
  // Copy into fresh, aligned buffers.
  const copy = (offset: number, length: number): ArrayBuffer => bytes.slice(offset, offset + length).buffer;
  let at = HEADER_BYTES;
  const mean = new Float64Array(copy(at, 8 * dim));
  at += 8 * dim;
  const eigenvalues = new Float64Array(copy(at, 8 * dim));
  at += 8 * dim;
  const matrix = new Float32Array(copy(at, 4 * dim * dim));
  const bad = mean.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw fail(`mean[${bad}]`, `expected a finite number, got ${mean[bad]}`);
  for (let k = 0; k < dim; k++) {
    if (!Number.isFinite(eigenvalues[k]) || (k > 0 && !(eigenvalues[k] >= eigenvalues[k - 1]))) {
      throw fail(`eigenvalues[${k}]`, `expected finite values in ascending order, got ${eigenvalues[k]} after ${k > 0 ? eigenvalues[k - 1] : 'nothing'}`);
    }
  }
  checkSymmetric(matrix, dim, fail);
  return { channels, height, width, dim, epsilon, fittedImages, mean, eigenvalues, matrix };
}

/** Throws unless W is finite and exactly symmetric (as written); in tiles, so both reads stay in cache. */
function checkSymmetric(matrix: Float32Array, dim: number, fail: (field: string, message: string) => Error): void {
  const tile = 64;
  for (let i0 = 0; i0 < dim; i0 += tile) {
    for (let j0 = 0; j0 <= i0; j0 += tile) {
      const iEnd = Math.min(i0 + tile, dim);
      for (let i = i0; i < iEnd; i++) {
        const jEnd = Math.min(j0 + tile, i + 1);
        for (let j = j0; j < jEnd; j++) {
          const a = matrix[i * dim + j];
          // a − a is NaN for ±∞ and NaN, and NaN differs from everything: one test per pair.
          if (a !== matrix[j * dim + i] || a - a !== 0) {
            throw fail(`matrix[${i}][${j}]`, `W must be finite and symmetric, got ${a} and ${matrix[j * dim + i]} at [${j}][${i}]`);
          }
        }
      }
    }
  }
}

/** Writes the fitted whitening to `path`. */
export function saveZca(zca: ZcaWhitening, path: string): void {
  writeFileSync(path, encodeZca(zca));
}

/** Reads a whitening written by {@link saveZca}, checked as {@link decodeZca} does. */
export function loadZca(path: string, expected?: ZcaGeometry): ZcaWhitening {
  return decodeZca(readBytes(path), path, expected);
}
