import { describe, expect, it } from 'vitest';
import { alternate, roundOrder, stepsPerBlock, type Side } from '../src/pairs.js';

describe('alternate', () => {
  it('rotates the order every round: A B, B A for two sides; A B C, B C A, C A B for three', () => {
    expect([0, 1, 2].map((r) => roundOrder(2, r))).toEqual([[0, 1], [1, 0], [0, 1]]);
    expect([0, 1, 2, 3].map((r) => roundOrder(3, r))).toEqual([[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]]);
  });

  it('runs k steps per side per round in that order and returns each block\'s mean ms/step per side', async () => {
    const calls: string[] = [];
    // side A's steps take 2, 4, 6, ... ms; B's 10 ms each; C (async, like the PyTorch peer) 1 ms
    let a = 0;
    const sides: Side[] = [
      { name: 'A', run: (k) => { calls.push(`A${k}`); return Array.from({ length: k }, () => 2 * ++a); } },
      { name: 'B', run: (k) => { calls.push(`B${k}`); return Array.from({ length: k }, () => 10); } },
      { name: 'C', run: async (k) => { calls.push(`C${k}`); return Array.from({ length: k }, () => 1); } },
    ];
    const out = await alternate(sides, 3, 2);
    expect(calls).toEqual(['A2', 'B2', 'C2', 'B2', 'C2', 'A2', 'C2', 'A2', 'B2']);
    expect(out).toEqual([[3, 7, 11], [10, 10, 10], [1, 1, 1]]);
  });

  it('refuses a side that returns the wrong number of step times, and bad round or block sizes', async () => {
    const short: Side = { name: 'PyTorch W3', run: () => [1] };
    await expect(alternate([short], 1, 3)).rejects.toThrow(/PyTorch W3 returned 1 step times for a block of 3/);
    await expect(alternate([short], 0, 1)).rejects.toThrow(/rounds must be a positive integer, got 0/);
    await expect(alternate([short], 2, 1.5)).rejects.toThrow(/k \(steps per block\) must be a positive integer, got 1\.5/);
  });
});

describe('stepsPerBlock', () => {
  it('sizes blocks so the slower side takes about the target, within 1..maxK', () => {
    expect(stepsPerBlock(16, 200)).toBe(13);
    expect(stepsPerBlock(500, 200)).toBe(1);
    expect(stepsPerBlock(0.5, 200)).toBe(50);
    expect(stepsPerBlock(0.5, 200, 100)).toBe(100);
    expect(() => stepsPerBlock(0, 200)).toThrow(/step time must be positive and finite, got 0/);
  });
});
