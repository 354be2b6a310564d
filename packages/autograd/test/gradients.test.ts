import { describe, expect, it } from 'vitest';
import {
  add, arange, concat, cos, dispose, exp, greater, keep, leakyRelu, matmul, onOp, memory, mul, ones, reshape, scalar, setBackend, sin, slice, sub, sum, tensor,
  tidy, transpose, WnError, type Tensor,
} from '@wn/tensor';
import { expectClose, randomInput, randomValues } from '@wn/tooling/testing';
import { grad, isRecording, isTracked, noGrad, valueAndGrad, valueAndGrads } from '../src/index.js';

setBackend('reference');

/** Runs `body`, then checks that every tensor it created was released. */
function noLeaks(body: () => void): void {
  const before = memory();
  body();
  expect(memory(), 'live tensors/storages afterwards').toEqual(before);
}

describe('valueAndGrad / grad', () => {
  it('returns f(x) and ∂f/∂x for each argument', () =>
    noLeaks(() => {
      const x = tensor([1, -2, 3]), y = tensor([0.5, 4, -1]);
      // f = Σ x²·y  →  ∂f/∂x = 2xy, ∂f/∂y = x²
      const { value, grads } = valueAndGrad((a: Tensor, b: Tensor) => sum(mul(mul(a, a), b)))(x, y);
      expect(value.shape).toEqual([]);
      expect(value.item()).toBeCloseTo(0.5 + 16 - 9, 6);
      expect(grads[0].toArray()).toEqual([1, -16, -6]);
      expect(grads[1].toArray()).toEqual([1, 4, 9]);
      dispose([x, y, value, grads]);
    }));

  it('grad returns only the gradients and releases the value', () =>
    noLeaks(() => {
      const x = tensor([0, 1, 2]);
      const [g] = grad((a: Tensor) => sum(exp(a)))(x);
      expectClose(g, [1, Math.E, Math.E ** 2], { rtol: 1e-6 });
      dispose([x, g]);
    }));

  it('accumulates the gradient of a tensor used more than once', () =>
    noLeaks(() => {
      const x = tensor([1, 2, 3]);
      // x·x, x + x, and x fed twice into one concat: 2x + 2 + 2
      const f = (a: Tensor) => add(add(sum(mul(a, a)), sum(add(a, a))), sum(concat([a, a])));
      const [g] = grad(f)(x);
      expect(g.toArray()).toEqual([6, 8, 10]);
      dispose([x, g]);
    }));

  it('propagates through reshape, transpose, slice and concat (an exact linear map)', () =>
    noLeaks(() => {
      // a linear, index-moving f: out = concat(slice(transpose(reshape(x))), reshape(x)); Σ out·w
      const move = (x: Tensor) => {
        const t = transpose(reshape(x, [3, 4]), [1, 0]); // [4, 3]
        return concat([reshape(slice(t, [1, 0], [2, 3]), [6]), reshape(x, [12])], 0); // [18]
      };
      // feeding the element indices through f tells which input element each output came from
      const source = tidy(() => move(arange(12)).toArray());
      const w = randomValues([18], 7);
      const expected = new Array<number>(12).fill(0);
      source.forEach((j, i) => (expected[j] += w[i]));
      const x = randomInput([12], 3);
      const wt = tensor(w, [18]);
      const [g] = grad((a: Tensor) => sum(mul(move(a), wt)))(x);
      expectClose(g, expected, { rtol: 1e-6 });
      dispose([x, wt, g]);
    }));

  it('gives zeros to inputs the output does not depend on', () =>
    noLeaks(() => {
      const x = tensor([1, 2]), y = tensor([[1, 2, 3], [4, 5, 6]]);
      const { value, grads } = valueAndGrads(() => sum(mul(x, 3)), [x, y]);
      expect(grads[0].toArray()).toEqual([3, 3]);
      expect(grads[1].shape).toEqual([2, 3]);
      expect(grads[1].toArray()).toEqual([0, 0, 0, 0, 0, 0]);
      dispose([x, y, value, grads]);
    }));

  it('gives zeros through piecewise-constant ops (comparisons)', () =>
    noLeaks(() => {
      const x = tensor([-1, 2, 3]);
      const [g] = grad((a: Tensor) => sum(add(greater(a, 0), mul(a, 0.5))))(x);
      expect(g.toArray()).toEqual([0.5, 0.5, 0.5]);
      dispose([x, g]);
    }));

  it('does not record piecewise-constant fused programs: leakyRelu backward is one multiply by its mask', () =>
    noLeaks(() => {
      const x = tensor([-2, 0, 3, -0.5]);
      const ops: string[] = [];
      const off = onOp((r) => ops.push(r.op === 'binary' || r.op === 'unary' ? `${r.op}:${(r.attrs as { op: string }).op}` : r.op));
      const [g] = grad((a: Tensor) => sum(leakyRelu(a, 0.1)))(x);
      off();
      expect(g.toArray()).toEqual([0.1, 0.1, 1, 0.1].map(Math.fround));
      // the mask is one fused op in the forward pass; nothing re-derives it in the backward pass
      expect(ops.filter((o) => o === 'fusedElementwise')).toHaveLength(1);
      expect(ops.filter((o) => o === 'where' || o === 'binary:greater')).toEqual([]);
      dispose([x, g]);
    }));

  it('sums many contributions to one tensor (an unrolled RNN weight) exactly as chained adds, without leaks', () =>
    noLeaks(() => {
      const w = tensor(randomValues([3, 3], 11), [3, 3]), h0 = tensor(randomValues([2, 3], 12), [2, 3]);
      const steps = 19; // more than the accumulator holds at once
      const unrolled = (weight: Tensor) => {
        let h = h0;
        for (let t = 0; t < steps; t++) h = sin(matmul(h, weight));
        return sum(h);
      };
      const [g] = grad(unrolled)(w);
      // the same contributions added one at a time, in arrival order (last step first)
      const contributions: Tensor[] = [];
      tidy(() => {
        const hs: Tensor[] = [h0];
        for (let t = 0; t < steps; t++) hs.push(sin(matmul(hs[t], w)));
        let dh: Tensor = ones([2, 3]);
        for (let t = steps - 1; t >= 0; t--) {
          const dz = mul(dh, cos(matmul(hs[t], w)));
          contributions.push(keep(matmul(transpose(hs[t]), dz)));
          dh = matmul(dz, transpose(w));
        }
      });
      const chained = tidy(() => contributions.slice(1).reduce((a, c) => add(a, c), contributions[0]));
      expect(Array.from(g.dataSync())).toEqual(Array.from(chained.dataSync()));
      dispose([w, h0, g, chained, contributions]);
    }));

  it('sums the gradient of a broadcast input back to its shape', () =>
    noLeaks(() => {
      const x = tensor([[1], [2]]), b = tensor([10, 20, 30]), s = scalar(2);
      const { value, grads } = valueAndGrads(() => sum(mul(add(x, b), s)), [x, b, s]);
      expect(grads.map((g) => g.shape)).toEqual([[2, 1], [3], []]);
      expect(grads[0].toArray()).toEqual([6, 6]);
      expect(grads[1].toArray()).toEqual([4, 4, 4]);
      expect(grads[2].toArray()).toEqual([11 + 21 + 31 + 12 + 22 + 32]);
      dispose([x, b, s, value, grads]);
    }));

  it('returns distinct gradient tensors, none of them the caller\'s dy', () =>
    noLeaks(() => {
      const x = scalar(1), y = scalar(2), dy = scalar(3);
      // add passes its upstream gradient straight through to both inputs
      const { value, grads } = valueAndGrads(() => add(x, y), [x, y], { dy });
      expect(grads[0]).not.toBe(grads[1]);
      expect(grads[0]).not.toBe(dy);
      expect(grads[1]).not.toBe(dy);
      grads[0].dispose();
      dy.dispose();
      expect(grads[1].item()).toBe(3); // still usable after its siblings are gone
      dispose([x, y, value, grads]);
    }));

  it('keeps intermediates the function disposes itself alive for the backward pass', () =>
    noLeaks(() => {
      const x = tensor([0.5, -1]);
      const [g] = grad((a: Tensor) => {
        const h = exp(a);
        const y = sum(mul(h, h)); // Σ e^{2a} → 2e^{2a}
        h.dispose();
        return y;
      })(x);
      expectClose(g, [2 * Math.exp(1), 2 * Math.exp(-2)], { rtol: 1e-6 });
      dispose([x, g]);
    }));

  it('takes an upstream gradient dy for a non-scalar output and leaves dy to the caller', () =>
    noLeaks(() => {
      const x = tensor([1, 2, 3]), dy = tensor([1, 0, -2]);
      const { value, grads } = valueAndGrads(() => mul(x, x), [x], { dy });
      expect(value.toArray()).toEqual([1, 4, 9]);
      expect(grads[0].toArray()).toEqual([2, 0, -12]);
      expect(dy.isDisposed).toBe(false);
      expect(dy.toArray()).toEqual([1, 0, -2]);
      dispose([x, dy, value, grads]);
    }));

  it('rejects a non-scalar output without dy, naming the shape, and leaks nothing', () =>
    noLeaks(() => {
      const x = tensor([[1, 2, 3], [4, 5, 6]]);
      let error: unknown;
      try {
        valueAndGrads(() => mul(x, 2), [x]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WnError);
      expect((error as Error).message).toMatch(/^valueAndGrad: the function must return a scalar \(got shape \[2, 3\]\); pass options\.dy for non-scalar outputs$/);
      x.dispose();
    }));

  it('leaks nothing when the function itself throws', () =>
    noLeaks(() => {
      const x = tensor([1, 2]);
      expect(() =>
        valueAndGrads(() => {
          exp(x);
          throw new Error('inside f');
        }, [x]),
      ).toThrow('inside f');
      x.dispose();
    }));

  it('releases every intermediate of a larger computation', () =>
    noLeaks(() => {
      const x = randomInput([4, 3], 1), w = randomInput([3, 5], 2);
      const { value, grads } = valueAndGrads(() => sum(sin(matmul(transpose(transpose(x)), w))), [x, w]);
      expect(grads.map((g) => g.shape)).toEqual([[4, 3], [3, 5]]);
      dispose([x, w, value, grads]);
    }));
});

describe('noGrad', () => {
  it('records nothing: what is computed inside contributes no gradient', () =>
    noLeaks(() => {
      const x = tensor([1, 2, 3]);
      const seen: boolean[] = [];
      const [g] = grad((a: Tensor) => {
        seen.push(isRecording());
        // Σ a + (Σ a² as a constant): the gradient is 1, not 1 + 2a
        const c = noGrad(() => {
          seen.push(isRecording());
          return sum(mul(a, a));
        });
        return add(sum(a), c);
      })(x);
      expect(g.toArray()).toEqual([1, 1, 1]);
      expect(seen).toEqual([true, false]);
      expect(isRecording()).toBe(false);
      dispose([x, g]);
    }));

  it('isTracked: true for watched tensors and what is computed from them, false for constants and under noGrad', () =>
    noLeaks(() => {
      const x = tensor([1, 2, 3]);
      const c = tensor([4, 5, 6]);
      const seen: boolean[] = [];
      const [g] = grad((a: Tensor) => {
        const y = mul(a, c);
        seen.push(isTracked(a), isTracked(y), isTracked(c), isTracked(mul(c, c)));
        noGrad(() => seen.push(isTracked(a)));
        return sum(y);
      })(x);
      expect(seen).toEqual([true, true, false, false, false]);
      expect(isTracked(x)).toBe(false);
      dispose([x, c, g]);
    }));

  it('is a plain function call outside gradient computations', () =>
    noLeaks(() => {
      const y = noGrad(() => tidy(() => sum(ones([2, 2]))));
      expect(y.item()).toBe(4);
      y.dispose();
    }));

  it('a gradient computed inside noGrad does not depend on the outer one', () =>
    noLeaks(() => {
      const x = tensor([2]);
      const [g] = grad((a: Tensor) => {
        const [inner] = noGrad(() => grad((b: Tensor) => sum(mul(b, b)))(a)); // 2a, as a constant
        return sum(mul(a, inner)); // ∂/∂a (a·2a_const) = 2a_const = 4
      })(x);
      expect(g.toArray()).toEqual([4]);
      dispose([x, g]);
    }));

  it('stops gradients through sub-expressions while the rest still flows', () =>
    noLeaks(() => {
      const x = tensor([3]);
      // f = x · stop(x) − x  →  ∂f/∂x = stop(x) − 1 = 2
      const [g] = grad((a: Tensor) => sum(sub(mul(a, noGrad(() => reshape(a, [1]))), a)))(x);
      expect(g.toArray()).toEqual([2]);
      dispose([x, g]);
    }));
});

describe('2-D matmul', () => {
  it('is one recorded op on the 2-D tensors, and its gradients equal the batched product\'s bit for bit', () =>
    noLeaks(() => {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const aShape = ta ? [5, 3] : [3, 5], bShape = tb ? [4, 5] : [5, 4];
        const a = tensor(randomValues(aShape, 11), aShape), b = tensor(randomValues(bShape, 12), bShape);
        const heard: string[] = [];
        const off = onOp((r) => heard.push(`${r.op} [${r.inputs.map((t) => t.shape.join('×')).join(', ')}] → ${r.output.shape.join('×')}`));
        const flat = valueAndGrads(() => sum(sin(matmul(a, b, { transposeA: ta, transposeB: tb }))), [a, b]);
        off();
        // the forward product and both gradient products, each on 2-D tensors (no reshape views to 3-D)
        expect(heard.filter((h) => h.startsWith('matmul'))).toEqual([
          `matmul [${aShape.join('×')}, ${bShape.join('×')}] → 3×4`,
          expect.stringMatching(/^matmul \[\d+×\d+, \d+×\d+\] → \d+×\d+$/),
          expect.stringMatching(/^matmul \[\d+×\d+, \d+×\d+\] → \d+×\d+$/),
        ]);
        expect(heard.some((h) => /^reshape .*→ 1×\d+×\d+$/.test(h))).toBe(false);
        const batched = valueAndGrads(() => sum(sin(matmul(reshape(a, [1, ...a.shape]), reshape(b, [1, ...b.shape]), { transposeA: ta, transposeB: tb }))), [a, b]);
        expect(flat.grads.map((g) => g.shape)).toEqual([a.shape, b.shape]);
        expect(flat.grads.map((g) => g.toArray())).toEqual(batched.grads.map((g) => g.toArray()));
        expect(flat.value.item()).toBe(batched.value.item());
        dispose([a, b, flat.value, flat.grads, batched.value, batched.grads]);
      }
    }));
});
