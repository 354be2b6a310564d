/**
 * DQN's learning step by step, without a run folder: the target-network update, one TD update
 * on a replay batch, the paper's data-dependent init from replay states, evaluation episodes, and
 * `DqnAgent`, which plays one frame at a time (act ε-greedily, store, learn). `train` runs the
 * same pieces with checkpoints and metrics; the browser entry offers them to pages and workers.
 */
import { add, dispose, mul, Rng, tensor, tidy, WnError, type RngState } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { cached, initFromData, paramGrads, type Optimizer, type Sequential } from '@wn/layers';
import { assertFiniteLoss } from '@wn/runs';
import type { Env } from '../envs/index.js';
import { makeOptimizer } from './optimizers.js';
import { greedyAction, qValues } from './qnet.js';
import { ReplayBuffer } from './replay.js';
import { epsilonAt } from './schedule.js';
import { buildOnline, checkArgs, epsilonSchedule, type Args } from './settings.js';
import { tdLoss, tdTargets } from './targets.js';

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

// ---- learning ----------------------------------------------------------------------------------

/** What one TD update reads: the networks, the optimizer, the replay memory and its sampler. */
export interface UpdateParts {
  /** The network being trained. */
  readonly online: Sequential;
  /** The network the TD targets come from. */
  readonly target: Sequential;
  /** The online network's optimizer. */
  readonly optimizer: Optimizer;
  /** Where the minibatch is sampled from. */
  readonly replay: ReplayBuffer;
  /** The sampler's generator. */
  readonly sampleRng: Rng;
  /** the number of actions (the width of the Q-values) */
  readonly actions: number;
}

/** The settings one TD update uses. */
export type UpdateSettings = Pick<Args, 'batchSize' | 'gamma' | 'loss' | 'doubleDqn'>;

/**
 * One update: a batch from replay, TD targets from the target network (double DQN: actions chosen
 * by the online one), one optimizer step on the online network. Returns the loss; a non-finite
 * loss throws (naming `where`, e.g. the frame) before the step.
 */
export function dqnUpdate(parts: UpdateParts, settings: UpdateSettings, where: Record<string, number>): number {
  const { online, target, optimizer, replay, sampleRng, actions } = parts;
  const obsSize = replay.obsSize;
  const b = replay.sample(settings.batchSize, sampleRng);
  const nextQTarget = qValues(target, b.nextObs, obsSize);
  const nextQOnline = settings.doubleDqn ? qValues(online, b.nextObs, obsSize) : null;
  const y = tdTargets({ rewards: b.rewards, terminated: b.terminated, nextQTarget, nextQOnline, gamma: settings.gamma, actions });
  const x = tensor(b.obs, [settings.batchSize, obsSize]);
  const { loss, grads } = cached(() => paramGrads(optimizer.params, () => tdLoss(online.forward(x), b.actions, y, settings.loss)));
  const value = loss.item();
  dispose([loss, x]);
  try {
    assertFiniteLoss(value, where, 'TD loss');
  } catch (error) {
    dispose(grads);
    throw error;
  }
  optimizer.step(grads);
  dispose(grads);
  return value;
}

/**
 * The paper's data-dependent init (weightnorm+init) on the most recent `count` replay states,
 * then the target network copies the initialized online one.
 */
export function dataInitFromReplay(online: Sequential, target: Sequential, replay: ReplayBuffer, count: number): void {
  const states = replay.recentObservations(count);
  const x = tensor(states, [states.length / replay.obsSize, replay.obsSize]);
  initFromData(online, x);
  x.dispose();
  updateTarget(target, online, 1);
}

/** What happened in one frame of `DqnAgent.step()`. */
export interface AgentFrame {
  /** Frames played, this one included. */
  readonly frame: number;
  /** The action taken. */
  readonly action: number;
  /** The reward it earned. */
  readonly reward: number;
  /** the episode ended this frame (terminated or truncated) */
  readonly episodeEnded: boolean;
  /** the episode's return so far, this frame's reward included (its final return when it ended) */
  readonly episodeReturn: number;
  /** the TD loss when this frame ran an update */
  readonly loss?: number;
  /** The exploration rate this frame acted with. */
  readonly epsilon: number;
}

/** Where an agent stands, besides its networks, optimizer, replay memory and env: what a checkpoint adds. */
export interface AgentPosition {
  /** Frames played. */
  readonly frame: number;
  /** Updates done. */
  readonly updates: number;
  /** Episodes finished. */
  readonly episodes: number;
  /** the return of the episode in progress */
  readonly episodeReturn: number;
  /** Whether the data-dependent init has run. */
  readonly dataInitDone: boolean;
  /** the current observation */
  readonly obs: Float32Array | Uint8Array;
  /** the exploration generator's state */
  readonly act: RngState;
  /** the replay sampler's state */
  readonly sample: RngState;
}

/**
 * A DQN agent that plays and learns one frame at a time, with the exploration, replay, update
 * and target-sync rules of `train` (same `Args`, same generators: the seed's streams 1–3), but no
 * run folder, checkpoints or metrics: for pages, workers and notebooks.
 */
export class DqnAgent {
  /** The Q-network being trained (the greedy policy's). */
  readonly online: Sequential;
  /** The target network. */
  readonly target: Sequential;
  /** The online network's optimizer (`args.optimizer`). */
  readonly optimizer: Optimizer;
  /** The replay memory. */
  readonly replay: ReplayBuffer;
  /** The env's number of actions. */
  readonly actions: number;
  private actRng: Rng;
  /** the replay sampler's generator (the seed's stream 3) */
  sampleRng: Rng;
  private obs: Float32Array | Uint8Array;
  private frames = 0;
  private updateCount = 0;
  private episodeCount = 0;
  private currentReturn = 0;
  private dataInitDone = false;

  /**
   * Builds the networks, optimizer and replay memory for `args` (checked: a WnError names a bad
   * field) and resets `env` with `args.seed`.
   */
  constructor(
    /** The settings (`train`'s `Args`; the run-folder fields are not used). */
    readonly args: Args,
    /** The env played and learned on. */
    readonly env: Env,
  ) {
    checkArgs(args);
    this.actions = env.actionSpace.n;
    const space = env.observationSpace;
    const binary = space.dtype === 'uint8' && space.low.every((v) => v === 0) && space.high.every((v) => v === 1);
    this.online = buildOnline(args, env);
    this.target = this.online.clone();
    this.optimizer = makeOptimizer(this.online, args);
    this.replay = new ReplayBuffer({ capacity: args.replaySize, obsSize: space.size, packed: binary });
    this.actRng = new Rng(args.seed, 2);
    this.sampleRng = new Rng(args.seed, 3);
    this.obs = env.reset({ seed: args.seed }).obs;
  }

  /** Frames played. */
  get frame(): number {
    return this.frames;
  }

  /** Updates done. */
  get updates(): number {
    return this.updateCount;
  }

  /** Episodes finished. */
  get episodes(): number {
    return this.episodeCount;
  }

  /** The current observation. */
  get observation(): Float32Array | Uint8Array {
    return this.obs;
  }

  /** Whether the data-dependent init (weightnorm+init) has run. */
  get dataInitialized(): boolean {
    return this.dataInitDone;
  }

  /** The position a checkpoint stores (with the networks, optimizer, replay memory and env state). */
  position(): AgentPosition {
    return {
      frame: this.frames, updates: this.updateCount, episodes: this.episodeCount, episodeReturn: this.currentReturn,
      dataInitDone: this.dataInitDone, obs: this.obs, act: this.actRng.state(), sample: this.sampleRng.state(),
    };
  }

  /**
   * Continues from a saved position; the caller restores the networks, optimizer, replay memory
   * and env state itself. Generator states are checked by `Rng.fromState`.
   */
  resume(position: Omit<AgentPosition, 'act' | 'sample'> & { act: unknown; sample: unknown }): void {
    this.frames = position.frame;
    this.updateCount = position.updates;
    this.episodeCount = position.episodes;
    this.currentReturn = position.episodeReturn;
    this.dataInitDone = position.dataInitDone;
    this.obs = position.obs;
    this.actRng = Rng.fromState(position.act);
    this.sampleRng = Rng.fromState(position.sample);
  }

  /** Plays one frame: act ε-greedily, store the transition, and learn when it is time. */
  step(): AgentFrame {
    const a = this.args;
    const epsilon = epsilonAt(epsilonSchedule(a), this.frames);
    const action = this.actRng.nextFloat() < epsilon ? this.actRng.nextInt(this.actions) : greedyAction(this.online, this.obs, this.actions);
    const s = this.env.step(action);
    this.replay.add(this.obs, action, s.reward, s.terminated, s.truncated, s.obs);
    this.frames++;
    this.currentReturn += s.reward;
    const episodeEnded = s.terminated || s.truncated;
    const episodeReturn = this.currentReturn;
    if (episodeEnded) {
      this.episodeCount++;
      this.currentReturn = 0;
      this.obs = this.env.reset().obs;
    } else {
      this.obs = s.obs;
    }
    let loss: number | undefined;
    if (this.frames >= a.learningStarts && this.frames % a.trainEvery === 0 && this.replay.sampleable >= a.batchSize) {
      if (a.variant === 'weightnorm+init' && !this.dataInitDone) {
        dataInitFromReplay(this.online, this.target, this.replay, a.initBatch);
        this.dataInitDone = true;
      }
      loss = dqnUpdate(this, a, { frame: this.frames, update: this.updateCount + 1 });
      this.updateCount++;
      if (this.updateCount % a.targetUpdateEvery === 0) updateTarget(this.target, this.online, a.tau);
    }
    return { frame: this.frames, action, reward: s.reward, episodeEnded, episodeReturn, epsilon, ...(loss !== undefined ? { loss } : {}) };
  }

  /** Frees the networks' and the optimizer's tensors. */
  dispose(): void {
    this.target.dispose();
    this.online.dispose();
    this.optimizer.dispose();
  }
}
