/**
 * gradcheck must pass correct rules and catch wrong ones. To show the latter honestly, the tests
 * swap a real entry of the gradient table (GRAD_RULES, which backward() consults) for a wrong one,
 * check the same function that passed a moment before now fails, and restore the rule.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WnError, add, matmul, memory, mul, sigmoid, sin, sub, sum, tanh, withBackend, type OpRecord, type Tensor } from '@wn/tensor';
import { randomValues } from '@wn/tooling/testing';
import { GRAD_RULES, gradcheck, type GradRule } from '../src/index.js';

const input = (shape: number[], seed: number) => ({ shape, values: randomValues(shape, seed) });

type Rules = Record<string, GradRule<never>>;
const rules = GRAD_RULES as unknown as Rules;
const originals = { ...rules };
afterEach(() => Object.assign(rules, originals));

/** Replaces the rule for one primitive; `wrap` gets the correct rule's output to distort. */
function distort(op: 'unary' | 'binary', which: string, wrap: (correct: (Tensor | null)[], record: OpRecord) => (Tensor | null)[]): void {
  const correct = originals[op] as unknown as (dy: Tensor, r: OpRecord, needs: readonly boolean[]) => (Tensor | null)[];
  rules[op] = ((dy: Tensor, r: OpRecord, needs: readonly boolean[]) => {
    const g = correct(dy, r, needs);
    return (r.attrs as { op: string }).op === which ? wrap(g, r) : g;
  }) as unknown as GradRule<never>;
}

describe('gradcheck', () => {
  it('passes correct rules (a composite of matmul, tanh, sigmoid, broadcasting)', () => {
    const before = memory();
    const f = (x: Tensor, w: Tensor, b: Tensor) => {
      const h = add(matmul(x, w), b);
      return sum(mul(tanh(h), sigmoid(h)));
    };
    const r = gradcheck(f, [input([4, 3], 1), input([3, 2], 2), input([2], 3)]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    expect(r.maxAbsError).toBeLessThan(1e-7);
    expect(memory()).toEqual(before);
  });

  it('catches a rule off by a factor of 2 and reports where', () => {
    const f = (x: Tensor) => sum(sin(x));
    const inputs = [input([5], 4)];
    expect(gradcheck(f, inputs).ok).toBe(true);
    distort('unary', 'sin', ([g]) => [mul(g!, 2)]);
    const r = gradcheck(f, inputs);
    expect(r.ok).toBe(false);
    expect(r.worst!.input).toBe(0);
    expect(r.worst!.analytic / r.worst!.numeric).toBeCloseTo(2, 6);
  });

  it('catches a relative error of 1e-3 (ten times its rtol)', () => {
    const f = (x: Tensor) => sum(mul(sigmoid(x), 3));
    const inputs = [input([6], 5)];
    expect(gradcheck(f, inputs).ok).toBe(true);
    rules.unary = ((dy: Tensor, r: OpRecord) => {
      const g = (originals.unary as unknown as (dy: Tensor, r: OpRecord) => Tensor[])(dy, r);
      return (r.attrs as { op: string }).op === 'sigmoid' ? [mul(g[0], 1 + 1e-3)] : g;
    }) as unknown as GradRule<never>;
    expect(gradcheck(f, inputs).ok).toBe(false);
  });

  it('pins a wrong sign on the right input of a binary op', () => {
    const f = (a: Tensor, b: Tensor) => sum(mul(sub(a, b), a));
    const inputs = [input([3], 6), input([3], 7)];
    expect(gradcheck(f, inputs).ok).toBe(true);
    distort('binary', 'sub', ([ga, gb]) => [ga, mul(gb!, -1)]);
    const r = gradcheck(f, inputs);
    expect(r.ok).toBe(false);
    expect(r.worst!.input).toBe(1);
    expect(r.worst!.analytic).toBeCloseTo(-r.worst!.numeric, 6);
  });

  it('runs in float64 on reference64 whatever the current backend', () => {
    const seen: string[] = [];
    const r = withBackend('reference', () =>
      gradcheck((x: Tensor) => {
        seen.push(x.backend);
        return sum(mul(x, x));
      }, [input([2], 8)]),
    );
    expect(r.ok).toBe(true);
    expect(new Set(seen)).toEqual(new Set(['reference64']));
  });

  it('rejects a non-scalar function with a WnError naming the shape, leaking nothing', () => {
    const before = memory();
    let error: unknown;
    try {
      gradcheck((x: Tensor) => mul(x, 2), [input([2], 9)]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WnError);
    expect((error as Error).message).toMatch(/must return a scalar.*\[2\]/);
    expect(memory()).toEqual(before);
  });
});
