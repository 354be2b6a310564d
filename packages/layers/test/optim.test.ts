/** Optimizer extras: β1 switching, clipping, schedules, EMA, state export/resume. */
import { describe, expect, it } from 'vitest';
import { mean, mul, Rng, sub, tensor, tidy, type Tensor } from '@wn/tensor';
import {
  Adam, clipGradNorm, constant, cosineDecay, flatThenLinear, globalNorm, linearDecay, Linear, loadOptimizerState, loadState, Param, ParamEMA, ReLU,
  saveOptimizerState, saveState, Sequential, SGD, switchAt, trainStep, warmup, weightNorm, denseUnit, Tanh, softmaxCrossEntropy,
} from '../src/index.js';
import { expectClose, loadJson, loadParams, t as ft, type FT } from './helpers.js';

const arr = (t: Tensor) => Array.from(t.dataSync());

describe('Adam with β1 switched per step (the paper: 0.9 then 0.5)', () => {
  it('uses the current β1 in the moment and its bias correction', () => {
    const p = new Param(tensor([0.3, -0.2]));
    const opt = new Adam([p], { lr: 0.01 });
    const gs = [[0.5, -1], [0.2, 0.3], [-0.7, 0.1]];
    const betas1 = [0.9, 0.9, 0.5];
    // host reference, in double precision
    let P = [0.3, -0.2], M = [0, 0], V = [0, 0];
    gs.forEach((g, k) => {
      opt.beta1 = betas1[k];
      tidy(() => opt.step([tensor(g)]));
      const b1 = betas1[k], b2 = 0.999, t = k + 1;
      M = M.map((m, i) => b1 * m + (1 - b1) * g[i]);
      V = V.map((v, i) => b2 * v + (1 - b2) * g[i] * g[i]);
      P = P.map((x, i) => x - (0.01 / (1 - b1 ** t)) * (M[i] / (Math.sqrt(V[i]) / Math.sqrt(1 - b2 ** t) + 1e-8)));
      arr(p.value).forEach((v, i) => expect(v).toBeCloseTo(P[i], 6));
    });
    expect(opt.hyper().beta1).toBe(0.5);
  });
});

describe('clipGradNorm', () => {
  it('scales by maxNorm/(norm + 1e-6) above the limit, leaves gradients alone below it', () => {
    tidy(() => {
      const g = [tensor([3, 0]), tensor([[0], [4]])];
      expect(globalNorm(g)).toBeCloseTo(5, 6);
      const c = clipGradNorm(g, 1);
      expect(c.norm).toBeCloseTo(5, 6);
      expect(c.clipped).toBe(true);
      expect(globalNorm(c.grads)).toBeCloseTo(1, 5);
      expect(arr(c.grads[0])[0]).toBeCloseTo(3 / 5, 5);
      const u = clipGradNorm(g, 10);
      expect(u.clipped).toBe(false);
      expect(arr(u.grads[1])).toEqual([0, 4]);
    });
  });
});

describe('schedules', () => {
  it('constant, linear, cosine, flat-then-linear, switch, warmup', () => {
    expect(constant(0.1)(1e6)).toBe(0.1);
    expect(linearDecay(1, 10)(0)).toBe(1);
    expect(linearDecay(1, 10)(5)).toBe(0.5);
    expect(linearDecay(1, 10)(12)).toBe(0);
    expect(cosineDecay(1, 10)(5)).toBeCloseTo(0.5, 12);
    expect(cosineDecay(1, 10, 0.1)(10)).toBe(0.1);
    const f = flatThenLinear(0.003, 200);
    expect(f(0)).toBe(0.003);
    expect(f(99)).toBe(0.003);
    expect(f(100)).toBe(0.003);
    expect(f(150)).toBeCloseTo(0.0015, 12);
    expect(f(199)).toBeCloseTo(0.003 / 100, 12);
    expect(f(200)).toBe(0);
    const b1 = switchAt(100, 0.9, 0.5);
    expect([b1(99), b1(100)]).toEqual([0.9, 0.5]);
    const w = warmup(4, constant(1));
    expect([0, 1, 2, 3, 4, 9].map(w)).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
  });
});

function toyModel(seed: number) {
  const rng = new Rng(seed);
  return new Sequential([weightNorm(new Linear(3, 8, { rng })), new ReLU(), weightNorm(new Linear(8, 1, { rng }))]);
}

describe('ParamEMA (Polyak averaging)', () => {
  it('avg ← d·avg + (1−d)·p; swap in for evaluation and back', () => {
    tidy(() => {
      const p = new Param(tensor([1, 2]));
      const ema = new ParamEMA([p], { decay: 0.9 });
      p.update(tensor([3, 4]));
      ema.update();
      expect(arr(ema.values[0])[0]).toBeCloseTo(0.9 * 1 + 0.1 * 3, 6);
      ema.withAveraged(() => expect(arr(p.value)[0]).toBeCloseTo(1.2, 6));
      expect(arr(p.value)).toEqual([3, 4]);
      expect(() => ema.swapOut()).toThrow(/not swapped in/);
    });
  });

  it('averages a model and evaluates with the averages', () => {
    tidy(() => {
      const model = toyModel(1);
      const ema = new ParamEMA(model, { decay: 0.5 });
      const opt = new SGD(model, { lr: 0.1 });
      const x = new Rng(2).normal([8, 3]), y = new Rng(3).normal([8, 1]);
      for (let i = 0; i < 3; i++) {
        trainStep(opt, () => { const d = sub(model.forward(x), y); return mean(mul(d, d)); });
        ema.update();
      }
      const live = arr(model.forward(x));
      const averaged = ema.withAveraged(() => arr(model.forward(x)));
      expect(averaged).not.toEqual(live);
      expect(arr(model.forward(x))).toEqual(live);
      expect(Object.keys(ema.stateDict())).toEqual(model.namedParameters().map(([n]) => n));
    });
  });
});

describe('optimizer state export and resume', () => {
  it('saving model + Adam state and resuming gives bit-identical training', () => {
    const x = tidy(() => new Rng(2).normal([8, 3])), y = tidy(() => new Rng(3).normal([8, 1]));
    const loss = (m: Sequential) => () => { const d = sub(m.forward(x), y); return mean(mul(d, d)); };
    const a = toyModel(1);
    const optA = new Adam(a, { lr: 0.01 });
    for (let i = 0; i < 3; i++) trainStep(optA, loss(a));
    const modelBytes = saveState(a);
    const optBytes = saveOptimizerState(optA);
    for (let i = 0; i < 2; i++) trainStep(optA, loss(a));

    const b = toyModel(99);
    const optB = new Adam(b, { lr: 0.5 });
    loadState(b, modelBytes);
    loadOptimizerState(optB, optBytes);
    expect(optB.lr).toBe(0.01);
    expect(optB.stepCount).toBe(3);
    expect(optB.paramState(0)!.step).toBe(3);
    for (let i = 0; i < 2; i++) trainStep(optB, loss(b));
    for (const [k, v] of Object.entries(a.stateDict())) expect(arr(b.stateDict()[k])).toEqual(arr(v));
    // wrong optimizer kind
    expect(() => loadOptimizerState(new SGD(b, { lr: 1 }), optBytes)).toThrow(/state is for 'adam'/);
  });

  it('frozen parameters are skipped; gradient count and shapes are checked', () => {
    tidy(() => {
      const p = new Param(tensor([1])), q = new Param(tensor([1]), { trainable: false });
      const opt = new SGD([p, q], { lr: 1 });
      opt.step([tensor([0.5]), tensor([0.5])]);
      expect(arr(p.value)).toEqual([0.5]);
      expect(arr(q.value)).toEqual([1]);
      expect(() => opt.step([tensor([1])])).toThrow(/expected 2 gradients/);
      expect(() => opt.step([tensor([1, 2]), tensor([1])])).toThrow(/gradient 0 \('0'\) has shape \[2\], expected \[1\]/);
    });
  });

  it('trainStep with clipping reports the gradient norm', () => {
    const m = toyModel(4);
    const opt = new SGD(m, { lr: 0.1, momentum: 0.9, nesterov: true });
    const x = tidy(() => new Rng(2).normal([8, 3]));
    const r = trainStep(opt, () => mean(mul(m.forward(x), 100)), { clipNorm: 0.5 });
    expect(r.gradNorm).toBeGreaterThan(0.5);
    expect(Number.isFinite(r.loss)).toBe(true);
  });
});

/**
 * trainStep with clipping vs PyTorch (tooling/fixtures/learning.json, `clip_*`): loss.backward(),
 * clip_grad_norm_(params, max_norm), step(), five times on a weight-normalized MLP. The reported
 * norm is the one before clipping; the parameters after each step show that the optimizer stepped
 * with the clipped gradients (steps where the norm exceeds max_norm) and the raw ones (below it).
 */
describe('trainStep with clipping vs torch.nn.utils.clip_grad_norm_', () => {
  const runs = loadJson('learning.json').cases.filter((c: any) => c.kind === 'clip');
  it('the fixture has clipping runs that clip on some steps and not on others', () => {
    const norms = runs.flatMap((c: any) => c.grad_norms.map((n: number) => n > c.max_norm));
    expect(norms).toContain(true);
    expect(norms).toContain(false);
  });
  for (const run of runs) {
    it(`${run.name}: losses, reported norms and parameters after every step`, () => {
      const o = { variant: 'weightnorm', rng: 3 } as const;
      const net = new Sequential({ fc1: denseUnit(4, 8, { ...o, activation: new Tanh() }), fc2: denseUnit(8, 3, o) });
      loadParams(net, run.initial_state);
      const { name, ...hyper } = run.optimizer;
      const opt = name === 'sgd' ? new SGD(net, { lr: hyper.lr, momentum: hyper.momentum }) : new Adam(net, { lr: hyper.lr });
      const x = ft(run.x);
      const labels: number[] = run.labels.data;
      run.losses.forEach((loss: number, i: number) => {
        const r = trainStep(opt, () => softmaxCrossEntropy(net.forward(x), labels), { clipNorm: run.max_norm });
        expect(Math.abs(r.loss - loss), `step ${i + 1} loss ${r.loss} vs ${loss}`).toBeLessThanOrEqual(1e-5 * loss);
        expect(Math.abs(r.gradNorm! - run.grad_norms[i]), `step ${i + 1} norm ${r.gradNorm} vs ${run.grad_norms[i]}`).toBeLessThanOrEqual(1e-5 * run.grad_norms[i]);
        const state = net.stateDict();
        for (const [k, want] of Object.entries(run.state_after_step[i] as Record<string, FT>)) expectClose(state[k], want, 1e-4, `${run.name} step ${i + 1} ${k}`);
      });
      x.dispose();
    });
  }

});
