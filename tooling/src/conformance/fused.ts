/**
 * The fused elementwise op against its definition, the decomposition into primitive ops, on one
 * backend: the same program and inputs through `fusedElementwise` (the backend's kernel, when it
 * has one) and `fusedDecomposition`. Backends whose kernel rounds every instruction like the
 * primitives (the JS ones) must agree bit for bit; others within float32 rounding.
 */
import {
  ENGINE, fuse, fusedDecomposition, fusedElementwise, mul, sum, tensor, zeros,
  type FusedProgram, type Tensor, type TensorLike,
} from '@wn/tensor';
import { describe, expect, it } from 'vitest';
import { randomValues } from '../testing.js';
import { valueAndGrads } from './autograd.js';
import { expectWnError, onBackend } from './expect.js';
import { TOLERANCE } from './cases.js';

/** Backends whose fused kernel claims bit-exact agreement with the decomposition. */
const BIT_EXACT = new Set(['reference', 'reference64', 'wasm']);

const nan = NaN, inf = Infinity;

/**
 * Every instruction kind over three inputs with their own domains: `a` any real, `p` positive
 * (log, sqrt, the pow base), `c` away from zero (the divisor, reciprocal). On in-domain inputs every
 * value is finite, so kernel and decomposition are compared on numbers, not on NaN == NaN.
 */
const EVERY_OP = fuse(3, ([a, p, c], k) => {
  let acc = k.mul(a, -0);
  for (const u of ['neg', 'exp', 'abs', 'sign', 'tanh', 'sigmoid', 'sin', 'cos', 'floor'] as const) acc = k.add(acc, k[u](a));
  acc = k.add(k.add(k.add(acc, k.log(p)), k.sqrt(p)), k.reciprocal(c));
  for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'equal', 'less', 'greater'] as const) acc = k.add(acc, k[op](a, c));
  acc = k.add(acc, k.pow(p, a));
  return k.where(k.less(a, c), k.maximum(acc, -inf), k.mul(k.neg(acc), 1e-3));
});
const EMA = fuse(3, ([prev, x, beta], k) => k.add(k.mul(prev, beta), k.mul(x, k.sub(1, beta))));
const CONSTANT = fuse(2, (_xs, k) => k.add(k.constant(0.1), 2.5));
const NAN_CONSTANT = fuse(1, ([x], k) => k.minimum(x, nan));

type Domain = 'real' | 'positive' | 'awayFromZero';
const DOMAINS: readonly Domain[] = ['real', 'positive', 'awayFromZero'];

/** Seeded values in the domain of input `i` of EVERY_OP. */
function inDomain(shape: readonly number[], seed: number, i: number): Tensor {
  const domain = DOMAINS[i];
  const v = randomValues(shape, seed, domain === 'positive' ? { positive: true } : {});
  if (domain === 'awayFromZero') for (let j = 0; j < v.length; j++) v[j] = Math.fround(Math.sign(v[j] || 1) * (0.5 + Math.abs(v[j])));
  return tensor(v, shape);
}

/** Seeded values with NaN, ±Infinity and ±0 mixed in at fixed positions. */
function values(shape: readonly number[], seed: number, specials = true): Tensor {
  const v = randomValues(shape, seed);
  const extra = [nan, inf, -inf, 0, -0, 1];
  if (specials) for (let i = 0; i < v.length; i += 7) v[i] = extra[(i / 7 + seed) % extra.length];
  return tensor(v, shape);
}

type InputSet = [string, () => TensorLike[]];
/** In-domain inputs: every output must be finite. */
const INPUT_SETS: InputSet[] = [
  ['same shape [4,5]', () => [inDomain([4, 5], 1, 0), inDomain([4, 5], 2, 1), inDomain([4, 5], 3, 2)]],
  ['number inputs', () => [inDomain([6], 4, 0), 0.75, -1.5]],
  ['0-d tensor inputs', () => [inDomain([], 5, 0), inDomain([3, 2], 6, 1), tensor([2], [])]],
  ['broadcast [2,1,5]·[4,1]·[5]', () => [inDomain([2, 1, 5], 7, 0), inDomain([4, 1], 8, 1), inDomain([5], 9, 2)]],
  ['broadcast along the last axis [3,1]·[3,4]·[1]', () => [inDomain([3, 1], 10, 0), inDomain([3, 4], 11, 1), inDomain([1], 12, 2)]],
  ['1000 elements', () => [inDomain([1000], 13, 0), inDomain([1000], 14, 1), inDomain([1000], 15, 2)]],
  ['empty [0,3]', () => [inDomain([0, 3], 16, 0), inDomain([3], 17, 1), 1]],
];
/** Out-of-domain and special inputs (NaN, ±Infinity, ±0, negative log/sqrt arguments, zero divisors). */
const SPECIAL_SETS: InputSet[] = [
  ['same shape [4,5] with specials', () => [values([4, 5], 1), values([4, 5], 2), values([4, 5], 3)]],
  ['broadcast [2,1,5]·[4,1]·[5] with specials', () => [values([2, 1, 5], 7), values([4, 1], 8), values([5], 9)]],
  ['1000 elements with specials', () => [values([1000], 13), values([1000], 14), values([1000], 15)]],
];

/** Every value finite (the in-domain sets: 100 % of the outputs). */
function expectAllFinite(t: Tensor, what: string): void {
  const d = t.dataSync();
  const finite = Array.from(d).filter(Number.isFinite).length;
  expect(finite, `${what}: ${finite} of ${d.length} outputs finite`).toBe(d.length);
}

function sameValues(got: Tensor, want: Tensor, exact: boolean): void {
  expect([...got.shape]).toEqual([...want.shape]);
  const g = got.dataSync(), w = want.dataSync();
  for (let i = 0; i < w.length; i++) {
    const ok = Number.isNaN(w[i]) ? Number.isNaN(g[i]) : exact ? g[i] === w[i] : Math.abs(g[i] - w[i]) <= TOLERANCE.elementwise * Math.max(1, Math.abs(w[i]));
    if (!ok) throw new Error(`element ${i}: fused ${g[i]}, decomposition ${w[i]} (${exact ? 'bit-exact' : 'elementwise tolerance'})`);
  }
}



const bad = (p: unknown) => p as FusedProgram;
const FUSED_ERRORS: [string, () => unknown, RegExp][] = [
  ['unknown instruction', () => fusedElementwise(bad({ inputs: 1, body: [{ op: 'erf', args: [0] }] }), [zeros([2])]),
    /^fusedElementwise: argument 'program\.body\[0\]\.op' expected 'const', 'where', a UnaryOp or a BinaryOp, got 'erf'$/],
  ['operand defined later', () => fusedElementwise(bad({ inputs: 1, body: [{ op: 'add', args: [0, 1] }] }), [zeros([2])]),
    /^fusedElementwise: argument 'program\.body\[0\]\.args' expected value indices in \[0, 0\] \(1 inputs, then earlier instructions\), got \[0, 1\]$/],
  ['wrong operand count', () => fusedElementwise(bad({ inputs: 2, body: [{ op: 'mul', args: [0] }] }), [zeros([2]), 1]),
    /^fusedElementwise: argument 'program\.body\[0\]\.args' expected 2 value indices for 'mul', got \[0\]$/],
  ['no instructions', () => fusedElementwise(bad({ inputs: 1, body: [] }), [zeros([2])]),
    /^fusedElementwise: argument 'program\.body' expected a non-empty array of instructions, got '\[\]'$/],
  ['no inputs', () => fusedElementwise(bad({ inputs: 0, body: [{ op: 'const', value: 1 }] }), []),
    /^fusedElementwise: argument 'program\.inputs' expected an integer ≥ 1, got 0$/],
  ['wrong input count', () => fusedElementwise(EMA, [zeros([2]), zeros([2])]),
    /^fusedElementwise: argument 'inputs' expected 3 inputs \(program\.inputs\), got '2 inputs'$/],
  ['shapes that do not broadcast', () => fusedElementwise(EMA, [zeros([2, 3]), zeros([3]), zeros([4])]),
    /^fusedElementwise: argument 'inputs\[2\]' expected a shape that broadcasts with \[2, 3\] \(inputs 0\.\.1\), got \[4\]$/],
  ['a non-tensor input', () => fusedElementwise(EMA, [zeros([2]), 'x' as unknown as number, 1]),
    /^fusedElementwise: argument 'input 1' expected a Tensor or a number, got 'string'$/],
  ['fuse: the result is an input', () => fuse(1, ([x]) => x), /^fuse: the result is input 0 itself; a program must compute something$/],
];

export const FUSED_CASE_COUNT = INPUT_SETS.length + SPECIAL_SETS.length + 4 + FUSED_ERRORS.length;

export function describeFused(backend: string): void {
  describe('fused elementwise: kernel vs decomposition', () => {
    const exact = () => BIT_EXACT.has(backend) || !ENGINE.findBackend(backend).kernels.fusedElementwise;
    for (const [label, make] of INPUT_SETS) {
      it(`every op, ${label} (in-domain: all outputs finite)`, () => onBackend(backend, () => {
        const xs = make();
        for (const [name, program] of [['every op', EVERY_OP], ['ema', EMA]] as const) {
          const got = fusedElementwise(program, xs), want = fusedDecomposition(program, xs);
          expectAllFinite(want, `${name} decomposition`);
          expectAllFinite(got, `${name} kernel`);
          sameValues(got, want, exact());
        }
      }));
    }
    for (const [label, make] of SPECIAL_SETS) {
      it(`every op, ${label}: NaN and ±Infinity land where the decomposition puts them`, () => onBackend(backend, () => {
        const xs = make();
        const want = fusedDecomposition(EVERY_OP, xs);
        // the set must exercise both: some outputs NaN, some finite
        const nans = Array.from(want.dataSync()).filter(Number.isNaN).length;
        expect(nans, 'NaN outputs').toBeGreaterThan(0);
        expect(nans, 'NaN outputs').toBeLessThan(want.size);
        sameValues(fusedElementwise(EVERY_OP, xs), want, exact());
      }));
    }
    it('constant programs have the broadcast shape', () => onBackend(backend, () => {
      const xs = [zeros([2, 1]), zeros([3])];
      const y = fusedElementwise(CONSTANT, xs);
      sameValues(y, fusedDecomposition(CONSTANT, xs), exact());
      expect([...y.shape]).toEqual([2, 3]);
      expect(y.dataSync()[5]).toBe(Math.fround(Math.fround(0.1) + 2.5));
    }));
    it('NaN propagates (inputs and a NaN constant)', () => onBackend(backend, () => {
      const y = fusedElementwise(EMA, [tensor([nan, 1, 2, 3]), tensor([0, nan, 1, 1]), tensor([0.5, 0.5, nan, 0.5])]);
      expect(Array.from(y.dataSync()).map(Number.isNaN)).toEqual([true, true, true, false]);
      expect(Array.from(fusedElementwise(NAN_CONSTANT, [tensor([1, -inf])]).dataSync()).every(Number.isNaN)).toBe(true);
    }));
    it('gradients equal those of the decomposition (with repeated and scalar inputs)', () => onBackend(backend, () => {
      const a = values([3, 4], 20, false), b = values([4], 21, false), u = values([3, 4], 22, false);
      const f = (run: typeof fusedElementwise) => valueAndGrads(() => sum(mul(run(EMA, [a, b, a]), u)), [a, b]).grads;
      const got = f(fusedElementwise), want = f(fusedDecomposition);
      got.forEach((g, i) => sameValues(g, want[i], false));
    }));
    it('a program and its inputs are left untouched, nothing leaks', () => onBackend(backend, () => {
      const x = values([5], 23, false);
      const before = Array.from(x.dataSync());
      fusedElementwise(EMA, [x, x, 0.5]).dispose();
      expect(Array.from(x.dataSync())).toEqual(before);
    }));
  });
  describe('fused elementwise: error contract', () => {
    for (const [label, call, message] of FUSED_ERRORS) {
      it(label, () => onBackend(backend, () => expectWnError(call, message)));
    }
  });
}
