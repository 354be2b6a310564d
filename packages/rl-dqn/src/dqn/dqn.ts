/**
 * DQN (Mnih et al. 2015), top to bottom in CleanRL's style: typed `Args`, the presets (CleanRL's
 * CartPole, MinAtar's examples/dqn.py, the weight-norm paper's changes), then one `train` that
 * acts ε-greedily, fills the replay memory, updates the online network on sampled batches against
 * a target network, evaluates, checkpoints and resumes bit for bit.
 *
 * Variants are settings, never copies: the parameterization (`standard`, `weightnorm`,
 * `weightnorm+init`), the loss, double DQN, Polyak τ and the optimizer are fields of `Args`.
 *
 * Reproducibility contract: every random draw comes from a generator whose position is in the
 * checkpoint (exploration, replay sampling, the env's own generator inside its state), so a run
 * interrupted at any frame and resumed ends with the weights and metrics of one that never stopped.
 * Plumbing (run folder, checkpoint, progress, signals) is @wn/runs'.
 */
import { add, dispose, mul, Rng, tensor, tidy, WnError } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { cached, initFromData, paramGrads, type Sequential } from '@wn/layers';
import { assertFiniteLoss, FieldReader, Progress, StateBag, type CheckpointParts, type JsonValue, type MetricsRow, type ProgressSink } from '@wn/runs';
import { RUN_FILES, RunFolder, yieldToEventLoop, type RunMode } from '@wn/runs/node';
import { make, type Env } from '../envs/index.js';
import { makeOptimizer, type OptimizerName } from './optimizers.js';
import { buildQNetwork, greedyAction, qValues, type QNetworkKind, type QVariant } from './qnet.js';
import { ReplayBuffer } from './replay.js';
import { epsilonAt, checkEpsilonSchedule, type EpsilonSchedule } from './schedule.js';
import { tdLoss, tdTargets, type TdLoss } from './targets.js';

// ---- arguments -------------------------------------------------------------------------------

/** The DQN trainer's arguments (the CLI's options, resolved; a preset gives them all). */
export interface Args {
  /** a registered env id (`make`) */
  env: string;
  /** 'auto': MinAtar's network for MinAtar ids, the MLP otherwise */
  network: QNetworkKind | 'auto';
  /** The Q-network's parameterization. */
  variant: QVariant;
  /** environment steps (frames; MinAtar has no frame skip) */
  frames: number;

  /** Transitions the replay memory holds. */
  replaySize: number;
  /** Transitions per update minibatch. */
  batchSize: number;
  /** no updates before this many frames (the replay start) */
  learningStarts: number;
  /** frames between updates */
  trainEvery: number;
  /** updates between target-network updates */
  targetUpdateEvery: number;
  /** target ← τ·online + (1 − τ)·target at each target update; 1 = hard copy */
  tau: number;
  /** Discount factor γ. */
  gamma: number;
  /** The TD loss: Huber (δ = 1) or squared error. */
  loss: TdLoss;
  /** Double DQN: the online network picks the next action, the target network values it. */
  doubleDqn: boolean;

  /** ε at the start. */
  epsilonStart: number;
  /** ε after the anneal. */
  epsilonEnd: number;
  /** frames of the linear anneal */
  epsilonFrames: number;
  /** frames at epsilonStart before the anneal (MinAtar: its 5,000 uniformly random frames) */
  epsilonDelay: number;

  /** The optimizer. */
  optimizer: OptimizerName;
  /** Learning rate. */
  lr: number;
  /** Adam/Adamax β1. */
  beta1: number;
  /** Adam/Adamax β2. */
  beta2: number;
  /** ε of the optimizer's denominator. */
  optEps: number;
  /** RMSprop smoothing constant α. */
  rmsAlpha: number;

  /** replay states in the data-dependent init batch (weightnorm+init) */
  initBatch: number;

  /** evaluation episodes at the end (and every evalEvery frames) at ε = evalEpsilon */
  evalEpisodes: number;
  /** ε of the ε-greedy evaluation policy. */
  evalEpsilon: number;
  /** frames between evaluations during training; 0: only at the end */
  evalEvery: number;
  /** frames between metric rows */
  logEvery: number;
  /** frames between checkpoints (and always at the end and on interruption) */
  checkpointEvery: number;
  /** "solved" when the mean return of the last 100 episodes reaches this (CartPole: 475); null: not tracked */
  solvedReturn: number | null;
  /** Seeds the networks, the environment and exploration. */
  seed: number;

  /** The run folder. */
  outDir: string;
  /** Continue from `outDir`'s checkpoint (an error when there is none). */
  resume: boolean;
  /** Replace a run already in `outDir` (without it: refused). */
  overwrite: boolean;
}

/**
 * The presets: CartPole-v1 with an MLP, MinAtar (Young & Tian 2019), the weight-norm paper's DQN settings, and a
 * quick smoke-test budget.
 */
export const PRESET_NAMES = ['cartpole', 'minatar', 'wn-paper', 'quick'] as const;
/** The name of a preset. */
export type PresetName = (typeof PRESET_NAMES)[number];

const RUN_DEFAULTS = { seed: 1, outDir: 'runs/dqn', resume: false, overwrite: false } as const;

/**
 * CleanRL's dqn.py on CartPole-v1: MLP 120-84, Adam 2.5e-4, MSE, buffer 10k, batch 128, γ 0.99,
 * target copy every 500 steps (= 50 updates at one update per 10 steps), ε 1 → 0.05 over the first
 * half of 500k steps, learning from 10k steps, evaluation at ε 0.05.
 */
const CARTPOLE: Args = {
  env: 'CartPole-v1', network: 'auto', variant: 'standard', frames: 500_000,
  replaySize: 10_000, batchSize: 128, learningStarts: 10_000, trainEvery: 10, targetUpdateEvery: 50, tau: 1,
  gamma: 0.99, loss: 'mse', doubleDqn: false,
  epsilonStart: 1, epsilonEnd: 0.05, epsilonFrames: 250_000, epsilonDelay: 0,
  optimizer: 'adam', lr: 2.5e-4, beta1: 0.9, beta2: 0.999, optEps: 1e-8, rmsAlpha: 0.99,
  initBatch: 500,
  evalEpisodes: 10, evalEpsilon: 0.05, evalEvery: 0, logEvery: 5_000, checkpointEvery: 50_000, solvedReturn: 475,
  ...RUN_DEFAULTS,
};

/**
 * MinAtar's examples/dqn.py (spec minatar.md §3.8): replay 100k, batch 32, one update per frame
 * after 5,000 uniformly random frames, ε 1 → 0.1 over the next 100k frames, target copy every
 * 1,000 updates, Huber loss, centered RMSprop (PyTorch) lr 2.5e-4 α 0.95 ε 0.01, γ 0.99, 5M frames.
 */
const MINATAR: Args = {
  env: 'MinAtar/Breakout-v0', network: 'auto', variant: 'standard', frames: 5_000_000,
  replaySize: 100_000, batchSize: 32, learningStarts: 5_000, trainEvery: 1, targetUpdateEvery: 1_000, tau: 1,
  gamma: 0.99, loss: 'huber', doubleDqn: false,
  epsilonStart: 1, epsilonEnd: 0.1, epsilonFrames: 100_000, epsilonDelay: 5_000,
  optimizer: 'rmsprop-centered', lr: 2.5e-4, beta1: 0.9, beta2: 0.999, optEps: 0.01, rmsAlpha: 0.95,
  initBatch: 500,
  evalEpisodes: 30, evalEpsilon: 0.05, evalEvery: 0, logEvery: 10_000, checkpointEvery: 50_000, solvedReturn: null,
  ...RUN_DEFAULTS,
};

/**
 * A CartPole run that learns in about a minute on a small CPU: 50k frames, one update every 2
 * frames from 1,000 frames on (batch 64), ε 1 → 0.05 over 12.5k frames, target copy every 100 updates, Adam
 * 1e-3. The default of `wn-dqn compare`.
 */
const QUICK: Args = {
  ...CARTPOLE,
  frames: 50_000, learningStarts: 1_000, trainEvery: 2, batchSize: 64, targetUpdateEvery: 100,
  epsilonFrames: 12_500, lr: 1e-3, logEvery: 2_000, checkpointEvery: 20_000, outDir: 'runs/dqn-quick',
};

/**
 * A preset's settings for one parameterization. `wn-paper` is MinAtar's setup with the weight-norm
 * paper's changes: Adamax β1 0.5, batch 64, lr 3e-4 with weight norm and 1e-4 without, data init.
 */
export function presetArgs(name: PresetName, variant?: QVariant): Args {
  switch (name) {
    case 'cartpole': return { ...CARTPOLE, variant: variant ?? CARTPOLE.variant };
    case 'quick': return { ...QUICK, variant: variant ?? QUICK.variant };
    case 'minatar': return { ...MINATAR, variant: variant ?? MINATAR.variant };
    case 'wn-paper': {
      const v = variant ?? 'weightnorm+init';
      return { ...MINATAR, variant: v, optimizer: 'adamax', beta1: 0.5, beta2: 0.999, optEps: 1e-8, batchSize: 64, lr: v === 'standard' ? 1e-4 : 3e-4 };
    }
    default: throw new WnError('presetArgs', `preset must be one of ${PRESET_NAMES.join(', ')}, got '${String(name)}'`);
  }
}

/** Checks `args` (ranges and consistency); a clear error names the field. */
export function checkArgs(a: Args): void {
  const bad = (field: string, want: string, got: unknown) => new WnError('dqn', `argument '${field}' expected ${want}, got ${JSON.stringify(got)}`);
  const ints: [keyof Args, number][] = [['frames', 1], ['replaySize', 2], ['batchSize', 1], ['learningStarts', 0], ['trainEvery', 1], ['targetUpdateEvery', 1], ['initBatch', 2], ['evalEpisodes', 0], ['evalEvery', 0], ['logEvery', 1], ['checkpointEvery', 1], ['seed', 0]];
  for (const [k, min] of ints) if (!Number.isSafeInteger(a[k]) || (a[k] as number) < min) throw bad(k, `an integer ≥ ${min}`, a[k]);
  if (!(a.tau > 0 && a.tau <= 1)) throw bad('tau', 'a number in (0, 1]', a.tau);
  if (!(a.gamma >= 0 && a.gamma <= 1)) throw bad('gamma', 'a number in [0, 1]', a.gamma);
  if (!(a.lr > 0 && Number.isFinite(a.lr))) throw bad('lr', 'a finite number > 0', a.lr);
  if (!(a.evalEpsilon >= 0 && a.evalEpsilon <= 1)) throw bad('evalEpsilon', 'a number in [0, 1]', a.evalEpsilon);
  if (a.batchSize > a.replaySize) throw bad('batchSize', `at most replaySize (${a.replaySize})`, a.batchSize);
  if (a.loss !== 'huber' && a.loss !== 'mse') throw bad('loss', "'huber' or 'mse'", a.loss);
  checkEpsilonSchedule(epsilonSchedule(a), 'dqn');
}

/** The ε schedule the arguments describe. */
export const epsilonSchedule = (a: Args): EpsilonSchedule => ({ start: a.epsilonStart, end: a.epsilonEnd, frames: a.epsilonFrames, delay: a.epsilonDelay });

// ---- environment and networks -----------------------------------------------------------------

/** The env for `args.env`: MinAtar in the 'chw' layout its conv net reads. */
export function makeEnvFor(id: string): Env {
  return id.startsWith('MinAtar/') ? make(id, { layout: 'chw' }) : make(id);
}

/**
 * The Q-network kind for the arguments: `network`, or for `'auto'` MinAtar's conv net on MinAtar ids and the MLP
 * otherwise.
 */
export function networkKind(args: Pick<Args, 'network' | 'env'>): QNetworkKind {
  return args.network === 'auto' ? (args.env.startsWith('MinAtar/') ? 'minatar' : 'mlp') : args.network;
}

/** The online network for `args` on `env` (initialized from the seed; weightnorm+init is data-initialized later). */
export function buildOnline(args: Args, env: Env): Sequential {
  const kind = networkKind(args);
  const shape = kind === 'mlp' ? [env.observationSpace.size] : env.observationSpace.shape;
  return buildQNetwork({ kind, obsShape: shape, actions: env.actionSpace.n, variant: args.variant, rng: new Rng(args.seed, 1) });
}

/** target ← τ·online + (1 − τ)·target; τ = 1 copies. */
export function updateTarget(target: Sequential, online: Sequential, tau: number): void {
  if (tau === 1) {
    target.loadStateDict(online.stateDict());
    return;
  }
  const from = online.namedParameters();
  noGrad(() => target.namedParameters().forEach(([name, p], i) => {
    if (from[i][0] !== name) throw new WnError('updateTarget', `parameter ${i} is '${name}' in the target but '${from[i][0]}' online`);
    const src = from[i][1].value;
    p.update(tidy(() => add(mul(src, tau), mul(p.value, 1 - tau))));
  }));
}

// ---- evaluation --------------------------------------------------------------------------------

/**
 * Returns of `episodes` episodes of the ε-greedy policy (ε = `epsilon`) on a fresh env seeded
 * `seed`, with ε draws from their own generator: a function of the weights and the seed only.
 */
export function evaluate(net: Sequential, env: Env, options: { episodes: number; epsilon: number; seed: number }): number[] {
  const rng = new Rng(options.seed, 7);
  const n = env.actionSpace.n;
  const returns: number[] = [];
  let obs = env.reset({ seed: options.seed }).obs;
  for (let e = 0; e < options.episodes; e++) {
    let total = 0;
    for (;;) {
      const a = rng.nextFloat() < options.epsilon ? rng.nextInt(n) : greedyAction(net, obs, n);
      const s = env.step(a);
      total += s.reward;
      obs = s.obs;
      if (s.terminated || s.truncated) break;
    }
    returns.push(total);
    obs = env.reset().obs;
  }
  return returns;
}

// ---- training ----------------------------------------------------------------------------------

/** One metrics row per `logEvery` frames. Timing fields (`seconds`, `*_per_second`) are the only ones a resume does not reproduce. */
export interface DqnMetrics extends MetricsRow {
  /** Environment frames so far. */
  frame: number;
  /** Episodes finished so far. */
  episodes: number;
  /** Gradient updates so far. */
  updates: number;
  /** mean return of the last 100 episodes (absent before the first episode ends) */
  return_mean100?: number;
  /** ε at this frame. */
  epsilon: number;
  /** mean TD loss of the period's updates (absent without updates) */
  loss?: number;
  /** mean evaluation return, on rows where an evaluation ran */
  eval_return?: number;
  /** Training wall-clock seconds so far. */
  seconds: number;
  /** Frames per second over the period. */
  frames_per_second: number;
  /** Updates per second over the period. */
  updates_per_second: number;
}

/** Where training stands: the records of every checkpoint. */
interface TrainState {
  frame: number;
  updates: number;
  episodes: number;
  episodeReturn: number;
  episodeLength: number;
  /** returns of the last (up to) 100 episodes, oldest first */
  recent: number[];
  /** frame at which the 100-episode mean first reached `solvedReturn` */
  solvedAt: number | null;
  dataInitDone: boolean;
  lossSum: number;
  lossCount: number;
  seconds: number;
  /** frames and updates at the last metrics row, and its time (for the rates) */
  lastRow: { frame: number; updates: number; seconds: number };
  metrics: DqnMetrics[];
}

/** The checkpoints' and run folders' kind: a checkpoint of another program is refused. */
export const RUN_KIND = 'wn-dqn';

/** The settings a resume must match (where and how the run is written do not count). */
export const runSettings = ({ outDir: _o, resume: _r, overwrite: _w, ...rest }: Args): Omit<Args, 'outDir' | 'resume' | 'overwrite'> => rest;

/** Options of {@link train}. */
export interface TrainOptions {
  /** aborting saves a checkpoint after the current frame and returns `interrupted: true` */
  signal?: AbortSignal;
  /** progress lines (default stderr); null for silence */
  progress?: ProgressSink | null;
  /** No progress bar, only log lines. */
  quiet?: boolean;
  /** How to treat `outDir` (default from the args: resume, overwrite, or new). */
  mode?: RunMode;
  /** Label for progress lines (default: the variant). */
  label?: string;
  /** builds the env (and the evaluation env) instead of `make(args.env)`: tests use a small chain */
  makeEnv?: () => Env;
  /** called after every frame (tests interrupt through it) */
  onFrame?: (frame: number) => void;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** The run folder. */
  runDir: string;
  /** Every metrics row (including those before a resume). */
  metrics: DqnMetrics[];
  /** returns of the final evaluation episodes (empty when interrupted or evalEpisodes = 0) */
  evalReturns: number[];
  /** Frame at which the 100-episode mean return first reached `solvedReturn`; null if never (or not tracked). */
  solvedAt: number | null;
  /** Whether the run stopped early (a signal); it can be resumed from its checkpoint. */
  interrupted: boolean;
  /** Whether this run continued from a checkpoint. */
  resumed: boolean;
  /** Number of trainable parameters of the Q-network. */
  parameters: number;
  /** The trained online Q-network. */
  online: Sequential;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function readTrainState(bag: StateBag, file: string): TrainState {
  const r = new FieldReader(file);
  const rec = r.object(bag.record('train'), 'records.train');
  const num = (k: string, range: Parameters<FieldReader['number']>[2] = {}) => r.field(rec, k, 'records.train', (v, f) => r.number(v, f, range));
  const count = (k: string) => r.field(rec, k, 'records.train', (v, f) => r.count(v, f));
  const last = r.field(rec, 'lastRow', 'records.train', (v, f) => r.object(v, f));
  return {
    frame: count('frame'),
    updates: count('updates'),
    episodes: count('episodes'),
    episodeReturn: num('episodeReturn'),
    episodeLength: count('episodeLength'),
    recent: r.field(rec, 'recent', 'records.train', (v, f) => r.array(v, f).map((x, i) => r.number(x, `${f}[${i}]`))),
    solvedAt: r.field(rec, 'solvedAt', 'records.train', (v, f) => (v === null ? null : r.count(v, f))),
    dataInitDone: r.field(rec, 'dataInitDone', 'records.train', (v, f) => r.boolean(v, f)),
    lossSum: num('lossSum'),
    lossCount: count('lossCount'),
    seconds: num('seconds', { min: 0 }),
    lastRow: {
      frame: r.field(last, 'frame', 'records.train.lastRow', (v, f) => r.count(v, f)),
      updates: r.field(last, 'updates', 'records.train.lastRow', (v, f) => r.count(v, f)),
      seconds: r.field(last, 'seconds', 'records.train.lastRow', (v, f) => r.number(v, f, { min: 0 })),
    },
    metrics: r.field(rec, 'metrics', 'records.train', (v, f) => r.array(v, f).map((m, i) => {
      const o = r.object(m, `${f}[${i}]`);
      const row: Record<string, number> = {};
      for (const [k, x] of Object.entries(o)) row[k] = r.number(x, `${f}[${i}].${k}`);
      return row as DqnMetrics;
    })),
  };
}

/**
 * Trains a DQN agent in a run folder: ε-greedy exploration into a replay memory, minibatch TD updates with a
 * target network, data-dependent init from replay states for `weightnorm+init`, metrics and checkpoints every few
 * frames, then a final evaluation, the model and summary. Resumes with `args.resume`; throws a `WnError` for
 * invalid arguments, a `RunFolderError` for a refused folder and a `NonFiniteLossError` when the loss diverges.
 */
export async function train(args: Args, options: TrainOptions = {}): Promise<TrainResult> {
  checkArgs(args);
  const mode = options.mode ?? (args.resume ? 'resume' : args.overwrite ? 'overwrite' : 'new');
  const folder = RunFolder.open(args.outDir, { mode, kind: RUN_KIND, settings: runSettings(args) as unknown as JsonValue });
  const label = options.label ?? args.variant;
  const newEnv = options.makeEnv ?? (() => makeEnvFor(args.env));

  // 1. Env, networks, optimizer, replay memory, generators.
  const env = newEnv();
  const actions = env.actionSpace.n;
  const obsSize = env.observationSpace.size;
  const space = env.observationSpace;
  const binary = space.dtype === 'uint8' && space.low.every((v) => v === 0) && space.high.every((v) => v === 1);
  const online = buildOnline(args, env);
  const target = online.clone();
  const optimizer = makeOptimizer(online, args);
  const replay = new ReplayBuffer({ capacity: args.replaySize, obsSize, packed: binary });
  let actRng = new Rng(args.seed, 2);
  let sampleRng = new Rng(args.seed, 3);
  const schedule = epsilonSchedule(args);
  const parts: CheckpointParts = { modules: { online, target }, optimizers: { q: optimizer } };

  let st: TrainState = {
    frame: 0, updates: 0, episodes: 0, episodeReturn: 0, episodeLength: 0, recent: [], solvedAt: null,
    dataInitDone: false, lossSum: 0, lossCount: 0, seconds: 0, lastRow: { frame: 0, updates: 0, seconds: 0 }, metrics: [],
  };
  let obs: Float32Array | Uint8Array;
  if (folder.resuming) {
    const bag = folder.loadCheckpoint(parts);
    const file = folder.path(RUN_FILES.checkpoint);
    st = readTrainState(bag, file);
    actRng = Rng.fromState(bag.generator('act'));
    sampleRng = Rng.fromState(bag.generator('sample'));
    env.setState(bag.record('env'));
    const r = new FieldReader(file);
    const head = r.field(r.object(bag.record('replay'), 'records.replay'), 'head', 'records.replay', (v, f) => r.count(v, f));
    const size = r.field(r.object(bag.record('replay'), 'records.replay'), 'size', 'records.replay', (v, f) => r.count(v, f));
    const arr = <T>(name: string) => (bag.array(name) ?? r.fail(`array.${name}`, 'missing')) as T;
    replay.restore({
      head, size, obs: arr('replay.obs'), actions: arr('replay.actions'), rewards: arr('replay.rewards'), flags: arr('replay.flags'),
      finalSlots: arr('replay.finalSlots'), finalObs: arr('replay.finalObs'),
    });
    const saved = arr<Float32Array | Uint8Array>('obs');
    obs = space.dtype === 'uint8' ? Uint8Array.from(saved) : Float32Array.from(saved);
    bag.dispose();
  } else {
    obs = env.reset({ seed: args.seed }).obs;
  }
  const parameters = online.numParameters();
  folder.writeConfig({ parameters, actions, observation: [...space.shape], network: networkKind(args), replay_bytes: replay.byteLength });

  const checkpoint = () => {
    const rs = replay.state();
    const bag = new StateBag()
      .setRecord('train', st as unknown as JsonValue)
      .setRecord('env', env.getState() as unknown as JsonValue)
      .setRecord('replay', { head: rs.head, size: rs.size })
      .setGenerator('act', actRng.state())
      .setGenerator('sample', sampleRng.state())
      .setArray('obs', obs)
      .setArray('replay.obs', rs.obs).setArray('replay.actions', rs.actions).setArray('replay.rewards', rs.rewards)
      .setArray('replay.flags', rs.flags).setArray('replay.finalSlots', rs.finalSlots).setArray('replay.finalObs', rs.finalObs);
    folder.saveCheckpoint(parts, bag);
  };

  const evalEnv = newEnv();
  const evalSeed = (k: number) => 1_000_003 + 1_000 * args.seed + k;
  const sink = options.progress === undefined ? process.stderr : options.progress;
  const progress = sink ? new Progress({ total: args.frames, label: `[${label}]`, stream: sink, quiet: options.quiet, unit: 'frames', logEvery: options.quiet ? args.logEvery * 5 : 0, start: st.frame }) : null;
  const started = performance.now() - st.seconds * 1000;
  const elapsed = () => (performance.now() - started) / 1000;

  // 2. One update: a batch from replay, TD targets from the target network, one optimizer step.
  const update = (): number => {
    const b = replay.sample(args.batchSize, sampleRng);
    const nextQTarget = qValues(target, b.nextObs, obsSize);
    const nextQOnline = args.doubleDqn ? qValues(online, b.nextObs, obsSize) : null;
    const y = tdTargets({ rewards: b.rewards, terminated: b.terminated, nextQTarget, nextQOnline, gamma: args.gamma, actions });
    const x = tensor(b.obs, [args.batchSize, obsSize]);
    const { loss, grads } = cached(() => paramGrads(optimizer.params, () => tdLoss(online.forward(x), b.actions, y, args.loss)));
    const value = loss.item();
    dispose([loss, x]);
    assertFiniteLoss(value, { frame: st.frame, update: st.updates + 1 }, 'TD loss');
    optimizer.step(grads);
    dispose(grads);
    return value;
  };

  const logRow = (evalReturn?: number) => {
    const seconds = elapsed();
    const dt = Math.max(1e-9, seconds - st.lastRow.seconds);
    const row: DqnMetrics = {
      frame: st.frame, episodes: st.episodes, updates: st.updates,
      ...(st.recent.length ? { return_mean100: mean(st.recent) } : {}),
      epsilon: epsilonAt(schedule, st.frame),
      ...(st.lossCount ? { loss: st.lossSum / st.lossCount } : {}),
      ...(evalReturn !== undefined ? { eval_return: evalReturn } : {}),
      seconds,
      frames_per_second: (st.frame - st.lastRow.frame) / dt,
      updates_per_second: (st.updates - st.lastRow.updates) / dt,
    };
    st = { ...st, lossSum: 0, lossCount: 0, lastRow: { frame: st.frame, updates: st.updates, seconds }, metrics: [...st.metrics, row] };
    folder.writeMetrics(st.metrics);
    return row;
  };

  // 3. Frames: act, store, learn.
  let interrupted = false;
  const updatesAtStart = st.updates, startedHere = performance.now();
  try {
    while (st.frame < args.frames) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const epsilon = epsilonAt(schedule, st.frame);
      const action = actRng.nextFloat() < epsilon ? actRng.nextInt(actions) : greedyAction(online, obs, actions);
      const s = env.step(action);
      replay.add(obs, action, s.reward, s.terminated, s.truncated, s.obs);
      st.frame++;
      st.episodeReturn += s.reward;
      st.episodeLength++;
      if (s.terminated || s.truncated) {
        st.episodes++;
        st.recent = [...st.recent.slice(-99), st.episodeReturn];
        if (args.solvedReturn !== null && st.solvedAt === null && st.recent.length === 100 && mean(st.recent) >= args.solvedReturn) st.solvedAt = st.frame;
        st.episodeReturn = 0;
        st.episodeLength = 0;
        obs = env.reset().obs;
      } else {
        obs = s.obs;
      }

      if (st.frame >= args.learningStarts && st.frame % args.trainEvery === 0 && replay.sampleable >= args.batchSize) {
        if (args.variant === 'weightnorm+init' && !st.dataInitDone) {
          // the paper's data-dependent init, on replay states from the random warm-up
          const states = replay.recentObservations(args.initBatch);
          const x = tensor(states, [states.length / obsSize, obsSize]);
          initFromData(online, x);
          x.dispose();
          updateTarget(target, online, 1);
          st.dataInitDone = true;
        }
        st.lossSum += update();
        st.lossCount++;
        st.updates++;
        if (st.updates % args.targetUpdateEvery === 0) updateTarget(target, online, args.tau);
      }

      if (st.frame % args.logEvery === 0) {
        const evalNow = args.evalEvery > 0 && st.frame % args.evalEvery === 0 && args.evalEpisodes > 0;
        const ev = evalNow ? mean(evaluate(online, evalEnv, { episodes: args.evalEpisodes, epsilon: args.evalEpsilon, seed: evalSeed(st.frame) })) : undefined;
        const row = logRow(ev);
        progress?.log(`[${label}] frame ${row.frame}  episodes ${row.episodes}  return(100) ${row.return_mean100?.toFixed(1) ?? '–'}${ev !== undefined ? `  eval ${ev.toFixed(1)}` : ''}  ε ${row.epsilon.toFixed(3)}  ${row.frames_per_second.toFixed(0)} frames/s  ${row.updates_per_second.toFixed(0)} updates/s`);
      }
      if (st.frame % args.checkpointEvery === 0 && st.frame < args.frames) checkpoint();
      if (progress && st.frame % 16 === 0) {
        const ups = (st.updates - updatesAtStart) / Math.max(1e-9, (performance.now() - startedHere) / 1000);
        progress.update(st.frame, `ep ${st.episodes} | R100 ${st.recent.length ? mean(st.recent).toFixed(1) : '–'} | ε ${epsilon.toFixed(2)} | ${ups.toFixed(0)} upd/s`);
      }
      options.onFrame?.(st.frame);
      if (st.frame % 64 === 0) await yieldToEventLoop();
    }
    st.seconds = elapsed();
    checkpoint();
    progress?.finish();

    // 4. The final evaluation and the run's report.
    let evalReturns: number[] = [];
    if (!interrupted) {
      if (args.evalEpisodes > 0) evalReturns = evaluate(online, evalEnv, { episodes: args.evalEpisodes, epsilon: args.evalEpsilon, seed: evalSeed(args.frames + 1) });
      folder.writeModel(online, { variant: args.variant, env: args.env, network: networkKind(args) });
      const summary = {
        env: args.env, variant: args.variant, frames: st.frame, episodes: st.episodes, updates: st.updates,
        return_mean100: st.recent.length ? mean(st.recent) : null, solved_at: st.solvedAt,
        eval_episodes: evalReturns.length, eval_epsilon: args.evalEpsilon, eval_mean: evalReturns.length ? mean(evalReturns) : null, eval_returns: evalReturns,
        seconds: st.seconds, frames_per_second: st.frame / Math.max(st.seconds, 1e-9), parameters,
      };
      folder.writeSummary({ json: summary as unknown as JsonValue, markdown: `# DQN ${args.variant} on ${args.env}\n\n${Object.entries(summary).filter(([k]) => k !== 'eval_returns').map(([k, v]) => `- ${k}: ${typeof v === 'number' ? +v.toFixed(4) : String(v)}`).join('\n')}\n` });
    }
    return { runDir: args.outDir, metrics: st.metrics, evalReturns, solvedAt: st.solvedAt, interrupted, resumed: folder.resuming, parameters, online };
  } finally {
    target.dispose();
    optimizer.dispose();
  }
}
