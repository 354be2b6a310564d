/** The Nature DQN's RMSprop (eps inside the square root) against a float64 reference of its formula. */
import { describe, expect, it } from 'vitest';
import { Rng, tensor, tidy, type Tensor } from '@wn/tensor';
import { loadOptimizerState, NatureRMSprop, Param, RMSprop, saveOptimizerState } from '../src/index.js';

const arr = (t: Tensor) => Array.from(t.dataSync());

/** θ, ḡ, s after each step, in float64: ḡ ← αḡ + (1−α)g; s ← αs + (1−α)g²; θ ← θ − lr·g/√(s − ḡ² + ε). */
function reference(theta0: number[], grads: number[][], lr: number, alpha: number, eps: number) {
  let theta = [...theta0], gbar = theta0.map(() => 0), s = theta0.map(() => 0);
  const out: { theta: number[]; gbar: number[]; s: number[] }[] = [];
  for (const g of grads) {
    gbar = gbar.map((a, i) => alpha * a + (1 - alpha) * g[i]);
    s = s.map((v, i) => alpha * v + (1 - alpha) * g[i] * g[i]);
    theta = theta.map((x, i) => x - (lr * g[i]) / Math.sqrt(s[i] - gbar[i] * gbar[i] + eps));
    out.push({ theta, gbar, s });
  }
  return out;
}

describe('NatureRMSprop', () => {
  const rng = new Rng(11);
  const theta0 = rng.uniformArray(6, -1, 1);
  const grads = Array.from({ length: 8 }, () => Array.from(rng.uniformArray(6, -2, 2)));
  const hyper = { lr: 0.05, alpha: 0.95, eps: 0.01 };

  it('follows θ ← θ − lr·g/√(s − ḡ² + ε) step by step (float64 reference, 8 steps)', () => {
    const p = new Param(tensor(Array.from(theta0)));
    const opt = new NatureRMSprop([p], hyper);
    const ref = reference(Array.from(theta0), grads, hyper.lr, hyper.alpha, hyper.eps);
    let worst = 0;
    grads.forEach((g, k) => {
      tidy(() => opt.step([tensor(g)]));
      const got = arr(p.value), st = opt.paramState(0)!;
      got.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - ref[k].theta[i]) / Math.max(1, Math.abs(ref[k].theta[i]))); });
      arr(st.tensors.grad_avg).forEach((v, i) => expect(v).toBeCloseTo(ref[k].gbar[i], 6));
      arr(st.tensors.square_avg).forEach((v, i) => expect(v).toBeCloseTo(ref[k].s[i], 5));
    });
    expect(worst).toBeLessThan(2e-6);
    expect(opt.stepCount).toBe(8);
  });

  it('differs from PyTorch-style centered RMSprop (ε outside the root) with the same settings', () => {
    const a = new Param(tensor(Array.from(theta0))), b = new Param(tensor(Array.from(theta0)));
    const nature = new NatureRMSprop([a], hyper), torch = new RMSprop([b], { ...hyper, centered: true });
    tidy(() => { nature.step([tensor(grads[0])]); torch.step([tensor(grads[0])]); });
    // first step: s − ḡ² = 0.0475·g²; √(0.0475g² + 0.01) vs √(0.0475g²) + 0.01
    const g0 = grads[0][0];
    expect(arr(a.value)[0]).toBeCloseTo(theta0[0] - (hyper.lr * g0) / Math.sqrt(0.0475 * g0 * g0 + 0.01), 5);
    expect(arr(b.value)[0]).toBeCloseTo(theta0[0] - (hyper.lr * g0) / (Math.sqrt(0.0475 * g0 * g0) + 0.01), 5);
    expect(Math.abs(arr(a.value)[0] - arr(b.value)[0])).toBeGreaterThan(1e-3);
  });

  it('saves and restores its state: a resumed optimizer continues bit for bit', () => {
    const straight = new Param(tensor(Array.from(theta0)));
    const optA = new NatureRMSprop([straight], hyper);
    for (const g of grads) tidy(() => optA.step([tensor(g)]));

    const first = new Param(tensor(Array.from(theta0)));
    const optB = new NatureRMSprop([first], hyper);
    for (const g of grads.slice(0, 3)) tidy(() => optB.step([tensor(g)]));
    const bytes = saveOptimizerState(optB);
    const resumed = new Param(tensor(arr(first.value)));
    const optC = new NatureRMSprop([resumed], { lr: 1, alpha: 0.5, eps: 1 }); // hyperparameters come from the file
    loadOptimizerState(optC, bytes);
    expect(optC.hyper()).toEqual({ ...hyper, weightDecay: 0 });
    expect(optC.stepCount).toBe(3);
    for (const g of grads.slice(3)) tidy(() => optC.step([tensor(g)]));
    expect(arr(resumed.value)).toEqual(arr(straight.value));
  });

  it('loadStateDict refuses a state without grad_avg, another kind, or a bad alpha', () => {
    const p = new Param(tensor([1, 2]));
    const opt = new NatureRMSprop([p]);
    tidy(() => opt.step([tensor([0.1, 0.2])]));
    const s = opt.stateDict();
    const fresh = new NatureRMSprop([new Param(tensor([1, 2]))]);
    const noGradAvg = { ...s, params: { '0': { step: 1, tensors: { square_avg: s.params['0'].tensors.square_avg } } } };
    expect(() => fresh.loadStateDict(noGradAvg)).toThrow(/state tensors \[square_avg\] do not match .*\[grad_avg, square_avg\]/);
    expect(() => fresh.loadStateDict({ ...s, kind: 'rmsprop' })).toThrow(/state is for 'rmsprop', this optimizer is 'nature-rmsprop'/);
    expect(() => fresh.loadStateDict({ ...s, hyper: { ...s.hyper, alpha: -1 } })).toThrow(/hyper.alpha/);
    expect(() => fresh.loadStateDict({ ...s, hyper: { ...s.hyper, centered: true } })).toThrow(/hyper.centered: not a hyperparameter/);
    expect(() => new NatureRMSprop([p], { eps: 0 })).toThrow(/eps must be > 0/);
    expect(stateNamesOf(opt)).toEqual(['square_avg', 'grad_avg']);
  });
});

const stateNamesOf = (o: NatureRMSprop) => o.stateNames(o.hyper());
