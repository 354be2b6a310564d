/** Generator positions a checkpoint saves: Dropout / GaussianNoise runs resume bit for bit. */
import { describe, expect, it } from 'vitest';
import { Rng, softmaxCrossEntropy, tensor, tidy, WnError, type Tensor } from '@wn/tensor';
import {
  Adam, Dropout, GaussianNoise, Linear, loadOptimizerState, loadRandomState, loadState, randomState, ReLU, saveOptimizerState, saveState,
  Sequential, trainStep, weightNorm, type RandomState,
} from '../src/index.js';

/** A tiny MLP with input noise and dropout (one weight-normalized layer), fully seeded. */
function mlp(seed: number): Sequential {
  return new Sequential({
    noise: new GaussianNoise(0.3, { rng: new Rng(seed, 1) }),
    fc1: weightNorm(new Linear(6, 16, { rng: new Rng(seed, 2) })),
    act: new ReLU(),
    drop: new Dropout(0.5, { rng: new Rng(seed, 3) }),
    fc2: new Linear(16, 3, { rng: new Rng(seed, 4) }),
  });
}

const data = (() => {
  const rng = new Rng(11);
  const xs = rng.normalArray(32 * 6);
  const labels = Array.from({ length: 32 }, (_, i) => (xs[6 * i] + xs[6 * i + 1] > 0 ? (xs[6 * i + 2] > 0 ? 2 : 1) : 0));
  return { xs, labels };
})();

function step(model: Sequential, opt: Adam): void {
  const x = tensor(data.xs, [32, 6]);
  trainStep(opt, () => softmaxCrossEntropy(model.forward(x), data.labels));
  x.dispose();
}

const weights = (model: Sequential): number[][] => Object.values(model.stateDict()).map((t: Tensor) => Array.from(t.dataSync()));

/** Model, optimizer and generator positions as bytes (the random state travels as metadata). */
function checkpoint(model: Sequential, opt: Adam): { model: Uint8Array; optim: Uint8Array } {
  return { model: saveState(model, { random: JSON.stringify(randomState(model)) }), optim: saveOptimizerState(opt) };
}

function resume(bytes: { model: Uint8Array; optim: Uint8Array }, options: { random: boolean }): { model: Sequential; opt: Adam } {
  const model = mlp(99); // a fresh model, built from another seed: everything must come from the bytes
  const opt = new Adam(model, { lr: 0.01 });
  const meta = loadState(model, bytes.model)!;
  loadOptimizerState(opt, bytes.optim);
  if (options.random) loadRandomState(model, JSON.parse(meta.random) as unknown);
  return { model, opt };
}

describe('randomState / loadRandomState', () => {
  it('training with dropout and noise, interrupted at a random step and resumed from bytes, ends bit-identical', () => {
    const total = 12;
    const k = 1 + new Rng(2024).nextInt(total - 1); // the interruption step, in [1, total)
    const straight = mlp(5);
    const straightOpt = new Adam(straight, { lr: 0.01 });
    for (let t = 0; t < total; t++) step(straight, straightOpt);

    const first = mlp(5);
    const firstOpt = new Adam(first, { lr: 0.01 });
    for (let t = 0; t < k; t++) step(first, firstOpt);
    const bytes = checkpoint(first, firstOpt);

    const resumed = resume(bytes, { random: true });
    for (let t = k; t < total; t++) step(resumed.model, resumed.opt);
    expect(weights(resumed.model)).toEqual(weights(straight)); // toEqual compares numbers with Object.is

    // without the generator positions the masks differ, and so do the weights
    const blind = resume(bytes, { random: false });
    for (let t = k; t < total; t++) step(blind.model, blind.opt);
    expect(weights(blind.model)).not.toEqual(weights(straight));
    for (const m of [straight, first, resumed.model, blind.model]) m.dispose();
  });

  it('names every generator by its field path and reads plain JSON positions', () => {
    const model = mlp(1);
    expect(randomState(model)).toEqual({ 'noise.rng': { seed: new Rng(1, 1).seed, stream: 0 }, 'drop.rng': { seed: new Rng(1, 3).seed, stream: 0 } });
    tidy(() => model.forward(tensor(data.xs, [32, 6])));
    expect(Object.values(randomState(model)).map((s) => s.stream)).toEqual([1, 1]);
    model.eval();
    tidy(() => model.forward(tensor(data.xs, [32, 6])));
    expect(Object.values(randomState(model)).map((s) => s.stream)).toEqual([1, 1]); // eval mode draws nothing
    model.dispose();
  });

  it('rejects a state that does not fit, naming the path, and changes nothing', () => {
    const model = mlp(1);
    const good = randomState(model);
    const bad: [unknown, RegExp][] = [
      [null, /expected an object of generator positions by path, got null/],
      [[good], /got an array/],
      [{ 'noise.rng': good['noise.rng'] }, /missing 'drop.rng'/],
      [{ ...good, 'fc1.rng': { seed: 1, stream: 0 } }, /unexpected 'fc1.rng'/],
      [{ ...good, 'drop.rng': { seed: 1, stream: -2 } }, /'drop.rng': Rng.fromState: argument 'state.stream' expected a non-negative safe integer, got -2/],
    ];
    const rngBefore = (model.get('noise') as GaussianNoise).rng;
    for (const [state, message] of bad) {
      expect(() => loadRandomState(model, state)).toThrow(WnError);
      expect(() => loadRandomState(model, state)).toThrow(message);
    }
    expect((model.get('noise') as GaussianNoise).rng).toBe(rngBefore);
    model.dispose();
  });

  it('layers sharing one generator keep sharing it; positions that disagree are refused', () => {
    const shared = new Rng(7);
    const model = new Sequential({ a: new Dropout(0.5, { rng: shared }), b: new Dropout(0.5, { rng: shared }) });
    tidy(() => model.forward(tensor([1, 2, 3, 4], [2, 2])));
    const state: RandomState = randomState(model);
    expect(state['a.rng']).toEqual({ seed: 7, stream: 2 });
    loadRandomState(model, JSON.parse(JSON.stringify(state)) as unknown);
    const [a, b] = [model.get('a') as Dropout, model.get('b') as Dropout];
    expect(a.rng).toBe(b.rng);
    expect(a.rng.state()).toEqual({ seed: 7, stream: 2 });
    expect(() => loadRandomState(model, { 'a.rng': { seed: 7, stream: 2 }, 'b.rng': { seed: 7, stream: 3 } })).toThrow(/'b.rng' and 'a.rng' share one generator but were saved at different positions/);
    model.dispose();
  });
});
