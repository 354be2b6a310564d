/**
 * The paper's CIFAR-10 classification experiment, top to bottom (CleanRL style): typed `Args`
 * with the paper's defaults, then one `train` function that builds the model, initializes it
 * from data, runs Adam with the flat-then-linear schedule and the β1 switch, evaluates every
 * epoch, checkpoints, and resumes bit-for-bit.
 *
 * Reproducibility contract: the data order is a pure function of (seed, epoch, step), and the
 * checkpoint holds the noise and dropout generators' positions (`randomState`), so a run resumed
 * from any step produces the same metrics as one that never stopped.
 *
 * The plumbing — run folder, checkpoint, progress line, signals, charts — is @wn/runs'.
 */
import { argmax, tidy, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { Adam, flatThenLinear, initFromData, type DataInitOptions, loadRandomState, paramGrads, ParamEMA, randomState, softmaxCrossEntropy, switchAt, type VariantName } from '@wn/layers';
import { assertFiniteLoss, CorruptFileError, FieldReader, Progress, StateBag, type CheckpointParts, type JsonValue, type RunResult } from '@wn/runs';
import { RUN_FILES, RunFolder, runModeOf, yieldToEventLoop, type RunControl } from '@wn/runs/node';
import { batchesPerEpoch, batchIndices, epochOrder, gatherBatch, initBatchIndices, streamingBatches, type ClassificationData, type FloatImages } from './batches.js';
import { epochAxisLabel, errorCharts } from './charts.js';
import { loadClassificationData, type DatasetName } from './datasets.js';
import { readEpochMetrics, type EpochMetrics } from './metrics.js';
import { ConvPoolCnnC, usesDataInit } from './model.js';

// ---- arguments -------------------------------------------------------------------------------

/** The trainer's arguments: data, model, optimization and run folder (the CLI's options, resolved). */
export interface Args {
  /** which data: the embedded Fashion-MNIST subset, full Fashion-MNIST, MNIST, or CIFAR-10 */
  dataset: DatasetName;
  /** folder with the dataset's files (CIFAR-10 binary batches, IDX files) */
  dataDir: string | null;
  /** use only the first N training / test images (after loading); null: all */
  trainLimit: number | null;
  /** See `trainLimit`. */
  testLimit: number | null;
  /** ZCA-whiten the inputs (the paper does for CIFAR-10) */
  zca: boolean;

  /** The parameterization to train. */
  parameterization: VariantName;
  /** channel multiplier: 1 = the paper's 96/192 channels */
  width: number;
  /** Std of the Gaussian noise added to the input in training (paper: 0.15). */
  noiseStd: number;
  /** Dropout rate after each pooling stage (paper: 0.5). */
  dropout: number;
  /** Negative slope of the leaky ReLUs (paper: 0.1). */
  leakySlope: number;
  /** weightnorm+meanonlybn: initialize g from data as well (see model.ts) */
  meanOnlyBnDataInit: boolean;

  /** Number of epochs; the learning rate is flat for `flatFraction` of them, then decays linearly to 0. */
  epochs: number;
  /**
   * 0: an epoch is one pass over the training set. N > 0: an epoch is N update steps taken from a
   * continuing stream of seeded passes, so large datasets get evaluated (and checkpointed) often.
   */
  epochSteps: number;
  /** fraction of the epochs at the flat learning rate before the linear decay to 0 */
  flatFraction: number;
  /** Minibatch size (paper: 100). */
  batchSize: number;
  /** null: the paper's per-parameterization default (see `defaultLearningRate`) */
  lr: number | null;
  /** Adam β1 in the flat phase and in the decay phase */
  beta1: number;
  /** Adam β1 once the learning rate decays (paper: 0.5). */
  beta1Decay: number;
  /** Adam β2 (0.999). */
  beta2: number;
  /** images in the held-out batch for data-dependent init (paper: 500) */
  initBatchSize: number;
  /**
   * Target std of the output layer's pre-activations after data init (paper: 1, like every layer).
   * Its input, the globally pooled features, varies little across images, so g = s/σ comes out
   * large and early Adam steps on v move the logits a lot; a smaller s tempers that.
   */
  outputInitScale: number;
  /** evaluate with parameter averages (Polyak) as well */
  ema: boolean;
  /** Decay of the parameter averages (when `ema` is on). */
  emaDecay: number;
  /** Images per evaluation batch. */
  evalBatchSize: number;
  /** also evaluate (eval mode) on the first N training images each epoch; 0: off */
  trainEvalSize: number;
  /** Seeds the weights, the noise and dropout masks, and the data order. */
  seed: number;

  /** run folder: metrics.jsonl, config.json, checkpoint, model, charts */
  outDir: string;
  /** continue from outDir's checkpoint (an error when there is none) */
  resume: boolean;
  /** start again in an outDir that already holds a run, replacing it (without: refused) */
  overwrite: boolean;
}

/** The paper's CIFAR-10 settings (section 5.1). */
export const PAPER_ARGS: Args = {
  dataset: 'cifar10',
  dataDir: null,
  trainLimit: null,
  testLimit: null,
  zca: true,
  parameterization: 'weightnorm+init',
  width: 1,
  noiseStd: 0.15,
  dropout: 0.5,
  leakySlope: 0.1,
  meanOnlyBnDataInit: true,
  epochs: 200,
  epochSteps: 0,
  flatFraction: 0.5,
  batchSize: 100,
  lr: null,
  beta1: 0.9,
  beta1Decay: 0.5,
  beta2: 0.999,
  initBatchSize: 500,
  outputInitScale: 1,
  ema: false,
  emaDecay: 0.999,
  evalBatchSize: 500,
  trainEvalSize: 0,
  seed: 1,
  outDir: 'runs/classify',
  resume: false,
  overwrite: false,
};

/**
 * A scaled-down run that finishes in about a minute per parameterization on a 2-core CPU: the
 * embedded Fashion-MNIST subset, 1/8 of the paper's width (12/24 channels), a few epochs.
 */
export const QUICK_ARGS: Args = {
  ...PAPER_ARGS,
  dataset: 'embedded',
  zca: false,
  width: 1 / 8,
  epochs: 4,
  trainLimit: 2000,
  testLimit: 1000,
  initBatchSize: 200,
  outDir: 'runs/classify-quick',
};

/**
 * The main job's setting (`pnpm start`): all five parameterizations must finish within about five
 * minutes on a 2-core CPU, so each gets this budget.
 */
export const COMPARE_ARGS: Args = {
  ...QUICK_ARGS,
  outDir: 'runs/compare-embedded',
};

/** The paper's learning rates: 0.003 for the normalized parameterizations, 0.0003 for standard (unverified). */
export function defaultLearningRate(p: VariantName): number {
  return p === 'standard' ? 0.0003 : 0.003;
}

// ---- training ----------------------------------------------------------------------------------

/** Where training stands; the records of every checkpoint's state bag. */
interface TrainState {
  /** epochs completed */
  epoch: number;
  /** update steps completed within the current epoch */
  step: number;
  /** sums over the current epoch's steps so far */
  lossSum: number;
  errorSum: number;
  seen: number;
  /** training seconds before the current epoch, and within it so far (wall clock, and process CPU) */
  secondsBefore: number;
  epochSeconds: number;
  cpuSecondsBefore: number;
  epochCpuSeconds: number;
  metrics: EpochMetrics[];
}

/** The checkpoints' and run folders' kind: a checkpoint of another program is refused. */
export const RUN_KIND = 'wn-classify';

/** The settings that determine a run's computation (where it is written, and how, do not); a resume must match them. */
export const runSettings = ({ outDir: _outDir, resume: _resume, overwrite: _overwrite, ...rest }: Args): Omit<Args, 'outDir' | 'resume' | 'overwrite'> => rest;

/** The trainer's position from a checkpoint's records, checked field by field (values, not only types). */
function readTrainState(bag: StateBag, file: string, limits: { epochs: number; stepsPerEpoch: number }): TrainState {
  const r = new FieldReader(file);
  const rec = bag.records() as Record<string, unknown>;
  const at = (k: string, range: Parameters<FieldReader['number']>[2] = { min: 0 }) => r.field(rec, k, 'records', (v, f) => r.number(v, f, range));
  const state: TrainState = {
    epoch: at('epoch', { integer: true, min: 0, max: limits.epochs }),
    step: at('step', { integer: true, min: 0, max: limits.stepsPerEpoch }),
    lossSum: at('lossSum'),
    errorSum: at('errorSum', { integer: true, min: 0 }),
    seen: at('seen', { integer: true, min: 0 }),
    secondsBefore: at('secondsBefore'),
    epochSeconds: at('epochSeconds'),
    cpuSecondsBefore: at('cpuSecondsBefore'),
    epochCpuSeconds: at('epochCpuSeconds'),
    metrics: r.field(rec, 'metrics', 'records', (v, f) => r.array(v, f).map((m, i) => readEpochMetrics(r, m, `${f}[${i}]`))),
  };
  if (state.metrics.length !== state.epoch) r.fail('records.metrics', `${state.metrics.length} rows for ${state.epoch} completed epochs`);
  if (state.errorSum > state.seen) r.fail('records.errorSum', `${state.errorSum} errors among ${state.seen} images`);
  return state;
}

/** Options of {@link train}. */
export interface TrainOptions extends RunControl {
  /** preloaded data (the comparison shares one copy between runs); loaded from `args` otherwise */
  data?: ClassificationData;
  /** called after every update step and every epoch (tests use it to interrupt) */
  onStep?: (info: { epoch: number; step: number; loss: number }) => void;
  /** Called after every epoch with its metrics. */
  onEpoch?: (metrics: EpochMetrics) => void;
  /** write the per-run report: charts and summary.json/.md (default true) */
  charts?: boolean;
}

/** What {@link train} returns: the run's folder, metrics and state ({@link RunResult}). */
export type TrainResult = RunResult<EpochMetrics>;

/** The checkpoint file name inside a run folder. */
export const CHECKPOINT_FILE = RUN_FILES.checkpoint;

/** The data-init pass's options: the output layer (`dense`) gets `outputInitScale`, every other layer 1. */
export function dataInitOptions(args: Pick<Args, 'outputInitScale'>): DataInitOptions {
  return { initScale: (path) => (path.startsWith('dense.') ? args.outputInitScale : 1) };
}

/** Mean loss and error rate of the model on `images`, in eval mode, in batches. */
export function evaluate(model: ConvPoolCnnC, images: FloatImages, batchSize: number): { loss: number; error: number } {
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let errors = 0;
  const all = Uint32Array.from({ length: images.n }, (_, i) => i);
  try {
    for (let start = 0; start < images.n; start += batchSize) {
      const idx = all.subarray(start, Math.min(images.n, start + batchSize));
      noGrad(() =>
        tidy(() => {
          const { x, labels } = gatherBatch(images, idx);
          const logits = model.forward(x);
          lossSum += softmaxCrossEntropy(logits, labels).item() * idx.length;
          errors += countErrors(logits, labels);
        }),
      );
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: lossSum / images.n, error: errors / images.n };
}

/** The first `n` images (a view, no copy). */
function firstImages(images: FloatImages, n: number): FloatImages {
  const k = Math.min(n, images.n);
  const size = images.channels * images.height * images.width;
  return { ...images, n: k, x: images.x.subarray(0, k * size), y: images.y.subarray(0, k) };
}

function countErrors(logits: Tensor, labels: Uint8Array): number {
  const predicted = noGrad(() => argmax(logits, 1)).dataSync();
  let wrong = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] !== labels[i]) wrong++;
  return wrong;
}

/**
 * Trains one parameterization in a run folder: data-dependent init when the variant needs it, the paper's schedule
 * (flat, then linear decay of the learning rate; β1 switched), evaluation and a checkpoint every epoch, then the
 * model, charts and summary. Resumes from the folder's checkpoint with `args.resume`; throws a `RunFolderError`
 * for a refused folder and a `NonFiniteLossError` when the loss diverges.
 */
export async function train(args: Args, options: TrainOptions = {}): Promise<TrainResult> {
  // 0. The run folder first: a refused start or resume costs no data loading.
  const mode = options.mode ?? runModeOf(args);
  const folder = RunFolder.open(args.outDir, { mode, kind: RUN_KIND, settings: runSettings(args) as unknown as JsonValue });
  const data = options.data ?? (await loadClassificationData(args));
  const label = options.label ?? args.parameterization;
  const runDir = args.outDir;

  // 1. The model, the optimizer and its schedules.
  const { train: trainSet, test: testSet } = data;
  const model = new ConvPoolCnnC({
    parameterization: args.parameterization,
    width: args.width,
    inputChannels: trainSet.channels,
    inputSize: trainSet.height,
    classes: data.classes.length,
    noiseStd: args.noiseStd,
    dropout: args.dropout,
    leakySlope: args.leakySlope,
    seed: args.seed,
    meanOnlyBnDataInit: args.meanOnlyBnDataInit,
  });
  const baseLr = args.lr ?? defaultLearningRate(args.parameterization);
  const optimizer = new Adam(model, { lr: baseLr, beta1: args.beta1, beta2: args.beta2 });
  const stream = args.epochSteps > 0 ? streamingBatches(trainSet.n, args.seed, args.batchSize) : null;
  const stepsPerEpoch = args.epochSteps > 0 ? args.epochSteps : batchesPerEpoch(trainSet.n, args.batchSize);
  const totalSteps = args.epochs * stepsPerEpoch;
  const lrAt = flatThenLinear(baseLr, totalSteps, { flatFraction: args.flatFraction });
  const beta1At = switchAt(Math.round(totalSteps * args.flatFraction), args.beta1, args.beta1Decay);

  // 2. Resume, or initialize from data (on a held batch, in training mode, as the authors did).
  let state: TrainState = { epoch: 0, step: 0, lossSum: 0, errorSum: 0, seen: 0, secondsBefore: 0, epochSeconds: 0, cpuSecondsBefore: 0, epochCpuSeconds: 0, metrics: [] };
  const ema = args.ema && folder.resuming ? new ParamEMA(model, { decay: args.emaDecay }) : null;
  let parts: CheckpointParts = { modules: { model }, optimizers: { adam: optimizer }, emas: { ema } };
  let progress: Progress | null = null;
  try {
    if (folder.resuming) {
      const bag = folder.loadCheckpoint(parts);
      state = readTrainState(bag, folder.path(RUN_FILES.checkpoint), { epochs: args.epochs, stepsPerEpoch });
      try {
        loadRandomState(model, bag.readRecord('random', (v) => v));
      } catch (e) {
        bag.dispose();
        throw e instanceof CorruptFileError ? e : new CorruptFileError(bag.source, 'records.random', e instanceof Error ? e.message : String(e));
      }
      bag.dispose();
    } else {
      if (usesDataInit(args)) {
        const { x } = gatherBatch(trainSet, initBatchIndices(trainSet.n, args.seed, args.initBatchSize));
        initFromData(model, x, dataInitOptions(args));
        x.dispose();
      }
      // the averages start from the data-initialized weights
      if (args.ema) parts = { ...parts, emas: { ema: new ParamEMA(model, { decay: args.emaDecay }) } };
    }
    const averages = parts.emas?.ema ?? null;
    const parameters = model.numParameters();
    folder.writeConfig({ dataset: data.name, train_images: trainSet.n, test_images: testSet.n, image_shape: [trainSet.channels, trainSet.height, trainSet.width], parameters, learning_rate: baseLr, steps_per_epoch: stepsPerEpoch });

    // 3. Epochs of Adam updates, each followed by evaluation, metrics and a checkpoint.
    const sink = options.progress === undefined ? process.stderr : options.progress;
    const examplesPerEpoch = stream ? stepsPerEpoch * args.batchSize : Math.min(trainSet.n, stepsPerEpoch * args.batchSize);
    progress = sink ? new Progress({ total: args.epochs * examplesPerEpoch, label: `[${label}]`, stream: sink, quiet: options.quiet, start: state.epoch * examplesPerEpoch + state.seen }) : null;
    // the noise and dropout generators' positions travel with the trainer's position
    const checkpoint = () => folder.saveCheckpoint(parts, StateBag.fromRecords(state as unknown as Record<string, JsonValue>).setRecord('random', randomState(model) as unknown as JsonValue));
    let interrupted = false;

    training: while (state.epoch < args.epochs) {
      const epoch = state.epoch;
      const order = stream ? null : epochOrder(trainSet.n, args.seed, epoch);
      const firstStepLr = lrAt(epoch * stepsPerEpoch);
      const firstStepBeta1 = beta1At(epoch * stepsPerEpoch);
      while (state.step < stepsPerEpoch) {
        if (options.signal?.aborted) {
          interrupted = true;
          break training;
        }
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const globalStep = epoch * stepsPerEpoch + state.step;
        optimizer.lr = lrAt(globalStep);
        optimizer.beta1 = beta1At(globalStep);
        const { x, labels } = gatherBatch(trainSet, stream ? stream(globalStep) : batchIndices(order!, state.step, args.batchSize));
        let errors = 0;
        const { loss, grads } = paramGrads(optimizer.params, () => {
          const logits = model.forward(x);
          errors = countErrors(logits, labels);
          return softmaxCrossEntropy(logits, labels);
        });
        const lossValue = loss.item();
        const finite = Number.isFinite(lossValue);
        if (finite) optimizer.step(grads);
        loss.dispose();
        for (const g of grads) g.dispose();
        x.dispose();
        // a diverged loss stops the run before its update; the last checkpoint stays as it was
        assertFiniteLoss(lossValue, { epoch: epoch + 1, step: state.step + 1 }, 'training loss');
        averages?.update();
        state.lossSum += lossValue * labels.length;
        state.errorSum += errors;
        state.seen += labels.length;
        state.step++;
        state.epochSeconds += (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        state.epochCpuSeconds += (cpu.user + cpu.system) / 1e6;
        progress?.update(epoch * examplesPerEpoch + state.seen, `epoch ${epoch + 1}/${args.epochs} loss ${(state.lossSum / state.seen).toFixed(3)}`);
        options.onStep?.({ epoch, step: state.step, loss: lossValue });
        await yieldToEventLoop();
      }

      const test = evaluate(model, testSet, args.evalBatchSize);
      assertFiniteLoss(test.loss, { epoch: epoch + 1 }, 'test loss');
      const trainEval = args.trainEvalSize > 0 ? evaluate(model, firstImages(trainSet, args.trainEvalSize), args.evalBatchSize) : null;
      const averaged = averages ? averages.withAveraged(() => evaluate(model, testSet, args.evalBatchSize)) : null;
      const m: EpochMetrics = {
        epoch: epoch + 1,
        seconds: state.secondsBefore + state.epochSeconds,
        epoch_seconds: state.epochSeconds,
        cpu_seconds: state.cpuSecondsBefore + state.epochCpuSeconds,
        train_loss: state.lossSum / state.seen,
        train_error: state.errorSum / state.seen,
        test_loss: test.loss,
        test_error: test.error,
        ...(trainEval ? { train_eval_loss: trainEval.loss, train_eval_error: trainEval.error } : {}),
        ...(averaged ? { test_loss_ema: averaged.loss, test_error_ema: averaged.error } : {}),
        lr: firstStepLr,
        beta1: firstStepBeta1,
        examples_per_second: state.seen / state.epochSeconds,
        cpu_ms_per_example: (1000 * state.epochCpuSeconds) / state.seen,
      };
      state = { ...state, epoch: epoch + 1, step: 0, lossSum: 0, errorSum: 0, seen: 0, secondsBefore: m.seconds, epochSeconds: 0, cpuSecondsBefore: m.cpu_seconds, epochCpuSeconds: 0, metrics: [...state.metrics, m] };
      folder.writeMetrics(state.metrics);
      checkpoint();
      progress?.log(
        `[${label}] epoch ${m.epoch}/${args.epochs}  train ${m.train_loss.toFixed(3)} / ${pct(m.train_error)}  test ${m.test_loss.toFixed(3)} / ${pct(m.test_error)}` +
          `${averaged ? `  (EMA ${pct(averaged.error)})` : ''}  ${m.epoch_seconds.toFixed(1)} s  ${m.examples_per_second.toFixed(0)} ex/s`,
      );
      options.onEpoch?.(m);
      await yieldToEventLoop();
    }

    // 4. Interrupted: keep the exact position. Finished: the final model, the charts and a summary.
    if (interrupted) {
      checkpoint();
      progress?.log(`[${label}] interrupted at epoch ${state.epoch + 1}, step ${state.step}; checkpoint saved to ${folder.path(RUN_FILES.checkpoint)} (continue with --resume)`);
    } else {
      folder.writeModel(model, { parameterization: args.parameterization, width: String(args.width) });
      if (options.charts ?? true) {
        folder.writeCharts(errorCharts([{ name: args.parameterization, runs: [state.metrics] }], data.name, epochAxisLabel(args.epochSteps, args.batchSize)));
        const last = state.metrics[state.metrics.length - 1];
        folder.writeSummary({
          json: { parameterization: args.parameterization, seed: args.seed, dataset: data.name, parameters, final: last as unknown as JsonValue },
          markdown: `# ${args.parameterization}, seed ${args.seed} — ${data.name}\n\n` + (last ? `Final test error ${pct(last.test_error)} (loss ${last.test_loss.toFixed(4)}), training error ${pct(last.train_error)}, after ${last.epoch} epochs and ${last.seconds.toFixed(1)} s of training.\n` : 'No epoch completed.\n'),
        });
      }
    }
    return { runDir, metrics: state.metrics, interrupted, resumed: folder.resuming, parameters };
  } finally {
    progress?.finish();
    model.dispose();
    optimizer.dispose();
    parts.emas?.ema?.dispose();
  }
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
