/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) built from
 * 32-bit integer operations only, so a given seed yields the same stream on every platform.
 * Not for cryptography.
 */

/** One splitmix32 step: a strong 32-bit mixer, used to spread seeds and derive sub-seeds. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function checkSeedPart(value: number, index: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`Rng seed part ${index} must be a non-negative safe integer, got ${value}`);
  }
}

/**
 * Combines several non-negative integers (for example seed, epoch, batch index) into one
 * 32-bit seed. Different tuples give unrelated streams; the same tuple always gives the same.
 */
export function deriveSeed(...parts: number[]): number {
  let h = 0x2545f491;
  parts.forEach((part, index) => {
    checkSeedPart(part, index);
    // Feed the low and high 32-bit halves so seeds above 2^32 stay distinct.
    h = splitmix32(h ^ (part >>> 0));
    h = splitmix32(h ^ Math.floor(part / 0x1_0000_0000));
  });
  return h;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed` or several seed parts (see {@link deriveSeed}); each a non-negative safe integer. */
  constructor(...seedParts: number[]) {
    if (seedParts.length === 0) throw new Error('Rng needs at least one seed part');
    let x = deriveSeed(...seedParts);
    x = splitmix32(x);
    this.s0 = x;
    x = splitmix32(x);
    this.s1 = x;
    x = splitmix32(x);
    this.s2 = x;
    x = splitmix32(x);
    this.s3 = x;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is a fixed point
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n) without modulo bias; n in [1, 2^32]. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) {
      throw new Error(`Rng.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    // Reject the top partial range so every residue is equally likely.
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** True with probability 1/2. */
  nextBool(): boolean {
    return (this.nextUint32() & 0x8000_0000) !== 0;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Uniformly random permutation of 0..n-1 (Fisher–Yates), drawn from `rng`. */
export function permutation(n: number, rng: Rng): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) {
    throw new Error(`permutation: n must be an integer in [0, 2^32 - 1], got ${n}`);
  }
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
