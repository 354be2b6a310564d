/**
 * Exact resume: a short CartPole run (replay wraps around, data init, target copies, time-limit
 * truncations) interrupted at a random frame and resumed ends with the weights, optimizer state,
 * metrics and evaluation returns of a run that never stopped, bit for bit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@wn/tensor';
import { presetArgs, train, type Args, type DqnMetrics } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'wn-dqn-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const args = (outDir: string, over: Partial<Args> = {}): Args => ({
  ...presetArgs('cartpole', 'weightnorm+init'),
  frames: 800, replaySize: 500, batchSize: 16, learningStarts: 200, trainEvery: 1, targetUpdateEvery: 40, tau: 1,
  epsilonFrames: 600, epsilonDelay: 0, initBatch: 64, lr: 1e-3, doubleDqn: true, loss: 'huber',
  evalEpisodes: 3, evalEvery: 400, logEvery: 200, checkpointEvery: 300, outDir, ...over,
});

/** The metrics a resume must reproduce: everything but wall-clock timing. */
const deterministic = (rows: DqnMetrics[]) => rows.map(({ seconds: _s, frames_per_second: _f, updates_per_second: _u, ...rest }) => rest);
const weights = (r: { online: { stateDict(): Record<string, { dataSync(): Float32Array | Float64Array }> } }) =>
  Object.fromEntries(Object.entries(r.online.stateDict()).map(([k, t]) => [k, Array.from(t.dataSync())]));

describe('checkpoint and resume', () => {
  it('an interrupted, resumed run ends bit for bit like an uninterrupted one', async () => {
    const straight = await train(args(join(dir, 'straight')), { progress: null });
    expect(straight.interrupted).toBe(false);

    const stopAt = 201 + new Rng(Date.now() % 1e9).nextInt(500);
    const controller = new AbortController();
    const first = await train(args(join(dir, 'split')), { progress: null, signal: controller.signal, onFrame: (f) => { if (f === stopAt) controller.abort(); } });
    expect(first.interrupted).toBe(true);
    first.online.dispose();
    // a changed setting is refused
    await expect(train(args(join(dir, 'split'), { lr: 2e-3, resume: true }), { progress: null })).rejects.toThrow(/lr/);
    const resumed = await train(args(join(dir, 'split'), { resume: true }), { progress: null });
    expect(resumed.resumed).toBe(true);
    expect(resumed.interrupted).toBe(false);

    expect(deterministic(resumed.metrics)).toEqual(deterministic(straight.metrics));
    expect(resumed.metrics.some((m) => m.eval_return !== undefined)).toBe(true);
    expect(resumed.evalReturns).toEqual(straight.evalReturns);
    expect(weights(resumed)).toEqual(weights(straight));
    expect(resumed.metrics.at(-1)!.updates).toBe(601);
    straight.online.dispose();
    resumed.online.dispose();
  }, 120_000);
});
