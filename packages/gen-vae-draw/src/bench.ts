/**
 * `pnpm bench` for @wn/gen-vae-draw (turbo's `bench` task): both experiments through `compare`,
 * every variant each model is built under (VAE: standard, weightnorm, weightnorm+init; DRAW:
 * standard, weightnorm), one seed — the test ELBO against epochs and against seconds and the
 * training images/s — written to `bench-results/bench.json` for apps/bench's report.
 *
 * `WN_BENCH_MODE=quick` (default): each model's `quick` preset cut to 2 epochs on 1,000 (VAE) or
 * 640 (DRAW) training images and 200 test images, no IW bound; `paper`: the `paper` presets
 * (full MNIST, 100 epochs; DRAW T = 64).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchPoints, type BenchExperiment } from '@wn/runs';
import { finishBench, startBench } from '@wn/runs/node';
import { compare } from './compare.js';
import { loadBinarizedData } from './data/mnist.js';
import { modelEntry, presetArgs, type Args } from './trainer.js';

const run = startBench('@wn/gen-vae-draw');
const quick = run.mode === 'quick';
const tmp = mkdtempSync(join(tmpdir(), 'wn-gen-bench-'));

async function experiment(model: 'vae' | 'draw'): Promise<BenchExperiment> {
  const entry = modelEntry(model);
  const cut: Partial<Args> = quick ? { epochs: 2, trainLimit: model === 'vae' ? 1000 : 640, testLimit: 200, evalK: 0, evalKImages: 0 } : {};
  const outDir = join(tmp, model);
  const args = presetArgs(model, quick ? 'quick' : 'paper', { ...cut, outDir, overwrite: true });
  const data = loadBinarizedData(args);
  const result = await compare({ args, variants: entry.variants, seeds: [1], outDir, data, progress: null, quiet: true });
  console.log(`${model}:\n${result.table}\n`);
  return {
    id: model,
    title: `${model === 'vae' ? 'Convolutional VAE' : 'DRAW'}: test ELBO (nats per image)`,
    settings: `${entry.describe(args.settings)}; ${data.name}, ${data.train.n} training / ${data.test.n} test images, ${args.epochs} epochs, batch ${args.batchSize}, ${args.optimizer} lr ${args.lr}; ${data.binarization}; seed 1`,
    metric: 'test ELBO', better: 'higher', stepLabel: 'epoch', throughputUnit: 'images/s',
    series: result.runs.map((r) => {
      const last = r.result.metrics.at(-1);
      // images per second of training over the run (epochs × images / training seconds)
      const throughput = last ? (last.epoch * data.train.n) / last.seconds : NaN;
      return { name: r.variant, points: benchPoints(r.result.metrics, 'epoch', 'test_elbo'), throughput };
    }),
  };
}

try {
  const experiments = [await experiment('vae'), await experiment('draw')];
  const results = finishBench(run, fileURLToPath(new URL('../bench-results/', import.meta.url)), experiments);
  console.log(`gen-vae-draw bench (${run.mode}): ${results.wallSeconds.toFixed(0)} s`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
