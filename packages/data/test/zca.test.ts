import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { batches } from '../src/batches.js';
import { type ImageDataset, createImageDataset, mapImages, subset } from '../src/dataset.js';
import { eigh } from '../src/eigh.js';
import { scalePixels } from '../src/preprocess.js';
import { Rng } from '@wn/tensor';
import { type ZcaWhitening, applyZca, decodeZca, encodeZca, fitZca, loadZca, saveZca, zcaTransform } from '../src/zca.js';
import { tempDir } from './helpers.js';

const shape = { channels: 1, height: 3, width: 3 };
const dim = 9;

/** Correlated data: x = offset + M z with z uniform in ±1 and M mixing with scales 0.01…3. */
function correlated(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const mix = Array.from({ length: dim * dim }, (_, k) => (rng.nextFloat() - 0.5) * (k % dim === 0 ? 0.01 : 3 / (1 + (k % dim))));
  const images = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: dim }, () => 2 * rng.nextFloat() - 1);
    for (let r = 0; r < dim; r++) {
      let s = 0.5 * r;
      for (let c = 0; c < dim; c++) s += mix[r * dim + c] * z[c];
      images[i * dim + r] = s;
    }
  }
  return createImageDataset({ name: 'toy', images, labels: new Uint8Array(n), ...shape, classes: ['x'] });
}

/** Mean and covariance (1/N) of float data, in float64, computed naively. */
function stats(x: Float32Array, n: number) {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += x[i * dim + j] / n;
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) cov[a * dim + b] += ((x[i * dim + a] - mean[a]) * (x[i * dim + b] - mean[b])) / n;
    }
  }
  return { mean, cov };
}

function whitenedCovariance(data: ImageDataset, zca: ZcaWhitening) {
  const x = Float32Array.from(data.images);
  applyZca(zca, x, data.n);
  return stats(x, data.n).cov;
}

describe('fitZca', () => {
  const data = correlated(4000, 1);

  it('makes the training covariance the identity up to ε/(λ + ε)', async () => {
    const epsilon = 1e-7;
    const zca = await fitZca(data, { epsilon });
    const worst = Math.max(...zca.eigenvalues.map((l) => epsilon / (Math.max(l, 0) + epsilon)));
    const cov = whitenedCovariance(data, zca);
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) expect(Math.abs(cov[a * dim + b] - (a === b ? 1 : 0))).toBeLessThan(worst + 2e-4);
    }
  });

  it('shrinks each direction to λ/(λ + ε) for a large ε, exactly as the formula says', async () => {
    const epsilon = 0.05;
    const zca = await fitZca(data, { epsilon });
    const { vectors, values } = eigh(stats(data.images as Float32Array, data.n).cov, dim);
    const cov = whitenedCovariance(data, zca);
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) {
        let expected = 0;
        for (let k = 0; k < dim; k++) expected += (vectors[a * dim + k] * values[k] * vectors[b * dim + k]) / (values[k] + epsilon);
        expect(Math.abs(cov[a * dim + b] - expected)).toBeLessThan(2e-4);
      }
    }
  });

  it('matches U diag(1/√(λ+ε)) Uᵀ and the mean computed independently', async () => {
    const epsilon = 0.01;
    const zca = await fitZca(data, { epsilon });
    const { mean, cov } = stats(data.images as Float32Array, data.n);
    const { vectors, values } = eigh(cov, dim);
    for (let j = 0; j < dim; j++) expect(Math.abs(zca.mean[j] - mean[j])).toBeLessThan(1e-9);
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) {
        let w = 0;
        for (let k = 0; k < dim; k++) w += (vectors[a * dim + k] * vectors[b * dim + k]) / Math.sqrt(values[k] + epsilon);
        expect(Math.abs(zca.matrix[a * dim + b] - w)).toBeLessThan(1e-5 * Math.abs(w) + 1e-5);
        expect(zca.matrix[a * dim + b]).toBe(zca.matrix[b * dim + a]);
      }
    }
    expect(zca).toMatchObject({ ...shape, dim, epsilon, fittedImages: 4000 });
  });

  it('fits on evenly spaced images with maxImages and applies a transform first', async () => {
    const sub = await fitZca(data, { maxImages: 1000 });
    const manual = await fitZca(subset(data, Array.from({ length: 1000 }, (_, k) => 4 * k)));
    expect(sub.matrix).toEqual(manual.matrix);
    expect(sub.fittedImages).toBe(1000);

    const pixels = createImageDataset({
      name: 'px',
      images: Uint8Array.from({ length: 300 * dim }, (_, k) => (k * 37 + (k % 7) * 11) % 256),
      labels: new Uint8Array(300),
      ...shape,
      classes: ['x'],
    });
    const viaTransform = await fitZca(pixels, { transform: scalePixels });
    const preScaled = await fitZca(mapImages(pixels, scalePixels));
    expect(viaTransform.matrix).toEqual(preScaled.matrix);
  });

  it('does not depend on the thread count', async () => {
    const one = await fitZca(data, { threads: 1, maxImages: 700 });
    expect(await fitZca(data, { threads: 3, maxImages: 700 })).toEqual(one);
  });

  it('works as a batch transform', async () => {
    const zca = await fitZca(data);
    const [batch] = [...batches(data, { batchSize: 7, shuffle: false, transform: zcaTransform(zca) })];
    for (let b = 0; b < 7; b++) {
      for (let i = 0; i < dim; i++) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += zca.matrix[i * dim + j] * (data.images[b * dim + j] - zca.mean[j]);
        expect(Math.abs(batch.x[b * dim + i] - s)).toBeLessThan(1e-4);
      }
    }
  });

  it('names bad options and mismatched batches', async () => {
    await expect(fitZca(data, { epsilon: 0 })).rejects.toThrow('fitZca: epsilon must be a positive number, got 0');
    await expect(fitZca(data, { maxImages: 1 })).rejects.toThrow('fitZca: maxImages must be an integer ≥ 2, got 1');
    const zca = await fitZca(data);
    expect(() => applyZca(zca, new Float32Array(10), 1)).toThrow('applyZca: x has 10 values, 1 images of 9 values need 9');
  });
});

describe('ZCA files', () => {
  const dir = tempDir();
  let zca: ZcaWhitening;
  beforeAll(async () => {
    zca = await fitZca(correlated(500, 2), { epsilon: 0.02 });
  });

  it('round-trips through a file bit for bit', async () => {
    const path = join(dir, 'toy.zca');
    saveZca(zca, path);
    expect(loadZca(path)).toEqual(zca);
  });

  it('rejects foreign, truncated and padded files', async () => {
    const bytes = encodeZca(zca);
    const foreign = bytes.slice();
    foreign[0] = 'X'.charCodeAt(0);
    expect(() => decodeZca(foreign, 'f.zca')).toThrow('f.zca: wrong magic: expected WN-ZCA01 got "XN-ZCA01"');
    expect(() => decodeZca(bytes.subarray(0, bytes.length - 4), 't.zca')).toThrow(
      `t.zca: truncated file: expected ${bytes.length} bytes for 1×3×3 got ${bytes.length - 4}`,
    );
    const path = join(dir, 'padded.zca');
    writeFileSync(path, Buffer.concat([bytes, Buffer.alloc(1)]));
    expect(() => loadZca(path)).toThrow(/unexpected trailing data/);
    expect(() => loadZca(join(dir, 'none.zca'))).toThrow(/cannot read .*none\.zca/);
  });
});
