import { describe, expect, it } from 'vitest';
import { make, makeVec } from '../../src/index.js';
import { expectWnError, randomPolicy } from './helpers.js';

describe('makeVec', () => {
  it('batches the observations of n envs seeded seed + i', () => {
    const vec = makeVec('MinAtar/Breakout-v0', 3, { seed: 10 });
    expect(vec.observationSpace.shape).toEqual([3, 10, 10, 4]);
    const { obs } = vec.reset();
    expect(obs).toBeInstanceOf(Uint8Array);
    expect(obs.length).toBe(3 * 400);
    for (let i = 0; i < 3; i++) {
      const single = make('MinAtar/Breakout-v0').reset({ seed: 10 + i }).obs;
      expect(Array.from(obs.subarray(i * 400, (i + 1) * 400))).toEqual(Array.from(single));
    }
    const cp = makeVec('CartPole-v1', 2, { seed: 0 }).reset().obs;
    expect(cp).toBeInstanceOf(Float32Array);
    expect(cp.length).toBe(8);
  });

  it("'next-step' autoreset: the ending step returns the last observation, the next one resets", () => {
    const vec = makeVec('MountainCar-v0', 2, { seed: 0, maxEpisodeSteps: 3 });
    vec.reset();
    const reference = make('MountainCar-v0', { maxEpisodeSteps: 3 });
    reference.reset({ seed: 0 });
    let last;
    for (let t = 0; t < 3; t++) {
      last = vec.step([1, 1]);
      const r = reference.step(1);
      expect(Array.from(last.obs.subarray(0, 2))).toEqual(Array.from(r.obs));
    }
    expect(Array.from(last!.truncated)).toEqual([1, 1]);
    expect(last!.info.episodes).toEqual([
      { env: 0, return: -3, length: 3, terminated: false, truncated: true },
      { env: 1, return: -3, length: 3, terminated: false, truncated: true },
    ]);
    const next = vec.step([2, 2]); // actions ignored: this step resets
    expect(Array.from(next.info.autoreset)).toEqual([1, 1]);
    expect(Array.from(next.rewards)).toEqual([0, 0]);
    expect(Array.from(next.truncated)).toEqual([0, 0]);
    expect(Array.from(next.obs.subarray(0, 2))).toEqual(Array.from(reference.reset().obs));
    expect(next.obs[1]).toBe(0); // a fresh MountainCar start has zero velocity
    const after = vec.step([1, 1]);
    expect(Array.from(after.info.autoreset)).toEqual([0, 0]);
    expect(Array.from(after.rewards)).toEqual([-1, -1]);
  });

  it("'same-step' autoreset: the ending step returns the new episode's start and the final observation apart", () => {
    const vec = makeVec('MountainCar-v0', 1, { seed: 0, maxEpisodeSteps: 2, autoreset: 'same-step' });
    const reference = make('MountainCar-v0', { maxEpisodeSteps: 2 });
    vec.reset();
    reference.reset({ seed: 0 });
    vec.step([0]);
    reference.step(0);
    const end = vec.step([0]);
    const refEnd = reference.step(0);
    expect(Array.from(end.info.final)).toEqual([1]);
    expect(Array.from(end.info.finalObs!)).toEqual(Array.from(refEnd.obs));
    expect(Array.from(end.obs)).toEqual(Array.from(reference.reset().obs));
    expect(end.rewards[0]).toBe(-1);
    expect(end.truncated[0]).toBe(1);
  });

  it('mixes episode ends across envs and reports each finished episode once', () => {
    const vec = makeVec('CartPole-v1', 4, { seed: 1 });
    vec.reset();
    const policy = randomPolicy(2, 3);
    let total = 0;
    let lengths = 0;
    let resets = 0;
    for (let t = 0; t < 400; t++) {
      const r = vec.step([policy(), policy(), policy(), policy()]);
      total += r.info.episodes.length;
      lengths += r.info.episodes.reduce((s, e) => s + e.length, 0);
      resets += r.info.autoreset.reduce((s, v) => s + v, 0);
      for (const e of r.info.episodes) expect(e.return).toBe(e.length);
    }
    expect(total).toBeGreaterThan(40); // random CartPole episodes last ~22 steps
    expect(resets).toBeGreaterThanOrEqual(total - 4);
    expect(lengths + resets).toBeLessThanOrEqual(1600);
  });

  it('checkpoints: a JSON round trip continues identically', () => {
    const vec = makeVec('MinAtar/SpaceInvaders-v0', 3, { seed: 4 });
    vec.reset();
    const policy = randomPolicy(6, 9);
    for (let t = 0; t < 80; t++) vec.step([policy(), policy(), policy()]);
    const copy = makeVec('MinAtar/SpaceInvaders-v0', 3, { seed: 99 });
    copy.setState(JSON.parse(JSON.stringify(vec.getState())));
    for (let t = 0; t < 200; t++) {
      const actions = [policy(), policy(), policy()];
      const a = vec.step(actions);
      const b = copy.step(actions);
      expect(Array.from(b.obs)).toEqual(Array.from(a.obs));
      expect(Array.from(b.rewards)).toEqual(Array.from(a.rewards));
      expect(b.info.episodes).toEqual(a.info.episodes);
    }
  });

  it('bad arguments fail naming them', () => {
    expectWnError(() => makeVec('CartPole-v1', 0), "argument 'n'", 'a positive integer', 'got 0');
    expectWnError(() => makeVec('CartPole-v1', 2, { autoreset: 'never' as 'same-step' }), 'options.autoreset');
    const vec = makeVec('CartPole-v1', 2);
    expectWnError(() => vec.step([0, 0]), 'VectorEnv.step', 'reset');
    vec.reset();
    expectWnError(() => vec.step([0]), "argument 'actions'", 'an array of 2 actions', 'got [0]');
    expectWnError(() => vec.step([0, 5]), "argument 'actions[1]'", 'got 5');
  });
});
