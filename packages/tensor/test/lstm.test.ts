/**
 * The LSTM cell ops (lstmCellState, lstmCellOutput, lstmCell) and their kernels: argument errors,
 * the kernels against the decomposition into primitives (float64), the wasm SIMD activations at
 * extreme and non-finite gates against the reference loops, and the concat kernel. The
 * conformance suite (tooling/src/conformance, 'lstm/…') runs the ops on every backend with float64
 * finite-difference gradchecks; tooling/fixtures/public_ops.json checks them against PyTorch.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createReferenceKernels } from '../src/backends/reference/index.js';
import { createWasmBackend } from '../src/backends/wasm/index.js';
import type { KernelInput } from '../src/kernels.js';
import {
  add, concat, lstmCell, lstmCellOutput, lstmCellOutputBackward, lstmCellState, lstmCellStateBackward, mul, pad, sigmoid, slice, sub, tanh, tensor,
  tidy, withBackend, WnError, type Tensor,
} from '../src/index.js';

const reference = createReferenceKernels((n) => new Float32Array(n));
const wasm = createWasmBackend({ threads: 1 });
afterAll(() => wasm.runtime.close());

function seeded(n: number, seed: number, low: number, high: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return low + ((s >>> 8) / 2 ** 24) * (high - low);
  });
}

const input = (values: ArrayLike<number>, shape: number[]): KernelInput<Float32Array> => ({ data: Float32Array.from(values), shape });

/** max |a − b| / max(1, |b|) (the conformance suite's elementwise measure). */
function worst(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return w;
}

describe('lstm ops: arguments', () => {
  const g = () => tensor(seeded(24, 1, -1, 1), [2, 12]);
  const c = () => tensor(seeded(6, 2, -1, 1), [2, 3]);
  it('names a gates tensor that is not [N, 4H]', () => {
    tidy(() => {
      expect(() => lstmCellState(tensor(seeded(20, 1, -1, 1), [2, 10]), c())).toThrow(/lstmCellState: argument 'gates' expected \[2, 12\]/);
      expect(() => lstmCellOutput(tensor(seeded(36, 1, -1, 1), [3, 12]), c())).toThrow(WnError);
    });
  });
  it('names a state that is not [N, H]', () => {
    tidy(() => {
      expect(() => lstmCellState(g(), tensor([1, 2, 3], [3]))).toThrow(/'c' expected a state \[N, H\]/);
      expect(() => lstmCellOutput(g(), tensor([1, 2, 3], [3]))).toThrow(/'cNext' expected/);
    });
  });
  it('checks dy and wrt of the gradients', () => {
    tidy(() => {
      expect(() => lstmCellStateBackward(tensor([1, 2], [1, 2]), g(), c(), 'c')).toThrow(/'dy' expected the state's shape \[2, 3\]/);
      expect(() => lstmCellOutputBackward(c(), g(), c(), 'h' as 'c')).toThrow(/'wrt' expected 'gates' or 'c'/);
    });
  });
});

describe('lstm ops: kernels against the decomposition (reference64)', () => {
  // H = 3, gates over ±5
  const G = seeded(2 * 12, 3, -5, 5), C = seeded(6, 4, -2, 2), D = seeded(6, 5, -1, 1);
  const block = (gates: Tensor, k: number) => slice(gates, [0, 3 * k], [2, 3]);
  it('forward values and both gradients agree to float64 rounding', () => {
    withBackend('reference64', () => tidy(() => {
      const gates = tensor(G, [2, 12]), c = tensor(C, [2, 3]), dy = tensor(D, [2, 3]);
      const [i, f, g, o] = [0, 1, 2, 3].map((k) => block(gates, k));
      const si = sigmoid(i), sf = sigmoid(f), tg = tanh(g), so = sigmoid(o);
      const cNext = add(mul(sf, c), mul(si, tg));
      const tc = tanh(cNext);
      const close = (got: Tensor, want: Tensor) => {
        expect(got.shape).toEqual(want.shape);
        const a = got.dataSync(), b = want.dataSync();
        for (let k = 0; k < a.length; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-14);
      };
      const out = lstmCell(gates, c);
      close(out.c, cNext);
      close(out.h, mul(so, tc));
      const slope = (y: Tensor) => mul(y, sub(1, y));
      close(lstmCellStateBackward(dy, gates, c, 'c'), mul(dy, sf));
      close(lstmCellStateBackward(dy, gates, c, 'gates'), pad(concat([mul(mul(dy, tg), slope(si)), mul(mul(dy, c), slope(sf)), mul(mul(dy, si), sub(1, mul(tg, tg)))], 1), [[0, 0], [0, 3]]));
      close(lstmCellOutputBackward(dy, gates, cNext, 'c'), mul(mul(dy, so), sub(1, mul(tc, tc))));
      close(lstmCellOutputBackward(dy, gates, cNext, 'gates'), pad(mul(mul(dy, tc), slope(so)), [[0, 0], [9, 0]]));
    }));
  });
});

describe('wasm LSTM kernels (SIMD activations)', () => {
  // every gate block and state sweeps the activations' ranges: saturation, the clamp at ±87/88,
  // the tanh polynomial's switch at 0.625, subnormal-sized and zero inputs
  const special = [-1000, -100, -88.5, -87, -30, -9, -1, -0.63, -0.625, -0.62, -0.1, -1e-6, -1e-30, 0, 1e-30, 1e-6, 0.1, 0.62, 0.625, 0.63, 1, 9, 30, 87, 88.5, 100, 1000, 2.5];
  const rows = 7, h = 16; // 7·16 = 112 = 4·28 units, so every special value lands in every block
  const gates = input(Array.from({ length: rows * 4 * h }, (_, k) => special[(k * 5) % special.length]), [rows, 4 * h]);
  const c = input(Array.from({ length: rows * h }, (_, k) => special[(k * 3) % special.length]), [rows, h]);
  const dy = input(seeded(rows * h, 9, -2, 2), [rows, h]);
  const out = [rows, h];
  // the forward values within 8 float32 ulps (of max(1, |y|)); the gradients within 32: their
  // σ·(1 − σ) and 1 − tanh² of float32 activations cancel near saturation, as the float32
  // composition (and PyTorch's backward) do, where the reference works in float64
  it('agree with the reference loops within a few float32 ulps, forward and gradients', () => {
    const k = wasm.kernels;
    const pairs: [Float32Array, Float32Array][] = [
      [k.lstmState!(gates, c, out), reference.lstmState!(gates, c, out) as Float32Array],
      [k.lstmOutput!(gates, c, out), reference.lstmOutput!(gates, c, out) as Float32Array],
      ...(['gates', 'c'] as const).flatMap((wrt): [Float32Array, Float32Array][] => [
        [k.lstmStateBackward!(dy, gates, c, wrt, out), reference.lstmStateBackward!(dy, gates, c, wrt, out) as Float32Array],
        [k.lstmOutputBackward!(dy, gates, c, wrt, out), reference.lstmOutputBackward!(dy, gates, c, wrt, out) as Float32Array],
      ]),
    ];
    pairs.forEach(([got, want], k) => {
      expect(got.every(Number.isFinite)).toBe(true);
      expect(worst(got, want), `kernel ${k}`).toBeLessThan((k < 2 ? 8 : 32) * 2 ** -24);
    });
  });
  it('propagates NaN and infinities like the reference (no silently finite result)', () => {
    const g = input([NaN, 0, 0, 0, Infinity, 0, -Infinity, 0, 0, NaN, 0, 0, 0, 0, 0, Infinity], [1, 16]);
    const s = input([1, NaN, -Infinity, 2], [1, 4]);
    const got = wasm.kernels.lstmState!(g, s, [1, 4]), want = reference.lstmState!(g, s, [1, 4]) as Float32Array;
    expect(Array.from(got, Number.isNaN)).toEqual(Array.from(want, Number.isNaN));
    expect(Number.isNaN(got[0])).toBe(true);
    const h = wasm.kernels.lstmOutput!(g, s, [1, 4]), hWant = reference.lstmOutput!(g, s, [1, 4]) as Float32Array;
    expect(Array.from(h, Number.isNaN)).toEqual(Array.from(hWant, Number.isNaN));
    expect(h[3]).toBeCloseTo(hWant[3], 6);
  });
  it('runs the reference loops where H is not a multiple of 4', () => {
    const g = input(seeded(2 * 20, 11, -4, 4), [2, 20]), s = input(seeded(10, 12, -2, 2), [2, 5]);
    const got = wasm.kernels.lstmState!(g, s, [2, 5]);
    expect(Array.from(got)).toEqual(Array.from(reference.lstmState!(g, s, [2, 5])));
  });
});

describe('concat kernel', () => {
  it('joins blocks along a middle axis like the pad + add decomposition', () => {
    const a = input(seeded(2 * 3 * 4, 1, -1, 1), [2, 3, 4]), b = input(seeded(2 * 1 * 4, 2, -1, 1), [2, 1, 4]), e = input([], [2, 0, 4]);
    const y = wasm.kernels.concat!([a, e, b, a], 1, [2, 7, 4]);
    const want = withBackend('reference', () => tidy(() => {
      const [ta, tb] = [a, b].map((x) => tensor(Array.from(x.data), x.shape));
      const parts = [pad(ta, [[0, 0], [0, 4], [0, 0]]), pad(tb, [[0, 0], [3, 3], [0, 0]]), pad(ta, [[0, 0], [4, 0], [0, 0]])];
      return Array.from(add(add(parts[0], parts[1]), parts[2]).dataSync());
    }));
    expect(Array.from(y)).toEqual(want);
  });
});
