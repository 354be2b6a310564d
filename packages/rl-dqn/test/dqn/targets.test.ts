/** TD targets (DQN and double DQN), the Huber/MSE TD loss against their formulas, the ε schedule, presets. */
import { describe, expect, it, vi } from 'vitest';
import { Rng, tensor, tidy } from '@wn/tensor';
import { valueAndGrads } from '@wn/autograd';
import { Adam, WeightNorm } from '@wn/layers';
import { buildQNetwork, checkArgs, epsilonAt, greedyAction, presetArgs, tdLoss, tdTargets, updateTarget } from '../../src/index.js';

describe('tdTargets', () => {
  const rewards = [1, 0, -1];
  const terminated = [0, 1, 0];
  // Q(s', ·) of 3 transitions × 3 actions
  const nextQTarget = [0.5, 2, -1, 9, 9, 9, 3, 0, 1];
  const nextQOnline = [5, 0, 0, 0, 0, 0, 0, 0, 7];

  it('DQN: r + γ·max_a Q_target(s′, a), no bootstrap at a terminal', () => {
    const y = tdTargets({ rewards, terminated, nextQTarget, nextQOnline: null, gamma: 0.9, actions: 3 });
    expect(Array.from(y)).toEqual([1 + 0.9 * 2, 0, -1 + 0.9 * 3].map(Math.fround));
  });

  it('double DQN: the online network picks a*, the target network values it', () => {
    const y = tdTargets({ rewards, terminated, nextQTarget, nextQOnline, gamma: 0.9, actions: 3 });
    // a* = 0 (online 5) → target 0.5; terminal; a* = 2 (online 7) → target 1
    expect(Array.from(y)).toEqual([1 + 0.9 * 0.5, 0, -1 + 0.9 * 1].map(Math.fround));
  });

  it('γ = 0 gives the reward alone; bad inputs are refused', () => {
    expect(Array.from(tdTargets({ rewards, terminated, nextQTarget, nextQOnline: null, gamma: 0, actions: 3 }))).toEqual(rewards);
    expect(() => tdTargets({ rewards, terminated, nextQTarget: [1], nextQOnline: null, gamma: 0.9, actions: 3 })).toThrow(/expected 3 terminal flags and 3×3 Q-values/);
    expect(() => tdTargets({ rewards, terminated, nextQTarget, nextQOnline: null, gamma: 1.5, actions: 3 })).toThrow(/gamma must be in \[0, 1\]/);
  });
});

describe('tdLoss', () => {
  const q = [[0.2, 3.0], [-1.0, 0.5], [2.0, 2.0], [0, 0.1]];
  const actions = Int32Array.from([1, 0, 0, 1]);
  const y = Float32Array.from([0.5, -0.6, 4.5, 0.1]);
  const d = [3.0 - 0.5, -1.0 + 0.6, 2.0 - 4.5, 0.1 - 0.1];

  it('Huber (δ = 1) equals the formula, and its gradient is the error clipped to [−1, 1] / batch', () => {
    tidy(() => {
      const qt = tensor(q);
      const huber = (x: number) => (Math.abs(x) <= 1 ? 0.5 * x * x : Math.abs(x) - 0.5);
      const { value, grads } = valueAndGrads(() => tdLoss(qt, actions, y, 'huber'), [qt]);
      expect(value.item()).toBeCloseTo(d.map(huber).reduce((a, b) => a + b) / 4, 6);
      const g = Array.from(grads[0].dataSync());
      const want = [0, 1, -0.4, 0, -1, 0, 0, 0].map((v) => v / 4);
      g.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    });
  });

  it('MSE equals the mean squared TD error, gradient 2d/batch on the chosen action only', () => {
    tidy(() => {
      const qt = tensor(q);
      const { value, grads } = valueAndGrads(() => tdLoss(qt, actions, y, 'mse'), [qt]);
      expect(value.item()).toBeCloseTo(d.map((x) => x * x).reduce((a, b) => a + b) / 4, 5);
      const g = Array.from(grads[0].dataSync());
      const want = [0, 2 * d[0], 2 * d[1], 0, 2 * d[2], 0, 0, 2 * d[3]].map((v) => v / 4);
      g.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    });
  });
});

describe('ε schedule', () => {
  it('holds the start during the delay, anneals linearly, then stays at the end', () => {
    const s = { start: 1, end: 0.1, frames: 100_000, delay: 5_000 };
    expect(epsilonAt(s, 0)).toBe(1);
    expect(epsilonAt(s, 5_000)).toBe(1);
    expect(epsilonAt(s, 55_000)).toBeCloseTo(0.55, 12);
    expect(epsilonAt(s, 105_000)).toBeCloseTo(0.1, 12);
    expect(epsilonAt(s, 5_000_000)).toBeCloseTo(0.1, 12);
    const clean = { start: 1, end: 0.05, frames: 250_000, delay: 0 };
    expect(epsilonAt(clean, 125_000)).toBeCloseTo(0.525, 12);
  });
});

describe('presets', () => {
  it("minatar is MinAtar's examples/dqn.py; wn-paper changes the optimizer, batch and lr per variant", () => {
    const m = presetArgs('minatar');
    expect(m).toMatchObject({
      replaySize: 100_000, batchSize: 32, trainEvery: 1, learningStarts: 5_000, epsilonStart: 1, epsilonEnd: 0.1, epsilonFrames: 100_000, epsilonDelay: 5_000,
      targetUpdateEvery: 1_000, optimizer: 'rmsprop-centered', lr: 2.5e-4, rmsAlpha: 0.95, optEps: 0.01, gamma: 0.99, frames: 5_000_000, loss: 'huber',
    });
    expect(presetArgs('wn-paper')).toMatchObject({ variant: 'weightnorm+init', optimizer: 'adamax', beta1: 0.5, batchSize: 64, lr: 3e-4 });
    expect(presetArgs('wn-paper', 'standard')).toMatchObject({ optimizer: 'adamax', lr: 1e-4 });
    expect(presetArgs('cartpole')).toMatchObject({ optimizer: 'adam', lr: 2.5e-4, loss: 'mse', replaySize: 10_000, batchSize: 128, trainEvery: 10, learningStarts: 10_000, epsilonEnd: 0.05, epsilonFrames: 250_000 });
    expect(() => checkArgs({ ...m, tau: 0 })).toThrow(/argument 'tau' expected a number in \(0, 1\], got 0/);
    expect(() => checkArgs({ ...m, batchSize: 200_000 })).toThrow(/argument 'batchSize' expected at most replaySize/);
  });
});

describe('acting uses the weight cache', () => {
  it('a weight-normalized network computes its weights once across actions, again only after an update', () => {
    const net = buildQNetwork({ kind: 'mlp', obsShape: [4], actions: 2, variant: 'weightnorm', rng: new Rng(1) });
    const spy = vi.spyOn(WeightNorm.prototype, 'forward');
    const obs = Float32Array.of(0.1, -0.2, 0.3, 0.05);
    greedyAction(net, obs, 2);
    const first = spy.mock.calls.length;
    expect(first).toBe(3);
    for (let k = 0; k < 20; k++) greedyAction(net, obs, 2);
    expect(spy.mock.calls.length).toBe(first); // no renormalization per action
    const opt = new Adam(net, { lr: 0.01 });
    tidy(() => opt.step(opt.params.map((p) => tensor(new Float32Array(p.value.size).fill(0.1), p.shape))));
    greedyAction(net, obs, 2);
    expect(spy.mock.calls.length).toBe(first + 3);
    spy.mockRestore();
    opt.dispose();
    net.dispose();
  });
});

describe('target network updates', () => {
  it('τ = 1 copies; τ < 1 moves each parameter to τ·online + (1 − τ)·target', () => {
    const online = buildQNetwork({ kind: 'mlp', obsShape: [3], actions: 2, variant: 'weightnorm', rng: new Rng(1) });
    const target = buildQNetwork({ kind: 'mlp', obsShape: [3], actions: 2, variant: 'weightnorm', rng: new Rng(2) });
    const values = (n: typeof online) => n.namedParameters().map(([k, p]) => [k, Array.from(p.value.dataSync())] as const);
    const before = values(target), from = values(online);
    updateTarget(target, online, 0.25);
    values(target).forEach(([k, v], i) => {
      expect(k).toBe(from[i][0]);
      v.forEach((x, j) => expect(x).toBeCloseTo(0.25 * from[i][1][j] + 0.75 * before[i][1][j], 6));
    });
    updateTarget(target, online, 1);
    expect(values(target)).toEqual(from);
    online.dispose();
    target.dispose();
  });
});
