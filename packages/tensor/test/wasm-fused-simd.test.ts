import { afterAll, describe, expect, it } from 'vitest';
import { createFusedKernel } from '../src/backends/wasm/fused-kernel.js';
import { simdSupports } from '../src/backends/wasm/fused-simd.js';
import { freshArrays } from '../src/backends/wasm/host-kernels.js';
import { createWasmBackend } from '../src/backends/wasm/index.js';
import { MIN_FUSED_SIMD_SIZE } from '../src/backends/wasm/runtime.js';
import { fuse, fusedProgramKey, type FusedProgram } from '../src/index.js';

const single = createWasmBackend({ threads: 1 });
const threaded = createWasmBackend({ threads: 2 });
afterAll(() => {
  single.runtime.close();
  threaded.runtime.close();
});
/** The JS loops alone: the definition the SIMD modules must match bit for bit. */
const jsLoops = createFusedKernel(freshArrays);

/** Values with NaN, ±Infinity, ±0, subnormals, exact ties and integers mixed into uniform(-2, 2) noise. */
function values(n: number, seed: number): Float32Array {
  const data = new Float32Array(n);
  let s = seed;
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2, 1e-40, -3e-39, 3e38, -2.5];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s % 5 === 0 ? specials[(s >>> 8) % specials.length] : ((s >>> 8) / 2 ** 24) * 4 - 2;
  }
  return data;
}

/** Bit-for-bit equality (±0 distinguished), any NaN matching any NaN. */
function expectSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  const bad = expected.findIndex((e, i) => !(Object.is(e, actual[i]) || (Number.isNaN(e) && Number.isNaN(actual[i]))));
  expect(bad === -1 ? 'all equal' : `${what}: index ${bad}: simd ${actual[bad]} vs js ${expected[bad]}`).toBe('all equal');
}

const UNARIES = ['neg', 'abs', 'sqrt', 'floor', 'reciprocal', 'sign', 'exp'] as const;
const BINARIES = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'equal', 'less', 'greater'] as const;

const PROGRAMS: [string, FusedProgram][] = [
  ...UNARIES.map((op): [string, FusedProgram] => [op, fuse(1, ([a], k) => k[op](a))]),
  ...BINARIES.map((op): [string, FusedProgram] => [op, fuse(2, ([a, b], k) => k[op](a, b))]),
  ['where', fuse(3, ([c, a, b], k) => k.where(c, a, b))],
  ['constants', fuse(2, ([a, b], k) => k.add(k.mul(a, 0.1), k.sub(b, -0)))],
  // the optimizers' shapes of program: RMSprop's centered step, Adam's step, an EMA with an ignored input
  ['centered rmsprop step', fuse(7, ([p, g, s, a, eps, , lr], k) => k.sub(p, k.mul(k.div(g, k.add(k.sqrt(k.sub(s, k.mul(a, a))), eps)), lr)))],
  ['adam step', fuse(6, ([p, m, v, bc, eps, step], k) => k.sub(p, k.mul(k.div(m, k.add(k.div(k.sqrt(v), bc), eps)), step)))],
  ['ema of squares', fuse(6, ([prev, g, , beta, omb], k) => k.add(k.mul(prev, beta), k.mul(k.mul(g, g), omb)))],
  // ELU and its gradient (nn.ts, autograd's fused-vjp.ts): exp of the clamped input
  ['elu', fuse(1, ([x], k) => k.where(k.greater(x, 0), x, k.mul(k.sub(k.exp(k.where(k.greater(x, 0), 0, x)), 1), 1.5)))],
  ['exp of scaled inputs (over- and underflow)', fuse(2, ([a, b], k) => k.exp(k.mul(a, k.mul(b, 60))))],
];

describe('wasm fused programs as SIMD modules', () => {
  it('support the exact ops and decline the transcendental ones', () => {
    for (const [name, p] of PROGRAMS) expect(simdSupports(p), name).toBe(true);
    for (const op of ['log', 'tanh', 'sigmoid', 'sin', 'cos'] as const) expect(simdSupports(fuse(1, ([a], k) => k[op](a))), op).toBe(false);
    expect(simdSupports(fuse(2, ([a, b], k) => k.add(a, k.pow(a, b))))).toBe(false);
  });

  for (const [label, backend] of [['1 thread', single], ['2 threads', threaded]] as const) {
    it(`equal the JS loops bit for bit on specials, lengths not a multiple of 4 and scalar inputs (${label})`, () => {
      const rt = backend.runtime;
      for (const n of [MIN_FUSED_SIMD_SIZE, MIN_FUSED_SIMD_SIZE + 3, 4097]) {
        for (const [name, p] of PROGRAMS) {
          // every input full, then every other input a scalar (one value held over the whole output)
          for (const scalarEvery of [0, 2]) {
            const xs = Array.from({ length: p.inputs }, (_, k) => values(scalarEvery && k % scalarEvery === 1 ? 1 : n, 7 * k + n));
            const got = rt.fused(p, fusedProgramKey(p), xs, n);
            expect(got, `${name} n=${n}`).toBeInstanceOf(Float32Array);
            const want = jsLoops(p, xs.map((data) => ({ data, shape: [data.length] })), [n]);
            expectSameBits(got!, want, `${name} n=${n} scalars every ${scalarEvery}`);
          }
        }
      }
    });
  }

  it('decline small outputs, broadcast inputs and unsupported programs (the JS loop runs them)', () => {
    const rt = single.runtime;
    const p = fuse(2, ([a, b], k) => k.mul(a, b));
    const n = MIN_FUSED_SIMD_SIZE;
    expect(rt.fused(p, fusedProgramKey(p), [values(n - 1, 1), values(n - 1, 2)], n - 1)).toBeUndefined();
    expect(rt.fused(p, fusedProgramKey(p), [values(n, 1), values(n / 2, 2)], n)).toBeUndefined();
    const e = fuse(1, ([a], k) => k.log(a));
    expect(rt.fused(e, fusedProgramKey(e), [values(n, 1)], n)).toBeUndefined();
  });

  it('run through the backend kernel with the same results as the JS loops', () => {
    const p = PROGRAMS.find(([name]) => name === 'centered rmsprop step')![1];
    const n = 3 * MIN_FUSED_SIMD_SIZE + 1;
    const inputs = Array.from({ length: 7 }, (_, k) => {
      const data = values(k >= 4 ? 1 : n, 100 + k);
      return { data, shape: k >= 4 ? [] : [n] };
    });
    expectSameBits(single.kernels.fusedElementwise!(p, inputs, [n]), jsLoops(p, inputs, [n]), 'kernel');
  });
});
