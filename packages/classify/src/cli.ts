/**
 * wn-classify: train the paper's CIFAR-10 classifier under one parameterization (`train`) or
 * compare all of them on the same budget (`compare`, the default and the repository's main job).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createWasmBackend, ENGINE, getBackend, registerBackend, setBackend } from '@wn/tensor';
import { isVariantName, VARIANT_NAMES, type VariantName } from '@wn/layers';
import { compare } from './compare.js';
import { DATASETS, isDatasetName, loadClassificationData } from './datasets.js';
import { scaledChannels } from './model.js';
import { formatDuration } from './progress.js';
import { COMPARE_ARGS, PAPER_ARGS, QUICK_ARGS, train, type Args } from './trainer.js';

const USAGE = `Usage: wn-classify [compare|train] [options]

  compare   train every parameterization on the same data and budget, then print a table and
            write learning-curve charts (default; the repository's \`pnpm start\`)
  train     train one parameterization

Data
  --dataset NAME        ${DATASETS.join(' | ')} (default: embedded, the Fashion-MNIST subset
                        that ships with @wn/data; fashion-mnist reads Debian's
                        /usr/share/datasets/fashion-mnist; cifar10 needs --data-dir)
  --data-dir PATH       folder with the dataset's files
  --train-limit N       use N training images, class-balanced (0: all)
  --test-limit N        use N test images (0: all)
  --zca / --no-zca      ZCA-whiten inputs (paper: on for CIFAR-10)
  --data-label TEXT     how charts and tables name the data (e.g. "CIFAR-10 (10k train, JPEG-q75)")

Model and training
  --preset NAME         quick (default: scaled down for a 2-core CPU) | paper (the paper's settings)
  --param LIST          parameterizations, comma-separated (compare default: all of
                        ${VARIANT_NAMES.join(', ')}; train default: weightnorm+init)
  --width W             channel multiplier, e.g. 1/8 or 0.125 (1: the paper's 96/192 channels)
  --epochs N            epochs (learning rate flat for the first half, then linear to 0)
  --epoch-steps N       make an epoch N update steps instead of one pass over the training set
                        (evaluate and checkpoint every N steps on large datasets; 0: one pass)
  --batch-size N        minibatch size (paper: 100)
  --lr X                Adam learning rate (default: 0.003, or 0.0003 for standard)
  --beta1-decay X       Adam β1 once the learning rate starts to decay (paper: 0.5; 0.9 keeps it)
  --init-batch N        images in the data-dependent init batch (paper: 500)
  --output-init-scale X data init's target std for the output layer (paper: 1, as every layer)
  --ema                 also evaluate with parameter averages (Polyak)
  --eval-train N        also evaluate on N training images in eval mode each epoch
  --seed N              random seed (default 1)
  --seeds LIST          compare: several seeds, comma-separated (curves are averaged)

Run
  --out DIR             output folder (default: runs/compare-<dataset> or runs/<dataset>-<param>-seed<N>)
  --resume              continue from the checkpoints in --out
  --backend NAME        tensor backend (registered: ${'$BACKENDS'})
  --threads N           worker threads for the wasm backend (default: one per core, at most 4)
  --quiet               no progress output
  -h, --help            this text

Ctrl-C saves a checkpoint and exits; run the same command with --resume to continue exactly.`;

function usage(): string {
  return USAGE.replace('$BACKENDS', ENGINE.registeredBackends().join(', '));
}

function parseNumber(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(-?[\d.]+(?:e-?\d+)?)\s*(?:\/\s*([\d.]+))?\s*$/i.exec(v);
  const x = m ? Number(m[1]) / (m[2] ? Number(m[2]) : 1) : NaN;
  if (!Number.isFinite(x)) throw new Error(`--${name}: expected a number, got '${v}'`);
  return x;
}

function parseCount(name: string, v: string | undefined, allowZero = false): number | undefined {
  const x = parseNumber(name, v);
  if (x !== undefined && (!Number.isInteger(x) || x < (allowZero ? 0 : 1))) throw new Error(`--${name}: expected a ${allowZero ? 'non-negative' : 'positive'} integer, got '${v}'`);
  return x;
}

function parseParams(v: string | undefined): VariantName[] | undefined {
  if (v === undefined) return undefined;
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of list) if (!isVariantName(p)) throw new Error(`--param: unknown parameterization '${p}' (choose from ${VARIANT_NAMES.join(', ')})`);
  return list as VariantName[];
}

/** 0.125 → "1/8"; other values as they are. */
function formatWidth(w: number): string {
  const inverse = 1 / w;
  return w < 1 && Math.abs(inverse - Math.round(inverse)) < 1e-9 ? `1/${Math.round(inverse)}` : String(w);
}

/** Relative paths resolve against the folder the user ran pnpm from (INIT_CWD), not the package folder. */
const userPath = (p: string) => resolve(process.env.INIT_CWD ?? process.cwd(), p);

/** Selects the backend (before any tensor exists); `threads` re-registers the wasm backend with that many workers. */
function configureBackend(name: string | undefined, threads: number | undefined): void {
  if (threads !== undefined) {
    if (name !== undefined && name !== 'wasm') throw new Error(`--threads applies to the wasm backend, not '${name}'`);
    registerBackend('wasm', () => createWasmBackend({ threads }), 2);
    name = 'wasm';
  }
  if (name !== undefined) setBackend(name);
}

export async function main(argv: readonly string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    // `pnpm start -- --help` forwards a literal '--' ahead of the options
    args: argv.filter((a) => a !== '--'),
    allowPositionals: true,
    options: {
      dataset: { type: 'string' },
      'data-dir': { type: 'string' },
      'data-label': { type: 'string' },
      'train-limit': { type: 'string' },
      'test-limit': { type: 'string' },
      zca: { type: 'boolean' },
      'no-zca': { type: 'boolean' },
      preset: { type: 'string' },
      param: { type: 'string' },
      parameterization: { type: 'string' },
      width: { type: 'string' },
      epochs: { type: 'string' },
      'epoch-steps': { type: 'string' },
      'output-init-scale': { type: 'string' },
      'beta1-decay': { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      'init-batch': { type: 'string' },
      ema: { type: 'boolean' },
      'eval-train': { type: 'string' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (o.help) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const command = positionals[0] ?? 'compare';
  if (command !== 'compare' && command !== 'train') throw new Error(`unknown command '${command}' (compare or train; --help for usage)`);
  if (positionals.length > 1) throw new Error(`unexpected argument '${positionals[1]}'`);

  const preset = o.preset ?? 'quick';
  if (preset !== 'quick' && preset !== 'paper') throw new Error(`--preset: quick or paper, got '${preset}'`);
  const base: Args = preset === 'paper' ? PAPER_ARGS : command === 'compare' ? COMPARE_ARGS : QUICK_ARGS;
  const dataset = o.dataset ?? base.dataset;
  if (!isDatasetName(dataset)) throw new Error(`--dataset: one of ${DATASETS.join(', ')}, got '${dataset}'`);
  const params = parseParams(o.param ?? o.parameterization);
  if (command === 'train' && params && params.length > 1) throw new Error(`train takes one parameterization (got ${params.join(', ')}); use compare for several`);
  if (command === 'train' && o.seeds) throw new Error('train takes one --seed; use compare for --seeds');
  const seed = parseCount('seed', o.seed, true) ?? base.seed;
  const limit = (name: string, v: string | undefined, dflt: number | null) => {
    const n = parseCount(name, v, true);
    return n === undefined ? (dataset === base.dataset ? dflt : null) : n === 0 ? null : n;
  };
  const args: Args = {
    ...base,
    dataset,
    dataDir: o['data-dir'] ? userPath(o['data-dir']) : base.dataDir,
    trainLimit: limit('train-limit', o['train-limit'], base.trainLimit),
    testLimit: limit('test-limit', o['test-limit'], base.testLimit),
    zca: o['no-zca'] ? false : o.zca ? true : dataset === 'cifar10' ? base.zca : false,
    parameterization: params?.[0] ?? base.parameterization,
    width: parseNumber('width', o.width) ?? base.width,
    epochs: parseCount('epochs', o.epochs) ?? base.epochs,
    epochSteps: parseCount('epoch-steps', o['epoch-steps'], true) ?? base.epochSteps,
    outputInitScale: parseNumber('output-init-scale', o['output-init-scale']) ?? base.outputInitScale,
    beta1Decay: parseNumber('beta1-decay', o['beta1-decay']) ?? base.beta1Decay,
    batchSize: parseCount('batch-size', o['batch-size']) ?? base.batchSize,
    lr: parseNumber('lr', o.lr) ?? base.lr,
    initBatchSize: parseCount('init-batch', o['init-batch']) ?? base.initBatchSize,
    ema: o.ema ?? base.ema,
    trainEvalSize: parseCount('eval-train', o['eval-train'], true) ?? base.trainEvalSize,
    seed,
    resume: o.resume ?? false,
  };
  if (!(args.beta1Decay >= 0 && args.beta1Decay < 1)) throw new Error(`--beta1-decay must be in [0, 1), got ${args.beta1Decay}`);
  if (!(args.outputInitScale > 0)) throw new Error(`--output-init-scale must be positive, got ${args.outputInitScale}`);
  if (!(args.width > 0)) throw new Error(`--width must be positive, got ${args.width}`);
  configureBackend(o.backend, parseCount('threads', o.threads));

  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\nInterrupted: saving a checkpoint after the current step (Ctrl-C again to quit at once)…\n');
    controller.abort();
  });
  const progress = o.quiet ? null : process.stderr;
  const t0 = performance.now();
  const loaded = await loadClassificationData(args);
  const data = o['data-label'] ? { ...loaded, name: o['data-label'] } : loaded;
  const scale = `width ${formatWidth(args.width)} (${scaledChannels(96, args.width)}/${scaledChannels(192, args.width)} channels; paper 96/192)`;
  const budget = args.epochSteps > 0
    ? `${args.epochs} epochs of ${args.epochSteps} steps (batch ${args.batchSize}) drawn from ${data.train.n} images, test on ${data.test.n}`
    : `${args.epochs} epochs × ${data.train.n} images, batch ${args.batchSize}, test on ${data.test.n}`;

  if (command === 'train') {
    const outDir = userPath(o.out ?? `runs/${dataset}-${args.parameterization}-seed${seed}`);
    process.stdout.write(`Training ${args.parameterization} on ${data.name}: ${scale}, ${budget}, backend ${getBackend()}\nRun folder: ${outDir}\n`);
    const r = await train({ ...args, outDir }, { data, signal: controller.signal, progress });
    const last = r.metrics[r.metrics.length - 1];
    if (last) process.stdout.write(`Final test error ${(last.test_error * 100).toFixed(2)}% after ${last.epoch} epochs, ${last.seconds.toFixed(1)} s of training (${formatDuration((performance.now() - t0) / 1000)} in all)\n`);
    process.stdout.write(r.interrupted ? `Interrupted. Continue with the same command plus --resume.\n` : `Results in ${outDir}\n`);
    return r.interrupted ? 130 : 0;
  }

  const parameterizations = params ?? [...VARIANT_NAMES];
  const seeds = o.seeds ? o.seeds.split(',').map((s) => parseCount('seeds', s.trim(), true)!) : [seed];
  const outDir = userPath(o.out ?? `runs/compare-${dataset}`);
  process.stdout.write(
    `Comparing ${parameterizations.join(', ')} on ${data.name}\n` +
      `  ${scale}, ${budget}, seed${seeds.length > 1 ? 's' : ''} ${seeds.join(',')}, backend ${getBackend()}\n` +
      (preset === 'quick' ? `  (scaled down from the paper's CIFAR-10 setting — 96/192 channels, 200 epochs of 50k images — to fit a few minutes on a small CPU; --preset paper for the full one)\n` : '') +
      `Results folder: ${outDir}\n`,
  );
  const r = await compare({ args, parameterizations, seeds, outDir, data, signal: controller.signal, progress });
  process.stdout.write(`\n${r.table}\n\n`);
  if (r.interrupted) process.stdout.write(`Interrupted. Continue with the same command plus --resume.\n`);
  process.stdout.write(`Charts (SVG + PNG), summary.md and per-run metrics.jsonl in ${outDir} (${formatDuration((performance.now() - t0) / 1000)} in all)\n`);
  return r.interrupted ? 130 : 0;
}

/** Runs `main` on the process arguments and exits with its status (1 and a one-line message on errors). */
export function run(argv: readonly string[] = process.argv.slice(2)): void {
  main(argv).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`wn-classify: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) run();
