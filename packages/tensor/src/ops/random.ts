/**
 * Counter-based random numbers: value i of a stream is a hash of (seed, stream, i), computed on
 * the host, so every backend sees identical numbers and any element can be recomputed.
 */
import type { Shape } from '../shape.js';
import { assertValidShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { argError } from '../errors.js';
import { tensor } from './creation.js';

/** A 32-bit avalanche mix (murmur3's finalizer). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32 random bits for counter `i` under key (seed, stream). Two rounds keep nearby keys apart. */
export function randomBits(seed: number, stream: number, i: number): number {
  const k = fmix32((seed >>> 0) ^ fmix32((stream + 0x9e3779b9) >>> 0));
  return fmix32((k ^ fmix32((i * 0x9e3779b9 + 0x7f4a7c15) >>> 0)) >>> 0);
}

/** Uniform in [0, 1) with 24 bits, exactly representable in float32. */
export function uniform01(seed: number, stream: number, i: number): number {
  return (randomBits(seed, stream, i) >>> 8) / 16777216;
}

/**
 * A seeded generator. Each draw uses a fresh stream, so the n-th draw of a generator seeded with
 * s is the same whatever the shapes of the earlier draws.
 */
export class Rng {
  private stream = 0;
  constructor(readonly seed: number) {
    if (!Number.isInteger(seed)) throw argError('Rng', 'seed', 'an integer', seed);
  }

  /** Host-side uniform [lo, hi) values (for data pipelines). */
  uniformArray(n: number, lo = 0, hi = 1): Float64Array {
    const s = this.stream++;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * uniform01(this.seed, s, i);
    return out;
  }

  /** Host-side standard normals by Box–Muller over counter pairs. */
  normalArray(n: number, mean = 0, std = 1): Float64Array {
    const s = this.stream++;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = 1 - uniform01(this.seed, s, i); // (0, 1]: log is finite
      const u2 = uniform01(this.seed, s, i + 1);
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }

  uniform(shape: Shape, lo = 0, hi = 1): Tensor {
    assertValidShape('rand', 'shape', shape);
    return tensor(this.uniformArray(sizeOf(shape), lo, hi), shape);
  }

  normal(shape: Shape, mean = 0, std = 1): Tensor {
    assertValidShape('randn', 'shape', shape);
    return tensor(this.normalArray(sizeOf(shape), mean, std), shape);
  }

  /** 1 with probability p, else 0. */
  bernoulli(shape: Shape, p: number): Tensor {
    if (!(p >= 0 && p <= 1)) throw argError('bernoulli', 'p', 'a probability in [0, 1]', p);
    const u = this.uniformArray(sizeOf(shape));
    for (let i = 0; i < u.length; i++) u[i] = u[i] < p ? 1 : 0;
    return tensor(u, shape);
  }

  /** A fresh integer seed, for handing a child generator its own stream. */
  fork(): Rng {
    return new Rng(randomBits(this.seed, this.stream++, 0));
  }
}

export const randn = (shape: Shape, options: { seed: number; mean?: number; std?: number }): Tensor =>
  new Rng(options.seed).normal(shape, options.mean, options.std);
export const rand = (shape: Shape, options: { seed: number; low?: number; high?: number }): Tensor =>
  new Rng(options.seed).uniform(shape, options.low, options.high);
export const bernoulli = (shape: Shape, p: number, options: { seed: number }): Tensor => new Rng(options.seed).bernoulli(shape, p);
