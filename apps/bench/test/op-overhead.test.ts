import { describe, expect, it } from 'vitest';
import * as T from '@wn/tensor';
import { measureOpOverhead } from '../src/op-overhead.js';

describe('measureOpOverhead', () => {
  it('gives a positive finite µs figure per kind of op and leaves no tensor behind', () => {
    const before = T.memory();
    const o = measureOpOverhead('reference', 5, 200);
    for (const v of [o.bareUs, o.recordedUs, o.fusedScalarsUs]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    // a recorded op also runs its gradient rule: it cannot be cheaper than the bare op
    expect(o.recordedUs).toBeGreaterThan(o.bareUs);
    expect(T.memory()).toEqual(before);
  });
});
