import { afterAll, describe, expect, it } from 'vitest';
import { expF32 } from '../src/backends/wasm/simd-exp.js';
import { createWasmBackend } from '../src/backends/wasm/index.js';
import { fuse, fusedProgramKey } from '../src/index.js';

const backend = createWasmBackend({ threads: 1 });
afterAll(() => backend.runtime.close());

const bitsToF32 = (() => {
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  return (b: number) => ((u[0] = b), f[0]);
})();

/** Every `stride`-th float32 bit pattern from −104 to 89 (both signs), plus the edges and specials. */
function sweep(stride: number): Float32Array {
  const out: number[] = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 2 ** -28, -(2 ** -28), 88.72283, 88.72284, 88.9999, 89, 1e30, -103.97, -103.98, -104, -1e30];
  for (const [from, to] of [[0, 0x42b20000], [0x80000000, 0xc2d00000]]) for (let b = from; b <= to; b += stride) out.push(bitsToF32(b));
  return Float32Array.from(out);
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('exp of float32 in SIMD (simd-exp.ts)', () => {
  const xs = sweep(4099);

  it("the scalar steps equal Math.fround(Math.exp(x)) bit for bit", () => {
    const bad = Array.from(xs).filter((x) => !same(expF32(x), Math.fround(Math.exp(x))));
    expect(bad.slice(0, 5), `${bad.length} of ${xs.length} differ`).toEqual([]);
    expect(xs.length).toBeGreaterThan(500_000);
  });

  it('the f32x4 module equals Math.fround(Math.exp(x)) bit for bit, specials included', () => {
    const p = fuse(1, ([a], k) => k.exp(a));
    const got = backend.runtime.fused(p, fusedProgramKey(p), [xs], xs.length);
    expect(got).toBeInstanceOf(Float32Array);
    const bad: string[] = [];
    xs.forEach((x, i) => {
      if (!same(got![i], Math.fround(Math.exp(x)))) bad.push(`exp(${x}) = ${got![i]}, Math.exp ${Math.fround(Math.exp(x))}`);
    });
    expect(bad.slice(0, 5), `${bad.length} of ${xs.length} differ`).toEqual([]);
  });
});
