/** Computing parametrized weights once: `cached()` scopes and the version-keyed reuse outside gradients. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dispose, memory, mul, Rng, sum, tensor, tidy, type Tensor } from '@wn/tensor';
import { noGrad, valueAndGrads } from '@wn/autograd';
import {
  Adam, cached, Linear, LSTMCell, ReLU, Sequential, trainStep, weightNorm, weightNormOf, WeightNorm, type Param,
} from '../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Counts w = g·v/‖v‖ computations. */
const countForward = () => vi.spyOn(WeightNorm.prototype, 'forward');

function unrolledLoss(cell: LSTMCell, xs: readonly Tensor[]): Tensor {
  let state = cell.initialState(xs[0].shape[0]);
  for (const x of xs) state = cell.forward(x, state);
  return sum(mul(state.h, state.h));
}

describe('cached()', () => {
  it('an LSTM over T = 16 steps computes each weight once, with the uncached gradients, and leaks nothing', () => {
    const cell = weightNorm(new LSTMCell(5, 8, { rng: 1 }));
    const params = cell.trainableParameters();
    const rng = new Rng(2);
    const xs = Array.from({ length: 16 }, () => rng.normal([3, 5]));
    const before = memory().tensors;

    const calls = countForward();
    const plain = valueAndGrads(() => unrolledLoss(cell, xs), params.map((p) => p.value));
    expect(calls).toHaveBeenCalledTimes(2 * 16); // weight_ih and weight_hh at every step
    calls.mockClear();
    const once = valueAndGrads(() => cached(() => unrolledLoss(cell, xs)), params.map((p) => p.value));
    expect(calls).toHaveBeenCalledTimes(2); // one computation per weight

    expect(once.value.item()).toBeCloseTo(plain.value.item(), 5);
    once.grads.forEach((g, i) => {
      const a = g.dataSync(), b = plain.grads[i].dataSync();
      const scale = Math.max(...Array.from(b, Math.abs));
      a.forEach((v, j) => expect(Math.abs(v - b[j])).toBeLessThan(1e-5 * scale));
    });
    dispose([plain, once]);
    expect(memory().tensors).toBe(before);
    dispose(xs);
    cell.dispose();
  });

  it('recomputes a weight whose originals change inside the scope; nested scopes join the outer one', () => {
    const layer = weightNorm(new Linear(3, 2, { rng: 3 }));
    const x = tensor([1, 2, 3], [1, 3]);
    const calls = countForward();
    cached(() => {
      const a = layer.forward(x).toArray();
      cached(() => layer.forward(x));
      expect(calls).toHaveBeenCalledTimes(1);
      const { g } = weightNormOf(layer);
      g.update(tidy(() => mul(g.value, 2)));
      const b = layer.forward(x).toArray();
      expect(calls).toHaveBeenCalledTimes(2);
      b.forEach((v, i) => expect(v - layer.bias!.value.dataSync()[i]).toBeCloseTo(2 * (a[i] - layer.bias!.value.dataSync()[i]), 5));
    });
    expect(() => cached(() => Promise.resolve(1))).toThrow(/cached: fn must be synchronous/);
    x.dispose();
    layer.dispose();
  });
});

describe('reuse outside gradient recording, keyed by the parameters versions', () => {
  function net(): Sequential {
    return new Sequential({ fc1: weightNorm(new Linear(64, 32, { rng: 4 })), act: new ReLU(), fc2: weightNorm(new Linear(32, 4, { rng: 5 })) });
  }
  const act = (model: Sequential, x: Tensor): number[] => noGrad(() => tidy(() => model.forward(x).toArray()));

  it('acting repeatedly computes each weight once; an optimizer step, a load or an assignment invalidates it', () => {
    const model = net().eval();
    const x = new Rng(6).normal([2, 64]);
    const calls = countForward();
    const first = act(model, x);
    expect(calls).toHaveBeenCalledTimes(2);
    const live = memory().tensors;
    for (let i = 0; i < 10; i++) expect(act(model, x)).toEqual(first);
    expect(calls).toHaveBeenCalledTimes(2);
    expect(memory().tensors).toBe(live); // no tensor leaks while reusing

    // an optimizer step bumps the versions: recomputed once, and what the network does changes
    const opt = new Adam(model, { lr: 0.05 });
    const g = weightNormOf(model.get('fc1') as Linear).g;
    const version = g.version;
    trainStep(opt, () => sum(mul(model.forward(x), model.forward(x))));
    expect(g.version).not.toBe(version);
    calls.mockClear();
    const afterStep = act(model, x);
    expect(calls).toHaveBeenCalledTimes(2);
    expect(afterStep).not.toEqual(first);
    // the reused weight is exactly the freshly computed one
    const fresh = net().eval();
    fresh.loadStateDict(model.stateDict());
    expect(act(fresh, x)).toEqual(afterStep);

    // loading state bumps the versions too
    const other = net();
    (other.get('fc2') as Linear).bias!.update(tensor([1, 2, 3, 4]));
    calls.mockClear();
    model.loadStateDict(other.stateDict());
    expect(act(model, x)).toEqual(act(other.eval(), x));
    expect(calls).toHaveBeenCalledTimes(4); // model's two weights, other's two

    // and so does assigning a value
    const { v } = weightNormOf(model.get('fc2') as Linear);
    const oldV = v.value;
    v.value = tidy(() => mul(v.value, 3)); // v's scale does not change w = g·v/‖v‖ …
    oldV.dispose();
    calls.mockClear();
    act(model, x);
    expect(calls).toHaveBeenCalledTimes(1); // … but the cache cannot know: fc2 is recomputed

    opt.dispose();
    for (const m of [model, fresh, other]) m.dispose();
    x.dispose();
  });

  it('a tape that watches the originals records the kept weights (no recomputation, the same gradients); one that does not reuses them', () => {
    const online = net();
    const target = net().eval();
    const x = new Rng(7).normal([2, 64]);
    act(online, x); // fills online's cache
    const calls = countForward();
    const known = vi.spyOn(WeightNorm.prototype, 'forwardKnown');
    const params = online.trainableParameters();
    const withCache = valueAndGrads(() => sum(mul(online.forward(x), tidy(() => target.forward(x)))), params.map((p: Param) => p.value));
    // online's two weights are recorded for the tape from its cache; the target's (not watched) are computed once and reused after
    expect(calls).toHaveBeenCalledTimes(2);
    expect(known).toHaveBeenCalledTimes(2);
    calls.mockClear();
    const again = valueAndGrads(() => sum(mul(online.forward(x), tidy(() => target.forward(x)))), params.map((p: Param) => p.value));
    expect(calls).toHaveBeenCalledTimes(0);
    expect(known).toHaveBeenCalledTimes(4);
    const clean = net();
    const cleanTarget = net().eval();
    const reference = valueAndGrads(() => sum(mul(clean.forward(x), tidy(() => cleanTarget.forward(x)))), clean.trainableParameters().map((p) => p.value));
    withCache.grads.forEach((g, i) => expect(g.toArray()).toEqual(reference.grads[i].toArray()));
    again.grads.forEach((g, i) => expect(g.toArray()).toEqual(reference.grads[i].toArray()));
    dispose([withCache, again, reference]);
    for (const m of [online, target, clean, cleanTarget]) m.dispose();
    x.dispose();
  });

  it('an update right after an action (a DQN frame, inside cached()) records the action\'s weights; after the step they are computed afresh', () => {
    const online = net();
    const fresh = net();
    const x = new Rng(9).normal([4, 64]);
    const opt = new Adam(online, { lr: 0.05 });
    const freshOpt = new Adam(fresh, { lr: 0.05 });
    const loss = (m: Sequential) => () => cached(() => sum(mul(m.forward(x), m.forward(x))));
    const calls = countForward();
    let live = 0;
    for (let frame = 0; frame < 3; frame++) {
      act(online, x); // computes both weights (the step before changed them) and keeps them
      expect(calls).toHaveBeenCalledTimes(2);
      calls.mockClear();
      const value = trainStep(opt, loss(online)); // records the kept weights: no computation
      expect(calls).toHaveBeenCalledTimes(0);
      // the same loss and the same parameters after the step as a network that computes every weight
      expect(value.loss).toBe(trainStep(freshOpt, loss(fresh)).loss);
      calls.mockClear();
      online.trainableParameters().forEach((p, i) => expect(p.value.toArray()).toEqual(fresh.trainableParameters()[i].value.toArray()));
      // nothing leaks from frame to frame (the first frame creates the optimizers' state)
      if (frame === 0) live = memory().tensors;
      else expect(memory().tensors).toBe(live);
    }
    opt.dispose();
    freshOpt.dispose();
    for (const m of [online, fresh]) m.dispose();
    x.dispose();
  });

  it('model.dispose() frees the kept weights', () => {
    const before = memory().tensors;
    const model = net().eval();
    const x = new Rng(8).normal([1, 64]);
    act(model, x);
    model.dispose();
    x.dispose();
    expect(memory().tensors).toBe(before);
  });
});
