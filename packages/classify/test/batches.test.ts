/** Batch order: streaming passes for fixed-size epochs (`--epoch-steps`). */
import { describe, expect, it } from 'vitest';
import { epochOrder, streamingBatches } from '../src/batches.js';

describe('streamingBatches', () => {
  it('walks seeded passes in full batches, skipping each pass’s remainder', () => {
    const n = 10, batch = 3, seed = 4;
    const at = streamingBatches(n, seed, batch);
    const pass0 = epochOrder(n, seed, 0), pass1 = epochOrder(n, seed, 1);
    expect([...at(0)]).toEqual([...pass0.subarray(0, 3)]);
    expect([...at(2)]).toEqual([...pass0.subarray(6, 9)]); // image pass0[9] is the skipped remainder
    expect([...at(3)]).toEqual([...pass1.subarray(0, 3)]);
    expect([...at(5)]).toEqual([...pass1.subarray(6, 9)]);
  });

  it('depends on the global step alone (any order of calls gives the same batches)', () => {
    const a = streamingBatches(50, 1, 8), b = streamingBatches(50, 1, 8);
    const forward = Array.from({ length: 20 }, (_, s) => [...a(s)]);
    const backward = Array.from({ length: 20 }, (_, s) => [...b(19 - s)]).reverse();
    expect(backward).toEqual(forward);
    // each pass visits distinct images
    const pass = forward.slice(0, 6).flat();
    expect(new Set(pass).size).toBe(pass.length);
  });

  it('refuses a training set smaller than one batch', () => {
    expect(() => streamingBatches(5, 1, 8)).toThrow(/5 images.*smaller than one batch \(8\)/);
  });
});
