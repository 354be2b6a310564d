/**
 * `DqnAgent` (and @wn/rl-dqn/browser, which offers it to pages and workers): it plays by
 * `train`'s rules — the same frames give the same weights, bit for bit — and the browser entry's
 * module graph imports no Node module.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserModuleGraph } from '@wn/tooling/module-graph';
import { afterAll, describe, expect, it } from 'vitest';
import { DqnAgent, make, presetArgs } from '../../src/browser.js';
import { train as trainFromMain } from '../../src/index.js';
import { ChainEnv, chainArgs } from './chain-env.js';


const dir = mkdtempSync(join(tmpdir(), 'wn-dqn-agent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const packagesDir = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

describe('DqnAgent', () => {
  for (const variant of ['standard', 'weightnorm+init'] as const) {
    it(`${variant}: ${600} frames give train's weights bit for bit (exploration, replay, updates, data init, target syncs)`, async () => {
      const args = chainArgs({ variant, frames: 600, learningStarts: 100, epsilonDelay: 100, epsilonFrames: 300, targetUpdateEvery: 10, evalEpisodes: 0, logEvery: 600, outDir: join(dir, variant) });
      const run = await trainFromMain(args, { progress: null, makeEnv: () => new ChainEnv(8) });
      const agent = new DqnAgent(args, new ChainEnv(8));
      let episodes = 0, losses = 0;
      for (let k = 0; k < args.frames; k++) {
        const f = agent.step();
        expect(f.frame).toBe(k + 1);
        if (f.episodeEnded) episodes++;
        if (f.loss !== undefined) losses++;
      }
      expect(agent.updates).toBe(losses);
      expect(agent.updates).toBe(run.metrics.at(-1)!.updates);
      expect(agent.episodes).toBe(episodes);
      expect(agent.episodes).toBe(run.metrics.at(-1)!.episodes);
      expect(agent.dataInitialized).toBe(variant === 'weightnorm+init');
      const want = run.online.stateDict();
      const got = agent.online.stateDict();
      expect(Object.keys(got)).toEqual(Object.keys(want));
      for (const [name, t] of Object.entries(want)) expect(got[name].dataSync(), name).toEqual(t.dataSync());
      run.online.dispose();
      agent.dispose();
    }, 60_000);
  }

  it('plays CartPole from the quick preset and reports finished episodes', () => {
    const agent = new DqnAgent({ ...presetArgs('quick'), learningStarts: 200 }, make('CartPole-v1'));
    const returns: number[] = [];
    for (let k = 0; k < 400; k++) {
      const f = agent.step();
      if (f.episodeEnded) returns.push(f.episodeReturn);
    }
    expect(returns.length).toBe(agent.episodes);
    expect(returns.length).toBeGreaterThan(5); // random play ends episodes after ~20 frames
    expect(returns.every((r) => r >= 1 && Number.isInteger(r))).toBe(true);
    expect(agent.updates).toBe(101); // frames 200, 202, …, 400: one update every 2 frames
    agent.dispose();
  });

  it('refuses bad settings with the field named', () => {
    expect(() => new DqnAgent({ ...presetArgs('quick'), batchSize: 0 }, make('CartPole-v1'))).toThrow(/argument 'batchSize' expected an integer ≥ 1, got 0/);
  });
});

describe('@wn/rl-dqn/browser', () => {
  it('imports nothing from node:* anywhere in its module graph', () => {
    const { files, problems, thirdParty } = browserModuleGraph(join(packagesDir, 'rl-dqn/src/browser.ts'), { packagesDir, browserReadyThirdParty: ['fflate', 'gifenc'] });
    expect(problems).toEqual([]);
    const names = [...files].map((f) => f.slice(packagesDir.length + 1));
    for (const f of ['rl-dqn/src/dqn/agent.ts', 'rl-dqn/src/dqn/settings.ts', 'rl-dqn/src/envs/classic/cartpole.ts', 'layers/src/index.ts']) expect(names).toContain(f);
    expect(names).not.toContain('rl-dqn/src/dqn/dqn.ts');
    expect([...thirdParty].every((p) => p === 'fflate' || p === 'gifenc')).toBe(true);
  });

  it('the main entry does import Node modules (the scan can fail)', () => {
    const { problems } = browserModuleGraph(join(packagesDir, 'rl-dqn/src/index.ts'), { packagesDir, browserReadyThirdParty: ['fflate', 'gifenc'] });
    expect(problems.some((p) => / imports node:fs/.test(p))).toBe(true);
  });

  it('offers no train (it writes run folders)', async () => {
    const entry: Record<string, unknown> = await import('../../src/browser.js');
    expect(entry.train).toBeUndefined();
    expect(typeof entry.DqnAgent).toBe('function');
  });
});
