import { WnError } from '@wn/tensor';
import { describe, expect, it } from 'vitest';
import { Breakout, MinAtarEnv, closestEnvId, listEnvs, make, type Env } from '../../src/index.js';
import { expectWnError, randomPolicy } from './helpers.js';

const IDS = listEnvs();

/** Observations and rewards of `steps` random steps (resetting at episode ends). */
function trajectory(env: Env, seed: number, steps: number, policySeed = 1): string[] {
  const policy = randomPolicy(env.actionSpace.n, policySeed);
  const out = [Array.from(env.reset({ seed }).obs).join(',')];
  for (let t = 0; t < steps; t++) {
    const r = env.step(policy());
    out.push(`${Array.from(r.obs).join(',')}|${r.reward}|${r.terminated}|${r.truncated}`);
    if (r.terminated || r.truncated) out.push(Array.from(env.reset().obs).join(','));
  }
  return out;
}

describe('registry', () => {
  it('lists Gymnasium and MinAtar ids', () => {
    expect(IDS).toEqual([
      'CartPole-v1',
      'Acrobot-v1',
      'MountainCar-v0',
      ...['Asterix', 'Breakout', 'Freeway', 'Seaquest', 'SpaceInvaders'].flatMap((g) => [`MinAtar/${g}-v0`, `MinAtar/${g}-v1`]),
    ]);
  });

  it('-v0 has all 6 actions, -v1 the minimal sets; observations are C channels of 10 × 10', () => {
    const sizes = Object.fromEntries(IDS.map((id) => [id, make(id).actionSpace.n]));
    expect(sizes).toMatchObject({
      'CartPole-v1': 2,
      'Acrobot-v1': 3,
      'MountainCar-v0': 3,
      'MinAtar/Breakout-v0': 6,
      'MinAtar/Breakout-v1': 3,
      'MinAtar/Asterix-v1': 5,
      'MinAtar/Freeway-v1': 3,
      'MinAtar/Seaquest-v1': 6,
      'MinAtar/SpaceInvaders-v1': 4,
    });
    const channels = { Breakout: 4, Asterix: 4, Freeway: 7, Seaquest: 10, SpaceInvaders: 6 };
    for (const [game, c] of Object.entries(channels)) {
      const env = make(`MinAtar/${game}-v0`);
      expect(env.observationSpace.shape).toEqual([10, 10, c]);
      expect(env.observationSpace.dtype).toBe('uint8');
      const { obs } = env.reset({ seed: 0 });
      expect(obs).toBeInstanceOf(Uint8Array);
      expect(env.observationSpace.contains(obs)).toBe(true);
    }
  });

  it('an unknown id names the known ones and suggests the closest', () => {
    expectWnError(() => make('CartPole-v0'), "argument 'id'", "got 'CartPole-v0'", "did you mean 'CartPole-v1'");
    expectWnError(() => make('MinAtar/breakout'), "did you mean 'MinAtar/Breakout-v0'");
    expect(closestEnvId('spaceinvaders-v1')).toBe('MinAtar/SpaceInvaders-v1');
  });

  it('rejects options the env does not have and bad option values', () => {
    expectWnError(() => make('CartPole-v1', { stickyActionProb: 0.2 }), 'options', "'stickyActionProb'");
    expectWnError(() => make('MinAtar/Breakout-v0', { stickyActionProb: 1.5 }), 'options.stickyActionProb', 'a probability in [0, 1]', '1.5');
    expectWnError(() => make('MinAtar/Breakout-v0', { layout: 'nhwc' as 'hwc' }), 'options.layout', "'nhwc'");
    expectWnError(() => make('CartPole-v1', { suttonBartoReward: 1 as unknown as boolean }), 'options.suttonBartoReward', 'a boolean', 'got 1');
  });
});

describe('actions and episode status', () => {
  it('an action outside the space, a non-integer or a non-number fails naming the argument', () => {
    const env = make('MinAtar/Breakout-v1');
    env.reset({ seed: 0 });
    expectWnError(() => env.step(3), "argument 'action'", 'an integer action in [0, 2]', 'got 3');
    expectWnError(() => env.step(-1), 'got -1');
    expectWnError(() => env.step(1.5), 'got 1.5');
    expectWnError(() => env.step(NaN), 'got NaN');
    expectWnError(() => env.step('1' as unknown as number), "got '1'");
    const cp = make('CartPole-v1');
    cp.reset({ seed: 0 });
    expectWnError(() => cp.step(2), 'CartPole-v1.step', "argument 'action'", 'an integer action in [0, 1]', 'got 2');
  });

  it('step before reset and step after the end of an episode fail until reset', () => {
    const env = make('MountainCar-v0', { maxEpisodeSteps: 3 });
    expectWnError(() => env.step(0), 'MountainCar-v0.step', 'call reset() first', 'an env never reset');
    env.reset({ seed: 0 });
    env.step(0);
    env.step(0);
    expect(env.step(0).truncated).toBe(true);
    expectWnError(() => env.step(0), 'an episode that has ended');
    env.reset();
    expect(env.step(0).truncated).toBe(false);
  });

  it('a bad seed fails clearly', () => {
    expectWnError(() => make('CartPole-v1').reset({ seed: 1.5 }), "argument 'options.seed'", 'got 1.5');
  });
});

describe('seeding', () => {
  it.each(IDS.filter((id) => !id.endsWith('-v1') || id.startsWith('CartPole') || id.startsWith('Acrobot')))('%s: same seed → same trajectory', (id) => {
    const a = trajectory(make(id), 42, 300);
    const b = trajectory(make(id), 42, 300);
    expect(a).toEqual(b);
    const c = trajectory(make(id), 43, 300);
    expect(c).not.toEqual(a);
  });

  it('reset without a seed continues the generator; an unseeded first reset uses seed 0', () => {
    const a = make('CartPole-v1');
    const first = Array.from(a.reset().obs);
    const second = Array.from(a.reset().obs);
    expect(second).not.toEqual(first);
    expect(Array.from(make('CartPole-v1').reset({ seed: 0 }).obs)).toEqual(first);
  });
});

describe('sticky actions', () => {
  it('with probability 1 the last executed action repeats forever, across resets', () => {
    const env = make('MinAtar/Breakout-v0', { stickyActionProb: 1 }) as MinAtarEnv;
    env.reset({ seed: 0 });
    const game = env.game as Breakout;
    for (let t = 0; t < 5; t++) env.step(3); // right is never executed: no-op repeats
    expect(game.paddle).toBe(4);
    expect(env.lastAction).toBe(0);
  });

  it('the last action survives reset (the reference does not clear it)', () => {
    const env = make('MinAtar/Breakout-v0', { stickyActionProb: 0 }) as MinAtarEnv;
    env.reset({ seed: 0 });
    env.step(1);
    env.reset();
    expect(env.lastAction).toBe(1);
    expect(env.getState().dynamics.lastAction).toBe(1);
  });

  it('about 10 % of chosen actions are replaced by the previous one by default', () => {
    const env = make('MinAtar/Freeway-v0') as MinAtarEnv;
    env.reset({ seed: 0 });
    let replaced = 0;
    let previous = env.lastAction;
    for (let t = 0; t < 2000; t++) {
      const chosen = t % 2 === 0 ? 1 : 3; // alternate so a repeat is visible
      env.step(chosen);
      if (env.lastAction !== chosen && env.lastAction === previous) replaced++;
      previous = env.lastAction;
    }
    expect(replaced / 2000).toBeGreaterThan(0.07);
    expect(replaced / 2000).toBeLessThan(0.13);
  });
});

describe('observation layout', () => {
  it("'chw' is the transpose of 'hwc'", () => {
    const hwc = make('MinAtar/Seaquest-v0');
    const chw = make('MinAtar/Seaquest-v0', { layout: 'chw' });
    expect(chw.observationSpace.shape).toEqual([10, 10, 10]);
    const a = hwc.reset({ seed: 3 }).obs;
    const b = chw.reset({ seed: 3 }).obs;
    for (let c = 0; c < 10; c++) for (let i = 0; i < 100; i++) expect(b[c * 100 + i]).toBe(a[i * 10 + c]);
    expect(Array.from(a).reduce((s, v) => s + v, 0)).toBeGreaterThan(0);
  });
});

describe('checkpointing', () => {
  it.each(IDS.filter((id) => id.endsWith('-v0') || id.endsWith('-v1')))('%s: a JSON round trip mid-episode continues identically', (id) => {
    const env = make(id);
    const policy = randomPolicy(env.actionSpace.n, 7);
    env.reset({ seed: 5 });
    for (let t = 0; t < 37; t++) {
      const r = env.step(policy());
      if (r.terminated || r.truncated) env.reset();
    }
    const saved = JSON.parse(JSON.stringify(env.getState()));
    const copy = make(id);
    copy.setState(saved);
    const actions = Array.from({ length: 400 }, () => policy());
    const run = (e: Env) =>
      actions.map((a) => {
        const r = e.step(a);
        const line = `${Array.from(r.obs).join('')}|${r.reward}|${r.terminated}|${r.truncated}`;
        if (r.terminated || r.truncated) e.reset();
        return line;
      });
    expect(run(copy)).toEqual(run(env));
    expect(copy.getState()).toEqual(env.getState());
  });

  it('a corrupt state fails naming the field and leaves the env unchanged', () => {
    const env = make('MinAtar/Seaquest-v0');
    env.reset({ seed: 1 });
    const good = env.getState();
    const bad = JSON.parse(JSON.stringify(good));
    bad.dynamics.game.subX = 12;
    expectWnError(() => env.setState(bad), 'MinAtar/Seaquest-v0.setState', "'state.dynamics.game.subX'", 'an integer in [0, 9]', 'got 12');
    expect(env.getState()).toEqual(good);
    expectWnError(() => env.setState({ ...good, id: 'MinAtar/Breakout-v0' }), "'state.id'");
    expectWnError(() => env.setState({ ...good, rng: { seed: 1, stream: -1 } }), 'state.stream');
    expectWnError(() => env.setState(null), "'state'", 'an object', 'null');
    expectWnError(() => make('CartPole-v1').setState({ ...make('CartPole-v1').getState(), status: 'running', dynamics: { state: [0, 0, NaN, 0] } }), 'state.dynamics.state');
  });

  it('a restored ended episode still refuses to step', () => {
    const env = make('MountainCar-v0', { maxEpisodeSteps: 1 });
    env.reset({ seed: 0 });
    env.step(0);
    const copy = make('MountainCar-v0', { maxEpisodeSteps: 1 });
    copy.setState(env.getState());
    expect(() => copy.step(0)).toThrow(WnError);
  });
});

describe('render', () => {
  it('MinAtar: each channel a colour, 16-pixel cells by default', () => {
    const env = make('MinAtar/Breakout-v0') as MinAtarEnv;
    env.reset({ seed: 0 });
    const frame = env.render();
    expect([frame.width, frame.height, frame.data.length]).toEqual([160, 160, 160 * 160 * 3]);
    const px = (cellY: number, cellX: number) => Array.from(frame.data.slice(((cellY * 16 + 8) * 160 + cellX * 16 + 8) * 3, ((cellY * 16 + 8) * 160 + cellX * 16 + 8) * 3 + 3));
    const paddle = px(9, 4);
    const brick = px(1, 0);
    const empty = px(6, 6);
    expect(empty).toEqual([0, 0, 0]);
    expect(paddle).not.toEqual(empty);
    expect(brick).not.toEqual(paddle);
    expect(px(2, 7)).toEqual(brick);
    const small = make('MinAtar/Breakout-v0', { renderScale: 2 });
    small.reset({ seed: 0 });
    expect(small.render().width).toBe(20);
  });

  it('classic control: the cart, the links and the car are drawn where the state puts them', () => {
    const cp = make('CartPole-v1');
    cp.reset({ seed: 0 });
    cp.setState({ ...cp.getState(), dynamics: { state: [1.2, 0, 0, 0] } });
    const f = cp.render();
    expect([f.width, f.height]).toEqual([600, 400]);
    const at = (fr: typeof f, x: number, y: number) => Array.from(fr.data.slice((y * fr.width + x) * 3, (y * fr.width + x) * 3 + 3));
    expect(at(f, 430, 308)).toEqual([0, 0, 0]); // cart centred at x = 1.2·125 + 300
    expect(at(f, 150, 308)).toEqual([255, 255, 255]);
    expect(at(f, 450, 200)).toEqual([202, 152, 101]); // the upright pole above the cart
    const ac = make('Acrobot-v1');
    ac.reset({ seed: 0 });
    ac.setState({ ...ac.getState(), dynamics: { state: [0, 0, 0, 0] } });
    const g = ac.render();
    expect(at(g, 250, 250 + 80)).toEqual([0, 204, 204]); // hanging straight down
    expect(at(g, 250, 250 - 80)).toEqual([255, 255, 255]);
    const mc = make('MountainCar-v0');
    mc.reset({ seed: 0 });
    const h = mc.render();
    expect([h.width, h.height]).toEqual([600, 400]);
    expect(h.data.some((v) => v === 0)).toBe(true);
  });
});
