/**
 * `pnpm bench` for @wn/rl-dqn (turbo's `bench` task), written to `bench-results/bench.json` for
 * apps/bench's report:
 *
 * 1. the variant comparison (`compare`: standard, weightnorm, weightnorm+init, one seed) — the
 *    100-episode mean return against frames and against seconds, frames/s of each run;
 * 2. env steps/s of every MinAtar game and the three classic-control envs under a uniformly random
 *    policy (the environments alone, no network);
 * 3. frames/s and updates/s of a short run of the `minatar` preset (Breakout, one update per frame
 *    after the replay start), standard and weight norm, measured over the learning phase only.
 *
 * `WN_BENCH_MODE=quick` (default): CartPole's `quick` preset cut to 30k frames, 1 s per env,
 * 3,000 minatar frames (2,000 of them learning); `paper`: the `minatar` preset on Breakout (5M
 * frames, MinAtar's DQN), 5 s per env, 25,000 minatar frames.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@wn/tensor';
import { benchPoints, type BenchTable } from '@wn/runs';
import { finishBench, readMetricsJsonl, RUN_FILES, startBench } from '@wn/runs/node';
import { compare } from './dqn/compare.js';
import { presetArgs, train, type DqnMetrics, type PresetName } from './dqn/dqn.js';
import { Q_VARIANTS, type QVariant } from './dqn/qnet.js';
import { make } from './envs/registry.js';

const run = startBench('@wn/rl-dqn');
const quick = run.mode === 'quick';
const tmp = mkdtempSync(join(tmpdir(), 'wn-dqn-bench-'));
const ENVS = ['MinAtar/Asterix-v0', 'MinAtar/Breakout-v0', 'MinAtar/Freeway-v0', 'MinAtar/Seaquest-v0', 'MinAtar/SpaceInvaders-v0', 'CartPole-v1', 'Acrobot-v1', 'MountainCar-v0'];

/** Steps/s of `id` under a uniformly random policy for about `seconds`, resetting at episode ends. */
function envSpeed(id: string, seconds: number): (string | number)[] {
  const env = make(id);
  const rng = new Rng(1);
  const n = env.actionSpace.n;
  env.reset({ seed: 1 });
  let steps = 0, episodes = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    for (let i = 0; i < 256; i++) {
      const s = env.step(rng.nextInt(n));
      steps++;
      if (s.terminated || s.truncated) { episodes++; env.reset(); }
    }
  }
  const elapsed = (performance.now() - t0) / 1000;
  return [id, Math.round(steps / elapsed), steps, episodes];
}

/** A short `minatar` preset run: frames/s and updates/s over the learning phase (after the replay start). */
async function minatarSpeed(variant: QVariant, frames: number, learningStarts: number): Promise<(string | number)[]> {
  const args = { ...presetArgs('minatar', variant), frames, learningStarts, epsilonDelay: learningStarts, logEvery: learningStarts, evalEpisodes: 0, checkpointEvery: frames, outDir: join(tmp, `minatar-${variant}`) };
  const r = await train(args, { progress: null, quiet: true });
  r.online.dispose();
  const from = r.metrics.find((m) => m.frame === learningStarts), to = r.metrics.at(-1);
  if (!from || !to) throw new Error(`minatar bench: no metrics rows at frame ${learningStarts} and at the end`);
  const dt = to.seconds - from.seconds;
  return [variant, args.env, Math.round((to.frame - from.frame) / dt), Math.round((to.updates - from.updates) / dt), to.frame - from.frame, args.batchSize];
}

try {
  // 1. the comparison
  const preset: PresetName = quick ? 'quick' : 'minatar';
  const overrides = quick ? { frames: 30_000, evalEpisodes: 5 } : {};
  const outDir = join(tmp, 'compare');
  const cmp = await compare({ preset, overrides, variants: Q_VARIANTS, seeds: [1], outDir, overwrite: true, progress: null, quiet: true });
  const base = { ...presetArgs(preset), ...overrides };
  const series = Q_VARIANTS.map((v) => ({
    name: v,
    points: benchPoints(readMetricsJsonl<DqnMetrics>(join(outDir, v, 'seed-1', RUN_FILES.metrics)), 'frame', 'return_mean100'),
    throughput: cmp.rows.find((r) => r.variant === v)?.frames_per_second ?? NaN,
  }));

  // 2. env steps/s, 3. minatar training speed
  const perEnv = quick ? 1 : 5;
  const envRows = ENVS.map((id) => envSpeed(id, perEnv));
  const [frames, starts] = quick ? [3_000, 1_000] : [25_000, 5_000];
  const minatarRows = [await minatarSpeed('standard', frames, starts), await minatarSpeed('weightnorm', frames, starts)];
  const tables: BenchTable[] = [
    { title: 'Environment steps/s (uniformly random policy)', columns: ['env', 'steps/s', 'steps', 'episodes'], rows: envRows, note: `each env stepped for about ${perEnv} s with uniformly random actions (seeded), resetting at episode ends; MinAtar with its defaults (sticky actions 0.1, difficulty ramping)` },
    { title: 'minatar preset: training speed', columns: ['variant', 'env', 'frames/s', 'updates/s', 'frames timed', 'batch'], rows: minatarRows, note: `${frames} frames of the minatar preset (MinAtar's DQN: one update per frame, batch 32, centered RMSProp), timed over the ${frames - starts} frames after the replay start at ${starts} (environment, replay, action selection, updates and target copies)` },
  ];
  const results = finishBench(run, fileURLToPath(new URL('../bench-results/', import.meta.url)), [{
    id: 'dqn', title: `DQN on ${base.env}: mean return of the last 100 episodes`,
    settings: `${preset} preset, ${base.frames.toLocaleString('en-US')} frames, batch ${base.batchSize}, ${base.optimizer} lr ${base.lr}, seed 1`,
    metric: '100-episode mean return', better: 'higher', stepLabel: 'frames', throughputUnit: 'frames/s', series,
  }], tables);
  console.log(`${cmp.table}\n\nrl-dqn bench (${run.mode}): ${results.wallSeconds.toFixed(0)} s`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
