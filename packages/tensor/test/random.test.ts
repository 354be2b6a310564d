/** The counter-based `Rng`: scalar draws, multi-part seeds, and a position a checkpoint can save. */
import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng, uniform01, randomBits, WnError } from '../src/index.js';

/** One draw of every kind, in a fixed order; returns everything drawn as plain numbers. */
function drawEverything(rng: Rng): number[] {
  const out: number[] = [];
  out.push(rng.nextUint32(), rng.nextFloat(), rng.nextInt(7), rng.nextInt(2 ** 32), rng.nextBool() ? 1 : 0);
  out.push(...rng.uniformArray(5, -2, 3), ...rng.normalArray(5, 1, 2));
  for (const t of [rng.uniform([2, 3]), rng.normal([3]), rng.bernoulli([4], 0.3)]) {
    out.push(...t.toArray());
    t.dispose();
  }
  const child = rng.fork();
  out.push(child.seed, child.nextUint32(), ...child.uniformArray(3));
  return out;
}

describe('Rng position', () => {
  it('state() and fromState() mid-sequence give an identical continuation across every draw kind', () => {
    const rng = new Rng(1234);
    drawEverything(rng);
    rng.nextInt(1000);
    const saved = JSON.parse(JSON.stringify(rng.state())) as unknown;
    const restored = Rng.fromState(saved);
    expect(restored.state()).toEqual(rng.state());
    const a = [...drawEverything(rng), ...drawEverything(rng)];
    const b = [...drawEverything(restored), ...drawEverything(restored)];
    expect(b).toEqual(a);
    // and the continuation is not simply a restart of the sequence
    expect(drawEverything(new Rng(1234))).not.toEqual(a.slice(0, b.length / 2));
  });

  it('state() is a plain copy: mutating it does not move the generator', () => {
    const rng = new Rng(5);
    rng.nextUint32();
    const s = rng.state();
    s.stream = 100;
    expect(rng.state()).toEqual({ seed: 5, stream: 1 });
  });

  it('fromState rejects malformed states naming the field, the expected and the actual value', () => {
    const bad: [unknown, RegExp][] = [
      [null, /argument 'state' expected an object \{ seed, stream \}, got null/],
      [[1, 2], /argument 'state' expected an object .*got \[1, 2\]/],
      [{ stream: 0 }, /argument 'state.seed' expected an integer, got undefined/],
      [{ seed: 1.5, stream: 0 }, /argument 'state.seed' expected an integer, got 1.5/],
      [{ seed: 1, stream: -1 }, /argument 'state.stream' expected a non-negative safe integer, got -1/],
      [{ seed: 1, stream: '3' }, /argument 'state.stream' expected a non-negative safe integer, got '3'/],
    ];
    for (const [state, message] of bad) {
      expect(() => Rng.fromState(state)).toThrow(WnError);
      expect(() => Rng.fromState(state)).toThrow(message);
    }
  });
});

describe('Rng draws', () => {
  it('a single seed keeps the counter formula: draw n of seed s is the hash of (s, n, i)', () => {
    const rng = new Rng(-17);
    const first = rng.uniformArray(4);
    expect(Array.from(first)).toEqual([0, 1, 2, 3].map((i) => uniform01(-17, 0, i)));
    expect(rng.nextUint32()).toBe(randomBits(-17, 1, 0));
    expect(rng.fork().seed).toBe(randomBits(-17, 2, 0));
  });

  it('several seed parts combine by deriveSeed; order and every part matter', () => {
    expect(new Rng(1, 2).seed).toBe(deriveSeed(1, 2));
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(2, 1));
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(1, 3));
    expect(deriveSeed(2 ** 40, 0)).not.toBe(deriveSeed(0, 0));
    expect(new Rng(3, 4).nextUint32()).toBe(new Rng(3, 4).nextUint32());
    expect(() => new Rng(1, -1)).toThrow(/argument 'seed part 1' expected a non-negative safe integer, got -1/);
    expect(() => new Rng(1.5)).toThrow(/argument 'seed' expected an integer, got 1.5/);
    expect(() => new Rng()).toThrow(WnError);
  });

  it('nextInt is unbiased and in range; bad n is refused', () => {
    const rng = new Rng(7);
    const counts = new Array<number>(6).fill(0);
    const draws = 60_000;
    for (let i = 0; i < draws; i++) {
      const v = rng.nextInt(6);
      expect(Number.isInteger(v) && v >= 0 && v < 6).toBe(true);
      counts[v]++;
    }
    // Chi-square with 5 degrees of freedom: 20.5 is the 0.999 quantile.
    const expected = draws / 6;
    expect(counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)).toBeLessThan(20.5);
    expect(rng.nextInt(1)).toBe(0);
    for (const n of [0, -3, 2.5, 2 ** 32 + 1, Number.NaN]) {
      expect(() => rng.nextInt(n)).toThrow(/Rng.nextInt: argument 'n' expected an integer in \[1, 2\^32\]/);
    }
  });

  it('nextFloat is in [0, 1) with mean 1/2; nextBool is true about half the time', () => {
    const rng = new Rng(3);
    let sum = 0;
    let trues = 0;
    for (let i = 0; i < 20_000; i++) {
      const f = rng.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
      if (rng.nextBool()) trues++;
    }
    expect(Math.abs(sum / 20_000 - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(trues / 20_000 - 0.5)).toBeLessThan(0.02);
  });
});
