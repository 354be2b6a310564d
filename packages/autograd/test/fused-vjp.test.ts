import { afterAll, describe, expect, it } from 'vitest';
import {
  dispose, elu, fuse, fusedDecomposition, fusedElementwise, memory, mul, onOp, setBackend, sum, tensor, type FusedProgram, type Tensor,
} from '@wn/tensor';
import { expectClose, randomValues } from '@wn/tooling/testing';
import { valueAndGrads } from '../src/index.js';
import { vjpProgram } from '../src/fused-vjp.js';

afterAll(() => setBackend('reference'));

/** Every instruction kind with a gradient rule, over three inputs (p positive, c away from zero), inputs reused. */
const EVERY_RULE = fuse(3, ([a, p, c], k) => {
  let acc = k.mul(a, k.exp(k.mul(a, 0.3)));
  for (const u of ['neg', 'abs', 'tanh', 'sigmoid', 'sin', 'cos', 'sign', 'floor'] as const) acc = k.add(acc, k[u](k.mul(a, acc)));
  acc = k.add(k.add(k.add(acc, k.log(p)), k.sqrt(p)), k.reciprocal(c));
  for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const) acc = k.add(acc, k[op](acc, c));
  acc = k.add(acc, k.pow(p, k.mul(a, 0.5)));
  acc = k.add(acc, k.maximum(a, k.floor(a)));
  return k.where(k.greater(a, 0), acc, k.mul(acc, p));
});
const ELU = fuse(1, ([x], k) => k.where(k.greater(x, 0), x, k.mul(k.sub(k.exp(k.where(k.greater(x, 0), 0, x)), 1), 1)));

function inputs(shape: number[], seed: number): Tensor[] {
  const a = randomValues(shape, seed), p = randomValues(shape, seed + 1, { positive: true }), c = randomValues(shape, seed + 2);
  // integers in a hit maximum's tie rule (a = floor(a)) and floor's zero gradient
  for (let i = 0; i < a.length; i += 5) a[i] = Math.round(a[i] * 3);
  for (let i = 0; i < c.length; i++) c[i] = Math.fround(Math.sign(c[i] || 1) * (0.5 + Math.abs(c[i])));
  return [tensor(a, shape), tensor(p, shape), tensor(c, shape)];
}

function gradsOf(run: typeof fusedElementwise, program: FusedProgram, xs: Tensor[], u: Tensor): Tensor[] {
  const { value, grads } = valueAndGrads(() => sum(mul(run(program, xs), u)), xs);
  value.dispose();
  return grads;
}

const bitsEqual = (got: Tensor, want: Tensor) => {
  const g = got.dataSync(), w = want.dataSync();
  return w.every((v, i) => Object.is(v, g[i]) || (Number.isNaN(v) && Number.isNaN(g[i])));
};

describe('gradients of fused programs in one pass (fused-vjp.ts)', () => {
  for (const backend of ['reference', 'wasm']) {
    it(`equal the decomposition's gradients bit for bit, every rule, inputs of the output's shape (${backend})`, () => {
      setBackend(backend);
      const before = memory();
      // 700 elements: the wasm backend's SIMD modules run the exp programs
      const xs = inputs([7, 100], 11), u = tensor(randomValues([7, 100], 14), [7, 100]);
      for (const [program, args] of [[EVERY_RULE, xs], [ELU, xs.slice(0, 1)]] as const) {
        const got = gradsOf(fusedElementwise, program, [...args], u), want = gradsOf(fusedDecomposition, program, [...args], u);
        got.forEach((g, i) => expect(bitsEqual(g, want[i]), `input ${i}`).toBe(true));
        dispose([got, want]);
      }
      // the same tensor at two positions: one gradient per position, summed by backward (the
      // primitive ops interleave the two positions' terms instead, so equal up to rounding)
      const twice = [xs[1], xs[1], xs[2]];
      const got = gradsOf(fusedElementwise, EVERY_RULE, twice, u), want = gradsOf(fusedDecomposition, EVERY_RULE, twice, u);
      got.forEach((g, i) => expectClose(g, want[i], { rtol: 1e-5, label: `repeated input, position ${i}` }));
      dispose([got, want]);
      dispose([xs, u]);
      expect(memory()).toEqual(before);
    });
  }

  it('ELU backward is one fused op, and the gradient program of an input that passes dy through is dy itself', () => {
    setBackend('reference');
    const x = tensor([-2, 0, 3, -0.5]);
    const ops: string[] = [];
    const off = onOp((r) => ops.push(r.op));
    const { value, grads: [g] } = valueAndGrads(() => sum(elu(x)), [x]);
    off();
    value.dispose();
    expect(Array.from(g.dataSync())).toEqual([Math.exp(-2), Math.exp(0), 1, Math.exp(-0.5)].map(Math.fround));
    // forward: elu; backward: its gradient program (sum's gradient is a broadcast, not elementwise)
    expect(ops.filter((o) => o === 'fusedElementwise')).toHaveLength(2);
    expect(ops.filter((o) => o === 'unary' || o === 'binary' || o === 'where')).toEqual([]);
    expect(vjpProgram(fuse(2, ([a, b], k) => k.add(a, k.exp(b))), 0)).toBe('dy');
    expect(vjpProgram(fuse(2, ([a, b], k) => k.add(k.greater(a, 0), k.exp(b))), 0)).toBe('zero');
    dispose([x, g]);
  });

  it('inputs broadcast against the output take the decomposition (their gradients are sums)', () => {
    setBackend('reference');
    const a = tensor(randomValues([3, 4], 1), [3, 4]), b = tensor(randomValues([4], 2), [4]);
    const ema = fuse(3, ([p, x, beta], k) => k.add(k.mul(p, beta), k.mul(k.exp(x), k.sub(1, beta))));
    const ops: string[] = [];
    const off = onOp((r) => ops.push(r.op));
    const { value, grads } = valueAndGrads(() => sum(fusedElementwise(ema, [a, b, 0.9])), [a, b]);
    off();
    value.dispose();
    expect(ops.filter((o) => o === 'fusedElementwise')).toHaveLength(1);
    expect(grads[1].shape).toEqual([4]);
    dispose([a, b, grads]);
  });
});
