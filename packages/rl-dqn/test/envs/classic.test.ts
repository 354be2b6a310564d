import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AcrobotEnv,
  CARTPOLE_THETA_LIMIT,
  CartPoleEnv,
  MountainCarEnv,
  acrobotRk4,
  acrobotStep,
  cartPoleStep,
  make,
  mountainCarStep,
  wrapAngle,
} from '../../src/index.js';
import { expectWnError, runEpisode } from './helpers.js';

interface Case {
  env: string;
  start: number[];
  actions: number[];
  states: number[][];
}
// Written by scripts/classic_oracle.py: the spec's formulas in Python float64 (no gymnasium here).
const fixture = JSON.parse(readFileSync(new URL('../fixtures/classic-control.json', import.meta.url), 'utf8')) as { cases: Case[] };
const STEP: Record<string, (s: number[], a: number) => number[]> = {
  'CartPole-v1': cartPoleStep,
  'Acrobot-v1': acrobotStep,
  'MountainCar-v0': mountainCarStep,
};

/** Sets a classic env's float64 state mid-episode through the checkpoint interface. */
function placeAt(env: ReturnType<typeof make>, state: number[]): void {
  env.reset({ seed: 0 });
  const s = env.getState();
  env.setState({ ...s, dynamics: { state } });
}

describe('classic control dynamics against the float64 oracle', () => {
  // Each step starts from the oracle's own state, so a last-bit difference cannot compound.
  it.each(fixture.cases.map((c, i) => [`${c.env} #${i}`, c] as const))('%s', (_name, c) => {
    c.actions.forEach((a, t) => {
      const got = STEP[c.env](c.states[t], a);
      const want = c.states[t + 1];
      // Python's libm and V8's may differ in the last bit of sin/cos; nothing else may differ.
      for (let k = 0; k < got.length; k++) expect(Math.abs(got[k] - want[k])).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(want[k])));
    });
  });

  it('the arithmetic order matches the oracle: almost every value is bit-identical', () => {
    for (const env of Object.keys(STEP)) {
      let exact = 0;
      let total = 0;
      for (const c of fixture.cases.filter((k) => k.env === env)) {
        c.actions.forEach((a, t) => {
          const got = STEP[env](c.states[t], a);
          got.forEach((v, k) => {
            total++;
            if (v === c.states[t + 1][k]) exact++;
          });
        });
      }
      expect(exact / total, env).toBeGreaterThan(env === 'Acrobot-v1' ? 0.9 : 0.99);
    }
  });

  it('the env applies the same step and returns float32 observations of the float64 state', () => {
    const env = make('CartPole-v1');
    const c = fixture.cases.find((k) => k.env === 'CartPole-v1') as Case;
    placeAt(env, c.start);
    const r = env.step(c.actions[0]);
    expect(Array.from(r.obs)).toEqual(cartPoleStep(c.start, c.actions[0]).map(Math.fround));
    expect((env as CartPoleEnv).state).toEqual(cartPoleStep(c.start, c.actions[0]));
  });

  it('CartPole: one hand-checked Euler step (positions first, from the old velocities)', () => {
    // From rest with the pole upright, pushing right: θ̈ = −(10/1.1)/(0.5·(4/3 − 0.1/1.1)), ẍ = 10/1.1 − 0.05·θ̈/1.1.
    const temp = 10 / 1.1;
    const thetaAcc = (0 - temp) / (0.5 * (4 / 3 - 0.1 / 1.1));
    const xAcc = temp - (0.05 * thetaAcc) / 1.1;
    const s = cartPoleStep([0, 0, 0, 0], 1);
    expect(s[0]).toBe(0); // x moved with the old (zero) velocity
    expect(s[2]).toBe(0);
    expect(s[1]).toBeCloseTo(0.02 * xAcc, 15);
    expect(s[3]).toBeCloseTo(0.02 * thetaAcc, 15);
    expect(s[3]).toBeCloseTo(-12 / 41, 15); // θ̈ = −(100/11)/(0.5·41/33) = −600/41, times τ
  });

  it('Acrobot: angles wrap into [−π, π] and velocities clip to 4π and 9π', () => {
    expect(wrapAngle(Math.PI + 0.5)).toBeCloseTo(-Math.PI + 0.5, 14);
    expect(wrapAngle(-3 * Math.PI - 0.25)).toBeCloseTo(Math.PI - 0.25, 14);
    const start = [0, 0, 100, -100];
    const free = acrobotRk4(start, 0);
    expect(Math.abs(free[2])).toBeGreaterThan(4 * Math.PI);
    expect(Math.abs(free[3])).toBeGreaterThan(9 * Math.PI);
    const s = acrobotStep(start, 1);
    expect(s[2]).toBe(Math.sign(free[2]) * 4 * Math.PI);
    expect(s[3]).toBe(Math.sign(free[3]) * 9 * Math.PI);
    expect(Math.abs(s[0])).toBeLessThanOrEqual(Math.PI);
    expect(Math.abs(s[1])).toBeLessThanOrEqual(Math.PI);
  });

  it('MountainCar: clips the speed at ±0.07, stops at the left wall', () => {
    expect(mountainCarStep([-0.5, 0.0699], 2)[1]).toBe(0.07);
    expect(mountainCarStep([-1.19, -0.07], 0)).toEqual([-1.2, 0]);
  });
});

describe('classic control termination and truncation', () => {
  it('CartPole terminates strictly beyond ±12° and ±2.4, with reward 1 on that step', () => {
    const env = make('CartPole-v1');
    placeAt(env, [0, 0, CARTPOLE_THETA_LIMIT - 0.02 * 0.5 - 1e-9, 0.5]); // θ += 0.02·0.5 lands just inside
    let r = env.step(0);
    expect((env as CartPoleEnv).state[2]).toBeLessThan(CARTPOLE_THETA_LIMIT);
    expect(r.terminated).toBe(false);
    r = env.step(0);
    expect((env as CartPoleEnv).state[2]).toBeGreaterThan(CARTPOLE_THETA_LIMIT);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(1);
    placeAt(env, [2.39, 1, 0, 0]);
    r = env.step(1);
    expect(r.terminated).toBe(true); // x = 2.39 + 0.02 > 2.4
  });

  it('CartPole truncates at exactly 500 steps, and a balancing controller reaches it', () => {
    const env = make('CartPole-v1') as CartPoleEnv;
    env.reset({ seed: 3 });
    const out = runEpisode(env, () => (env.state[2] + 0.5 * env.state[3] > 0 ? 1 : 0));
    expect(out).toEqual({ ret: 500, length: 500, terminated: false, truncated: true });
  });

  it('CartPole with the Sutton–Barto reward pays 0 per step and −1 on termination', () => {
    const env = make('CartPole-v1', { suttonBartoReward: true });
    env.reset({ seed: 1 });
    const out = runEpisode(env, () => 1);
    expect(out.terminated).toBe(true);
    expect(out.ret).toBe(-1);
  });

  it('Acrobot pays −1 per step, 0 on reaching the height, and truncates at 500', () => {
    const env = make('Acrobot-v1');
    env.reset({ seed: 2 });
    expect(runEpisode(env, () => 1)).toEqual({ ret: -500, length: 500, terminated: false, truncated: true });
    placeAt(env, [Math.PI, 0, 0, 0]); // both links pointing up: −cos θ1 − cos(θ1+θ2) = 2 > 1
    const r = env.step(1);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(0);
  });

  it('MountainCar truncates at 200 and terminates at the flag', () => {
    const env = make('MountainCar-v0');
    env.reset({ seed: 4 });
    expect(runEpisode(env, () => 1)).toEqual({ ret: -200, length: 200, terminated: false, truncated: true });
    placeAt(env, [0.49, 0.02]);
    const r = env.step(2);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(-1);
  });

  it('maxEpisodeSteps overrides the limit; null removes it', () => {
    const env = make('MountainCar-v0', { maxEpisodeSteps: 7 });
    env.reset({ seed: 4 });
    expect(runEpisode(env, () => 1).length).toBe(7);
    const unlimited = make('MountainCar-v0', { maxEpisodeSteps: null });
    unlimited.reset({ seed: 4 });
    for (let t = 0; t < 300; t++) expect(unlimited.step(1).truncated).toBe(false);
    expectWnError(() => make('CartPole-v1', { maxEpisodeSteps: 0 }), 'options.maxEpisodeSteps', 'a positive integer', 'got 0');
  });
});

describe('classic control resets', () => {
  it('start states lie in the documented ranges and depend only on the seed', () => {
    for (let seed = 0; seed < 20; seed++) {
      const cp = new CartPoleEnv('CartPole-v1');
      cp.reset({ seed });
      for (const v of cp.state) expect(Math.abs(v)).toBeLessThan(0.05);
      const ac = new AcrobotEnv('Acrobot-v1');
      ac.reset({ seed });
      for (const v of ac.state) {
        expect(Math.abs(v)).toBeLessThan(0.1);
        expect(Math.fround(v)).toBe(v); // stored as float32, like Gymnasium
      }
      const mc = new MountainCarEnv('MountainCar-v0');
      mc.reset({ seed });
      expect(mc.state[0]).toBeGreaterThanOrEqual(-0.6);
      expect(mc.state[0]).toBeLessThan(-0.4);
      expect(mc.state[1]).toBe(0);
    }
  });

  it('observations are float32 and inside the observation space', () => {
    for (const id of ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0']) {
      const env = make(id);
      const { obs } = env.reset({ seed: 9 });
      expect(obs).toBeInstanceOf(Float32Array);
      expect(env.observationSpace.contains(obs)).toBe(true);
      expect(env.observationSpace.dtype).toBe('float32');
    }
  });
});
