// Random-policy returns against minatar.md §3.7 (the reference code, uniform over 6 actions,
// sticky 0.1): our mean must lie within 3 combined standard errors of the published one.
import { describe, expect, it } from 'vitest';
import { make } from '../../src/index.js';
import { meanAndStderr, randomPolicy, runEpisode } from './helpers.js';

const SPEC: Record<string, { mean: number; stderr: number; length: number }> = {
  Asterix: { mean: 0.44, stderr: 0.05, length: 68 },
  Breakout: { mean: 0.51, stderr: 0.04, length: 11 },
  Freeway: { mean: 0.17, stderr: 0.08, length: 2501 },
  Seaquest: { mean: 0.12, stderr: 0.02, length: 30 },
  SpaceInvaders: { mean: 2.9, stderr: 0.14, length: 53 },
};
const EPISODES = 300;

describe('random-policy returns match the reference (300 episodes each)', () => {
  it.each(Object.keys(SPEC))('%s', (game) => {
    const env = make(`MinAtar/${game}-v0`);
    const policy = randomPolicy(6, 2024);
    const returns: number[] = [];
    const lengths: number[] = [];
    env.reset({ seed: 11 });
    for (let e = 0; e < EPISODES; e++) {
      if (e > 0) env.reset();
      const { ret, length } = runEpisode(env, policy);
      returns.push(ret);
      lengths.push(length);
    }
    const ours = meanAndStderr(returns);
    const spec = SPEC[game];
    const combined = Math.hypot(ours.stderr, spec.stderr);
    expect(Math.abs(ours.mean - spec.mean), `${game}: ${ours.mean.toFixed(3)} ± ${ours.stderr.toFixed(3)}`).toBeLessThanOrEqual(3 * combined);
    // Episode lengths: the reference reports means only; ours must be within 15 %.
    const meanLength = lengths.reduce((a, b) => a + b, 0) / EPISODES;
    expect(Math.abs(meanLength - spec.length) / spec.length).toBeLessThan(0.15);
    console.log(`${game}: return ${ours.mean.toFixed(3)} ± ${ours.stderr.toFixed(3)} (spec ${spec.mean} ± ${spec.stderr}), length ${meanLength.toFixed(1)}`);
  });
});
