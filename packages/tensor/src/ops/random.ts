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

/** A generator's whole position: plain JSON, saved by checkpoints and restored by `Rng.fromState`. */
export interface RngState {
  /** The generator's seed (any integer; its low 32 bits key the hash). */
  seed: number;
  /** How many draws (streams) the generator has used so far. */
  stream: number;
}

const TWO_32 = 0x1_0000_0000;

function checkSeedPart(op: string, value: number, index: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw argError(op, `seed part ${index}`, 'a non-negative safe integer', value);
}

/**
 * Combines several non-negative integers (for example seed, epoch, batch index) into one 32-bit
 * seed. Different tuples give unrelated streams; the same tuple always gives the same seed.
 */
export function deriveSeed(...parts: number[]): number {
  if (parts.length === 0) throw argError('deriveSeed', 'parts', 'at least one seed part', '[]');
  let h = 0x2545f491;
  parts.forEach((part, index) => {
    checkSeedPart('deriveSeed', part, index);
    // Feed the low and high 32-bit halves so parts above 2^32 stay distinct.
    h = fmix32(((h ^ (part >>> 0)) + 0x9e3779b9) >>> 0);
    h = fmix32(((h ^ Math.floor(part / TWO_32)) + 0x9e3779b9) >>> 0);
  });
  return h;
}

/**
 * A seeded generator. Each draw (an array or one scalar) uses a fresh stream, so the n-th draw of
 * a generator seeded with s is the same whatever the shapes of the earlier draws, and the pair
 * (seed, stream) is the generator's whole position: `state()` reads it, `Rng.fromState` restores it.
 */
export class Rng {
  private stream = 0;
  /** The seed the generator was created with (the combined seed when given several parts). */
  readonly seed: number;

  /**
   * `new Rng(seed)` with any integer seed, or `new Rng(a, b, …)` with several non-negative
   * integer parts combined by {@link deriveSeed} (e.g. seed, epoch, batch).
   */
  constructor(...seedParts: number[]) {
    if (seedParts.length === 0) throw argError('Rng', 'seed', 'an integer (or several seed parts)', 'no seed');
    if (seedParts.length === 1) {
      const [seed] = seedParts;
      if (!Number.isInteger(seed)) throw argError('Rng', 'seed', 'an integer', seed);
      this.seed = seed;
    } else {
      seedParts.forEach((part, index) => checkSeedPart('Rng', part, index));
      this.seed = deriveSeed(...seedParts);
    }
  }

  /** The generator's position as plain JSON. */
  state(): RngState {
    return { seed: this.seed, stream: this.stream };
  }

  /** A generator at exactly the position `state()` returned; checks every field. */
  static fromState(state: unknown): Rng {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw argError('Rng.fromState', 'state', 'an object { seed, stream }', state);
    }
    const { seed, stream } = state as Record<string, unknown>;
    if (typeof seed !== 'number' || !Number.isInteger(seed)) throw argError('Rng.fromState', 'state.seed', 'an integer', seed);
    if (typeof stream !== 'number' || !Number.isSafeInteger(stream) || stream < 0) {
      throw argError('Rng.fromState', 'state.stream', 'a non-negative safe integer', stream);
    }
    const rng = new Rng(seed);
    rng.stream = stream;
    return rng;
  }

  /** A uniform integer in [0, 2^32). */
  nextUint32(): number {
    return randomBits(this.seed, this.stream++, 0);
  }

  /** A uniform number in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / TWO_32;
  }

  /** A uniform integer in [0, n) without modulo bias; n an integer in [1, 2^32]. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) throw argError('Rng.nextInt', 'n', 'an integer in [1, 2^32]', n);
    // Reject the top partial range so every residue is equally likely.
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** True with probability 1/2. */
  nextBool(): boolean {
    return (this.nextUint32() & 0x8000_0000) !== 0;
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

  /** A tensor of `shape` drawn uniformly from [lo, hi). */
  uniform(shape: Shape, lo = 0, hi = 1): Tensor {
    assertValidShape('rand', 'shape', shape);
    return tensor(this.uniformArray(sizeOf(shape), lo, hi), shape);
  }

  /** A tensor of `shape` drawn from a normal distribution (Box–Muller) of the given mean and standard deviation. */
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

/**
 * A tensor of `shape` drawn from N(mean, std²) (default 0, 1) by a generator seeded with `options.seed`: the same seed
 * gives the same values on every backend.
 */
export const randn = (shape: Shape, options: { seed: number; mean?: number; std?: number }): Tensor =>
  new Rng(options.seed).normal(shape, options.mean, options.std);
/** A tensor of `shape` drawn uniformly from [low, high) (default [0, 1)) by a generator seeded with `options.seed`. */
export const rand = (shape: Shape, options: { seed: number; low?: number; high?: number }): Tensor =>
  new Rng(options.seed).uniform(shape, options.low, options.high);
/**
 * A tensor of `shape` of 1 with probability `p`, else 0, drawn with `options.seed`. Throws a `WnError` when `p` is not
 * in [0, 1].
 */
export const bernoulli = (shape: Shape, p: number, options: { seed: number }): Tensor => new Rng(options.seed).bernoulli(shape, p);
