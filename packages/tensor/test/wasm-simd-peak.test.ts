/**
 * The SIMD peak probe (simd-peak.ts) the bench times: each chain runs exactly acc = acc·m + c per
 * round (float32 rounding of the product then the sum; with relaxed_madd one rounding, which for an
 * exact product is the same value), on every thread it is asked for, and bad arguments get a WnError.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { WasmRuntime } from '../src/backends/wasm/runtime.js';
import { SIMD_PEAK_CHAINS, SIMD_PEAK_STATE_FLOATS, WnError } from '../src/index.js';

const rt = new WasmRuntime({ threads: 2 });
afterAll(() => rt.close());

/** m, c, then chain k's lanes start at k + lane/8 (every lane distinct). */
function startState(m: number, c: number): Float32Array {
  const s = new Float32Array(SIMD_PEAK_STATE_FLOATS);
  s.fill(m, 0, 4);
  s.fill(c, 4, 8);
  for (let k = 0; k < SIMD_PEAK_CHAINS; k++) for (let l = 0; l < 4; l++) s[8 + 4 * k + l] = k + l / 8;
  return s;
}

/** What `iterations` rounds give, in float32 (two roundings per round). */
function expected(state: Float32Array, iterations: number): Float32Array {
  const out = state.slice();
  const m = out[0], c = out[4];
  for (let i = 8; i < out.length; i++) for (let n = 0; n < iterations; n++) out[i] = Math.fround(Math.fround(out[i] * m) + c);
  return out;
}

describe('SIMD peak probe', () => {
  for (const fused of [false, ...(rt.fma ? [true] : [])]) {
    it(`computes acc·m + c per chain and lane on 1 and 2 threads (${fused ? 'relaxed_madd' : 'mul + add'})`, () => {
      // m = 0.5 makes every product exact, so one or two roundings give the same bits
      const state = startState(0.5, 1.25);
      const want = expected(state, 7);
      expect(Array.from(want.subarray(8, 12))).not.toEqual(Array.from(state.subarray(8, 12)));
      for (const threads of [1, 2]) {
        const outs = rt.simdPeak(7, state, threads, fused);
        expect(outs).toHaveLength(threads);
        for (const out of outs) expect(Array.from(out)).toEqual(Array.from(want));
      }
      // zero rounds leave the state as it was
      expect(Array.from(rt.simdPeak(0, state, 1, fused)[0])).toEqual(Array.from(state));
    });
  }

  it('rounds the product before the add in the plain flavour', () => {
    // 1 + 2^-12 squared needs 25 bits: the rounded product differs from the exact one
    const m = 1 + 2 ** -12;
    const state = startState(m, -1);
    const out = rt.simdPeak(3, state, 1, false)[0];
    expect(Array.from(out)).toEqual(Array.from(expected(state, 3)));
  });

  it('rejects a wrong state length, thread count or iteration count', () => {
    expect(() => rt.simdPeak(1, new Float32Array(3), 1, false)).toThrow(WnError);
    expect(() => rt.simdPeak(1, new Float32Array(3), 1, false)).toThrow(/state has 3 floats, expected 56/);
    expect(() => rt.simdPeak(1, startState(1, 1), 3, false)).toThrow(/threads must be an integer in \[1, 2\], got 3/);
    expect(() => rt.simdPeak(-1, startState(1, 1), 1, false)).toThrow(/iterations/);
  });
});
