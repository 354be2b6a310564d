import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed, permutation } from '../src/rng.js';

describe('Rng', () => {
  it('repeats the same stream for the same seed and differs for other seeds', () => {
    const draw = (...seed: number[]) => {
      const rng = new Rng(...seed);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(1, 2)).not.toEqual(draw(2, 1));
    expect(draw(2 ** 40)).not.toEqual(draw(0));
  });

  it('draws unbiased integers in range', () => {
    const rng = new Rng(7);
    const counts = new Array(6).fill(0);
    const draws = 60_000;
    let outside = 0;
    for (let i = 0; i < draws; i++) {
      const v = rng.nextInt(6);
      if (v >= 0 && v < 6 && Number.isInteger(v)) counts[v]++;
      else outside++;
    }
    expect(outside).toBe(0);
    // Chi-square with 5 degrees of freedom: 20.5 is the 0.999 quantile.
    const expected = draws / 6;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(20.5);
  });

  it('draws floats in [0, 1) with mean near 1/2', () => {
    const rng = new Rng(3);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 20_000; i++) {
      const f = rng.nextFloat();
      if (!(f >= 0 && f < 1)) outside++;
      sum += f;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / 20_000 - 0.5)).toBeLessThan(0.01);
  });

  it('rejects bad seeds and ranges', () => {
    expect(() => new Rng(-1)).toThrow(/seed part 0 must be a non-negative safe integer, got -1/);
    expect(() => new Rng(1.5)).toThrow(/got 1.5/);
    expect(() => new Rng()).toThrow(/at least one seed part/);
    expect(() => new Rng(1).nextInt(0)).toThrow(/n must be an integer in \[1, 2\^32\], got 0/);
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(1, 3));
  });
});

describe('permutation', () => {
  it('is a permutation and is seed-deterministic', () => {
    const p = permutation(1000, new Rng(5));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(permutation(1000, new Rng(5))).toEqual(p);
    expect(permutation(1000, new Rng(6))).not.toEqual(p);
    expect(permutation(0, new Rng(1))).toEqual(new Uint32Array(0));
  });

  it('puts each element in each position about equally often', () => {
    const n = 4;
    const counts = Array.from({ length: n }, () => new Array(n).fill(0));
    const rng = new Rng(11);
    for (let t = 0; t < 8000; t++) permutation(n, rng).forEach((v, pos) => counts[v][pos]++);
    for (const row of counts) for (const c of row) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });
});
