/** Program analysis: which fused programs have zero derivative (so the tape may skip them). */
import { describe, expect, it } from 'vitest';
import { fuse, isPiecewiseConstantProgram } from '../src/index.js';

describe('isPiecewiseConstantProgram', () => {
  it('masks built from comparisons, sign, floor and constants are piecewise constant', () => {
    expect(isPiecewiseConstantProgram(fuse(1, ([x], k) => k.where(k.greater(x, 0), 1, 0.1)))).toBe(true);
    expect(isPiecewiseConstantProgram(fuse(1, ([x], k) => k.mul(k.sign(x), k.floor(k.exp(x)))))).toBe(true);
    expect(isPiecewiseConstantProgram(fuse(2, ([a, b], k) => k.add(k.less(a, b), k.equal(a, 2))))).toBe(true);
  });

  it('anything that passes an input through a smooth op is not', () => {
    expect(isPiecewiseConstantProgram(fuse(2, ([x, s], k) => k.where(k.greater(x, 0), x, s)))).toBe(false);
    // the slope as an input: the result is that input where x ≤ 0, so its derivative is not zero
    expect(isPiecewiseConstantProgram(fuse(2, ([x, s], k) => k.where(k.greater(x, 0), 1, s)))).toBe(false);
    expect(isPiecewiseConstantProgram(fuse(1, ([x], k) => k.mul(k.sign(x), x)))).toBe(false);
    expect(isPiecewiseConstantProgram(fuse(1, ([x], k) => k.exp(x)))).toBe(false);
  });
});
