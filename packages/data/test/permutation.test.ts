import { describe, expect, it } from 'vitest';
import { Rng, WnError } from '@wn/tensor';
import { permutation } from '../src/permutation.js';

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
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const rng = new Rng(11);
    for (let t = 0; t < 8000; t++) permutation(n, rng).forEach((v, pos) => counts[v][pos]++);
    for (const row of counts) for (const c of row) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });

  it('continues exactly from a saved generator position', () => {
    const rng = new Rng(9);
    permutation(50, rng);
    const resumed = Rng.fromState(rng.state());
    expect(permutation(50, resumed)).toEqual(permutation(50, rng));
  });

  it('rejects a bad length with a WnError naming it', () => {
    for (const n of [-1, 2.5, 2 ** 32]) {
      expect(() => permutation(n, new Rng(1))).toThrow(WnError);
      expect(() => permutation(n, new Rng(1))).toThrow(/permutation: argument 'n' expected an integer in \[0, 2\^32 - 1\], got/);
    }
  });
});
