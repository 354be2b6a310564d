/**
 * `pnpm bench` for @wn/classify (turbo's `bench` task): the parameterization comparison — every
 * parameterization, one seed, the same data and budget — through `compare`, then the test error
 * against epochs and against seconds and the training throughput of each, written to
 * `bench-results/bench.json` for apps/bench's report. `WN_BENCH_MODE=quick` (default): the
 * embedded Fashion-MNIST subset at 1/8 width, 2,000 training images, 3 epochs (a few minutes on
 * 2 cores); `paper`: the paper's CIFAR-10 settings (section 5.1; needs `WN_BENCH_DATA_DIR`, the
 * CIFAR-10 binary batches).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WnError } from '@wn/tensor';
import { VARIANT_NAMES } from '@wn/layers';
import { benchPoints } from '@wn/runs';
import { finishBench, startBench } from '@wn/runs/node';
import { compare } from './compare.js';
import { PAPER_ARGS, QUICK_ARGS, type Args } from './trainer.js';

const run = startBench('@wn/classify');
if (run.mode === 'paper' && !process.env.WN_BENCH_DATA_DIR) {
  throw new WnError('classify bench', 'WN_BENCH_MODE=paper trains on CIFAR-10: WN_BENCH_DATA_DIR expected the folder with its binary batches (data_batch_*.bin, test_batch.bin), got nothing');
}
const args: Args = run.mode === 'quick'
  ? { ...QUICK_ARGS, epochs: 3, testLimit: 500 }
  : { ...PAPER_ARGS, dataDir: process.env.WN_BENCH_DATA_DIR ?? null };
const outDir = mkdtempSync(join(tmpdir(), 'wn-classify-bench-'));
try {
  const result = await compare({ args: { ...args, outDir, overwrite: true }, parameterizations: VARIANT_NAMES, seeds: [1], outDir, progress: null, quiet: true });
  const rowOf = (p: string) => result.rows.find((r) => r.parameterization === p);
  const data = args.dataset === 'embedded' ? 'the embedded Fashion-MNIST subset' : args.dataset;
  const results = finishBench(run, fileURLToPath(new URL('../bench-results/', import.meta.url)), [{
    id: 'classify',
    title: 'Classifier (ConvPool-CNN-C variant): test error',
    settings: `${data}, ${args.trainLimit ?? 'all'} training / ${args.testLimit ?? 'all'} test images, width ${args.width}, ${args.epochs} epochs, batch ${args.batchSize}, Adam (the paper's learning rates), seed 1`,
    metric: 'test error', better: 'lower', stepLabel: 'epoch', throughputUnit: 'images/s',
    series: result.runs.map((r) => ({ name: r.parameterization, points: benchPoints(r.result.metrics, 'epoch', 'test_error'), throughput: rowOf(r.parameterization)?.examples_per_second ?? NaN })),
  }]);
  console.log(`${result.table}\n\nclassify bench (${run.mode}): ${results.wallSeconds.toFixed(0)} s`);
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
