/**
 * DQN's settings: the typed `Args`, the presets (CleanRL's CartPole, MinAtar's examples/dqn.py,
 * the weight-norm paper's changes, a quick CartPole run), their checks, and the env and online
 * network they build. No I/O: the browser entry shares them with `train`.
 */
import { Rng, WnError } from '@wn/tensor';
import type { Sequential } from '@wn/layers';
import { make, type Env } from '../envs/index.js';
import type { OptimizerSettings } from './optimizers.js';
import { buildQNetwork, type QNetworkKind, type QVariant } from './qnet.js';
import { checkEpsilonSchedule, type EpsilonSchedule } from './schedule.js';
import type { TdLoss } from './targets.js';

// ---- arguments -------------------------------------------------------------------------------

/** The DQN trainer's arguments (the CLI's options, resolved; a preset gives them all): env, network, replay, targets, ε schedule, the optimizer (`OptimizerSettings`), evaluation, logging, seed and folder. */
export interface Args extends OptimizerSettings {
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
