/**
 * Small synthetic image sets for the tests: each class is a stripe orientation (horizontal,
 * vertical, two diagonals) with a random phase and pixel noise per image, so a tiny conv net with
 * global pooling can learn it and a held-out set measures generalization.
 */
import { Rng } from '@wn/tensor';
import type { ClassificationData, FloatImages } from '../src/batches.js';

const DIRECTIONS: readonly [number, number][] = [
  [0, 1],
  [1, 0],
  [1, 1],
  [1, -1],
];

export function stripeImages(n: number, size: number, seed: number, noise = 0.3): FloatImages {
  const rng = new Rng(seed);
  const phases = rng.uniformArray(n, 0, 2 * Math.PI);
  const pixelNoise = rng.normalArray(n * size * size, 0, noise);
  const x = new Float32Array(n * size * size);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % DIRECTIONS.length;
    y[i] = label;
    const [dr, dc] = DIRECTIONS[label];
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const k = i * size * size + r * size + c;
        x[k] = 0.8 * Math.sin(((dr * r + dc * c) * 2 * Math.PI) / 4 + phases[i]) + pixelNoise[k];
      }
    }
  }
  return { x, y, n, channels: 1, height: size, width: size };
}

export function stripeData(trainN: number, testN: number, size = 12, noise = 0.3): ClassificationData {
  return {
    name: 'synthetic stripes',
    train: stripeImages(trainN, size, 11, noise),
    test: stripeImages(testN, size, 12, noise),
    classes: ['horizontal', 'vertical', 'diagonal', 'anti-diagonal'],
  };
}

