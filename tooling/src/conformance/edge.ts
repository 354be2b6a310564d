/**
 * Edge cases (IEEE special values, empty axes, 0-d tensors, leaks) and the error contract, both
 * run on every backend. Expected values here are exact and the same in float32 and float64.
 */
import {
  add, argmax, broadcastTo, concat, conv2d, maxPool2d, dispose, div, elu, exp, gather, getBackend, keep, log, matmul, max, maximum, mean, memory,
  minimum, mul, ones, randn, reciprocal, relu, reshape, scalar, setBackend, sigmoid, sqrt, sub, sum, tanh, tensor, tidy,
  toBackend, transpose, withBackend, zeros, type Tensor,
} from '@wn/tensor';
import { describe, expect, it } from 'vitest';
import { valueAndGrads } from './autograd.js';
import { expectWnError, onBackend } from './expect.js';

const { NaN: nan } = Number;
const inf = Infinity;

/** Values of `t` as a plain array; checks the shape first. */
function valuesOf(t: Tensor, shape: readonly number[]): number[] {
  expect([...t.shape], 'shape').toEqual([...shape]);
  return Array.from(t.dataSync());
}

/** Exact comparison that treats NaN as equal to NaN and distinguishes nothing else (−0 == 0). */
function expectExact(t: Tensor, shape: readonly number[], expected: readonly number[]): void {
  const got = valuesOf(t, shape);
  const same = got.length === expected.length && got.every((v, i) => (Number.isNaN(expected[i]) ? Number.isNaN(v) : v === expected[i]));
  expect(same, `got [${got.join(', ')}], expected [${expected.join(', ')}]`).toBe(true);
}


const EDGE: [string, (backend: string) => void][] = [
  ['NaN propagates through add, sub, mul (also ×0) and div', (b) => onBackend(b, () => {
    const a = tensor([nan, 1, 2, nan]), c = tensor([1, nan, 0, 0]);
    expectExact(add(a, c), [4], [nan, nan, 2, nan]);
    expectExact(sub(a, c), [4], [nan, nan, 2, nan]);
    expectExact(mul(a, c), [4], [nan, nan, 0, nan]);
    expectExact(div(c, a), [4], [nan, nan, 0, nan]);
  })],
  ['2×2 max pooling: NaN windows give NaN, ties send the gradient to the first maximum, odd edges are dropped', (b) => onBackend(b, () => {
    // one plane 3×5: windows (rows 0-1) × (cols 0-1, 2-3); row 2 and col 4 are dropped
    const x = tensor([
      1, 1, nan, 0, 9,
      1, 0, 2, 5, 9,
      9, 9, 9, 9, 9,
    ], [1, 1, 3, 5]);
    expectExact(maxPool2d(x, { kernel: 2 }), [1, 1, 1, 2], [1, nan]);
    const tie = tensor([2, 2, -1, -1, 2, 2, -1, -1], [1, 1, 2, 4]);
    const { grads } = valueAndGrads(() => sum(mul(maxPool2d(tie, { kernel: 2 }), tensor([3, 4], [1, 1, 1, 2]))), [tie]);
    expectExact(grads[0], [1, 1, 2, 4], [3, 0, 4, 0, 0, 0, 0, 0]);
  })],
  ['maximum and minimum propagate NaN from either side', (b) => onBackend(b, () => {
    const a = tensor([nan, 1, 2, -inf]), c = tensor([0, nan, 1, 3]);
    expectExact(maximum(a, c), [4], [nan, nan, 2, 3]);
    expectExact(maximum(c, a), [4], [nan, nan, 2, 3]);
    expectExact(minimum(a, c), [4], [nan, nan, 1, -inf]);
    expectExact(minimum(c, a), [4], [nan, nan, 1, -inf]);
  })],
  ['sum, mean and max reductions propagate NaN (first, middle and last positions)', (b) => onBackend(b, () => {
    const t = tensor([nan, 1, 2, 3, 4, 5, 1, nan, 9, 7, 8, nan], [4, 3]);
    expectExact(sum(t, 1), [4], [nan, 12, nan, nan]);
    expectExact(max(t, 1), [4], [nan, 5, nan, nan]);
    expectExact(max(t, 0), [3], [nan, nan, nan]);
    expectExact(max(tensor([1, 2, nan, 3])), [], [nan]);
    expectExact(sum(tensor([1, nan, 2])), [], [nan]);
    expectExact(mean(tensor([1, nan, 2])), [], [nan]);
  })],
  ['max over −Infinity values is −Infinity; argmax counts NaN as the maximum', (b) => onBackend(b, () => {
    expectExact(max(tensor([-inf, -inf], [1, 2]), 1), [1], [-inf]);
    expectExact(argmax(tensor([1, nan, 3, nan])), [], [1]);
    expectExact(argmax(tensor([-inf, -inf, -inf])), [], [0]);
  })],
  ['relu and matmul propagate NaN', (b) => onBackend(b, () => {
    expectExact(relu(tensor([nan, -1, 0, 2])), [4], [nan, 0, 0, 2]);
    const a = tensor([1, nan, 0, 1], [2, 2]);
    expectExact(matmul(a, tensor([1, 2, 3, 4], [2, 2])), [2, 2], [nan, nan, 3, 4]);
  })],
  ['log(0) = −Infinity, log(−1) = NaN, sqrt(−1) = NaN, 1/0 = Infinity', (b) => onBackend(b, () => {
    expectExact(log(tensor([0, -1, 1])), [3], [-inf, nan, 0]);
    expectExact(sqrt(tensor([-1, 0, 4])), [3], [nan, 0, 2]);
    expectExact(reciprocal(tensor([0, 2])), [2], [inf, 0.5]);
    expectExact(div(tensor([-1, 1, 0]), 0), [3], [-inf, inf, nan]);
  })],
  ['exp, sigmoid and tanh at ±Infinity', (b) => onBackend(b, () => {
    const t = tensor([-inf, inf]);
    expectExact(exp(t), [2], [0, inf]);
    expectExact(sigmoid(t), [2], [0, 1]);
    expectExact(tanh(t), [2], [-1, 1]);
  })],
  ['sum over an empty axis gives 0; ops on empty tensors keep their shapes', (b) => onBackend(b, () => {
    const e = zeros([2, 0, 3]);
    expectExact(sum(e, 1), [2, 3], [0, 0, 0, 0, 0, 0]);
    expectExact(sum(e, [0, 1], true), [1, 1, 3], [0, 0, 0]);
    expectExact(sum(zeros([0])), [], [0]);
    expectExact(add(zeros([0, 3]), tensor([1, 2, 3])), [0, 3], []);
    expectExact(exp(e), [2, 0, 3], []);
    expectExact(transpose(e, [2, 0, 1]), [3, 2, 0], []);
    expectExact(max(zeros([0, 3]), 1), [0], []);
  })],
  ['matmul with an empty inner dimension gives zeros; with an empty outer one, an empty result', (b) => onBackend(b, () => {
    expectExact(matmul(zeros([2, 0]), zeros([0, 3])), [2, 3], [0, 0, 0, 0, 0, 0]);
    expectExact(matmul(zeros([0, 3]), ones([3, 2])), [0, 2], []);
    expectExact(concat([zeros([0, 2]), ones([1, 2])], 0), [1, 2], [1, 1]);
  })],
  ['0-d tensors: arithmetic, broadcasting, reductions, reshape and item()', (b) => onBackend(b, () => {
    const s = scalar(3), t = scalar(2);
    expectExact(add(s, t), [], [5]);
    expectExact(mul(s, tensor([1, 2, 3, 4], [2, 2])), [2, 2], [3, 6, 9, 12]);
    expectExact(sum(s), [], [3]);
    expectExact(max(s), [], [3]);
    expectExact(exp(scalar(0)), [], [1]);
    expectExact(reshape(s, [1, 1]), [1, 1], [3]);
    expectExact(reshape(tensor([7], [1, 1]), []), [], [7]);
    expectExact(broadcastTo(s, [2, 2]), [2, 2], [3, 3, 3, 3]);
    expect(sub(s, t).item()).toBe(1);
  })],
  ['gradients with respect to 0-d tensors (broadcast sums back)', (b) => {
    const before = memory();
    withBackend(b, () => {
      const s = scalar(3), t = tensor([1, 2, 3, 4], [2, 2]);
      const { value, grads } = valueAndGrads(() => sum(mul(s, t)), [s, t]);
      expectExact(value, [], [30]);
      expectExact(grads[0], [], [10]);
      expectExact(grads[1], [2, 2], [3, 3, 3, 3]);
      dispose([value, grads, s, t]);
    });
    expect(memory()).toEqual(before);
  }],
  ['tidy disposes everything but its result; kept tensors survive', (b) => {
    const before = memory();
    const [y, k] = withBackend(b, () =>
      tidy(() => {
        const a = randn([3, 3], { seed: 1 });
        const k = keep(exp(a));
        return [sum(mul(a, relu(a))), k];
      }),
    );
    expect(memory().tensors).toBe(before.tensors + 2);
    dispose([y, k]);
    expect(memory()).toEqual(before);
  }],
  ['a tidy scope that throws still disposes its tensors', (b) => {
    const before = memory();
    const boom = () => withBackend(b, () => tidy(() => {
      exp(randn([2, 2], { seed: 1 }));
      throw new Error('boom');
    }));
    expect(boom).toThrow('boom');
    expect(memory()).toEqual(before);
  }],
  ['toBackend copies values exactly', (b) => onBackend(b, () => {
    const other = b === 'reference64' ? 'reference' : 'reference64';
    const t = tensor([1.5, -2, 3.25]);
    const u = toBackend(t, other);
    expect(u.backend).toBe(other);
    expectExact(u, [3], [1.5, -2, 3.25]);
    expectExact(toBackend(u, b), [3], [1.5, -2, 3.25]);
  })],
];

const shape = (s: string) => s.replace(/[[\]]/g, '\\$&');


/** [label, the call, the message regex] — each must throw a WnError naming op, argument and values. */
const ERRORS: [string, () => unknown, RegExp][] = [
  ['matmul: rank-1 operand', () => matmul(zeros([3]), zeros([3, 2])), /^matmul: argument 'a' expected rank 2 or 3, got shape \[3\]$/],
  ['matmul: inner dimensions differ', () => matmul(zeros([2, 3]), zeros([4, 5])), new RegExp(`^matmul: inner dimensions differ: a ${shape('[2, 3]')} has K=3, b ${shape('[4, 5]')} has K=4$`)],
  ['matmul: transposed inner dimensions differ', () => matmul(zeros([2, 3]), zeros([4, 5]), { transposeA: true }), /^matmul: inner dimensions differ: a \(transposed\) \[2, 3\] has K=2, b \[4, 5\] has K=4$/],
  ['matmul: batch sizes differ', () => matmul(zeros([2, 3, 4]), zeros([3, 4, 5])), /^matmul: batch sizes differ: a \[2, 3, 4\] vs b \[3, 4, 5\]$/],
  ['conv2d: rank-3 input', () => conv2d(zeros([3, 5, 5]), zeros([4, 3, 3, 3])), /^conv2d: argument 'x' expected rank 4 NCHW input, got '?shape \[3, 5, 5\]'?$/],
  ['conv2d: rank-2 weight', () => conv2d(zeros([1, 3, 5, 5]), zeros([4, 3])), /^conv2d: argument 'w' expected rank 4 \[outChannels, inChannels, kh, kw\] weight, got '?shape \[4, 3\]'?$/],
  ['conv2d: channel mismatch', () => conv2d(zeros([1, 3, 5, 5]), zeros([4, 2, 3, 3])), /^conv2d: input has 3 channels \(x \[1, 3, 5, 5\]\) but the weight expects 2 \(w \[4, 2, 3, 3\]\)$/],
  ['conv2d: input smaller than the kernel', () => conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 3, 3])), /^conv2d: input 2×2 is too small for kernel 3×3 .*\(output 0×0\)$/],
  ['conv2d: negative padding', () => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), { padding: -1 }), /^conv2d: argument 'padding' expected .*'same' or 'valid', got -1$/],
  ['add: shapes that do not broadcast', () => add(zeros([2, 3]), zeros([4])), /^add: shapes \[2, 3\] and \[4\] cannot be broadcast \(axis 1: 3 vs 4\)$/],
  ['add: inputs on different backends', () => add(zeros([2]), withBackend(getBackend() === 'reference64' ? 'reference' : 'reference64', () => zeros([2]))), /^add: inputs live on different backends \('.+' and '.+'\); move one with toBackend\(\)$/],
  ['concat: mismatched shapes', () => concat([zeros([2, 3]), zeros([2, 4])], 0), /^concat: argument 'xs\[1\]' expected shape matching \[2, 3\] except on axis 0, got \[2, 4\]$/],
  ['concat: mismatched ranks', () => concat([zeros([2, 3]), zeros([2, 3, 1])], 1), /^concat: argument 'xs\[1\]' expected shape matching \[2, 3\] except on axis 1, got \[2, 3, 1\]$/],
  ['concat: no tensors', () => concat([]), /^concat: argument 'xs' expected at least one tensor, got 0$/],
  ['disposed tensor: unary op', () => { const t = zeros([2]); t.dispose(); return exp(t); }, /^exp: argument 'x' is a disposed tensor \(id \d+, shape \[2\]\)$/],
  ['disposed tensor: binary op', () => { const t = zeros([2]); t.dispose(); return add(t, 1); }, /^add: argument 'input 0' is a disposed tensor \(id \d+, shape \[2\]\)$/],
  ['disposed tensor: second operand of a binary op', () => { const t = zeros([2]); t.dispose(); return sub(1, t); }, /^sub: argument 'input 1' is a disposed tensor \(id \d+, shape \[2\]\)$/],
  ['disposed tensor: matmul', () => { const t = zeros([2, 2]); t.dispose(); return matmul(ones([2, 2]), t); }, /^matmul: argument 'b' is a disposed tensor \(id \d+, shape \[2, 2\]\)$/],
  ['disposed tensor: dataSync', () => { const t = zeros([1]); t.dispose(); return t.dataSync(); }, /^dataSync: argument 'tensor' is a disposed tensor \(id \d+, shape \[1\]\)$/],
  ['setBackend: unknown backend', () => setBackend('no-such-backend'), /^setBackend: argument 'name' expected one of .*'reference'.*, got 'no-such-backend'$/],
  ['zeros: non-integer size', () => zeros([2.5]), /^zeros: argument 'shape' expected an array of non-negative integers, got \[2\.5\]$/],
  ['ones: negative size', () => ones([2, -1]), /^ones: argument 'shape' expected an array of non-negative integers, got \[2, -1\]$/],
  ['tensor: value count differs from the shape', () => tensor([1, 2, 3], [2, 2]), /^tensor: argument 'values' expected 4 values for shape \[2, 2\], got '3 values'$/],
  ['randn: non-integer size', () => randn([1.5], { seed: 0 }), /^randn: argument 'shape' expected an array of non-negative integers, got \[1\.5\]$/],
  ['reshape: element count differs', () => reshape(zeros([2, 3]), [4, 2]), /^reshape: argument 'shape' expected 6 elements \(input shape \[2, 3\]\), got \[4, 2\]$/],
  ['sum: axis out of range', () => sum(zeros([2, 3]), 2), /^sum: argument 'axes' expected an integer in \[-2, 1\], got 2$/],
  ['max: non-integer axis', () => max(zeros([2, 3]), 0.5), /^max: argument 'axes' expected an integer in \[-2, 1\], got 0\.5$/],
  ['sum: repeated axes', () => sum(zeros([2, 3]), [0, -2]), /^sum: argument 'axes' expected distinct axes, got \[0, -2\]$/],
  ['argmax: axis out of range', () => argmax(zeros([2, 3]), -3), /^argmax: argument 'axis' expected an integer in \[-2, 1\], got -3$/],
  ['max: reducing an empty axis', () => max(zeros([2, 0]), 1), /^max: cannot reduce over empty axis 1 of shape \[2, 0\]$/],
  ['argmax: empty axis', () => argmax(zeros([2, 0]), 1), /^argmax: axis 1 of shape \[2, 0\] is empty$/],
  ['transpose: not a permutation', () => transpose(zeros([2, 3]), [0, 0]), /^transpose: argument 'perm' expected a permutation of 0\.\.1, got \[0, 0\]$/],
  ['gather: index out of range', () => gather(zeros([3, 2]), [0, 3]), /^gather: argument 'indices' expected integers in \[0, 2\], got '3 at position 1'$/],
  ['item: more than one element', () => zeros([2]).item(), /^item: expected a tensor of one element, got shape \[2\]$/],
  ['elu: non-finite alpha', () => elu(zeros([2]), NaN), /^elu: argument 'alpha' expected a finite number, got NaN$/],
];

export const EDGE_CASE_COUNT = EDGE.length;
export const ERROR_CASE_COUNT = ERRORS.length;

export function describeEdgeCases(backend: string): void {
  describe('edge cases', () => {
    for (const [label, run] of EDGE) it(label, () => run(backend));
  });
}

export function describeErrorContract(backend: string): void {
  describe('error contract (WnError naming op, argument, expected and actual)', () => {
    for (const [label, call, message] of ERRORS) {
      it(label, () => {
        const before = getBackend();
        withBackend(backend, () => tidy(() => void expectWnError(call, message)));
        // a failed call changes nothing: same backend, no tensors beyond those the call created
        expect(getBackend()).toBe(before);
      });
    }
  });
}
