import { argError } from '@wn/tensor';
import { checkSeed } from './errors.js';
import { make, type MakeOptions } from './registry.js';
import { Box, type ObsArray } from './spaces.js';
import { StateReader } from './state-reader.js';
import type { Env, EnvState } from './types.js';

/**
 * How a finished sub-env starts its next episode:
 * - `'next-step'` (Gymnasium's default): the step that ends an episode returns its last observation;
 *   the next `step` ignores that env's action, resets it and returns the first observation with
 *   reward 0 and both flags false (`info.autoreset` marks those envs).
 * - `'same-step'`: the ending step resets at once and returns the new episode's first observation;
 *   the last observation of the finished episode goes to `info.finalObs` (marked by `info.final`).
 */
export type AutoresetMode = 'next-step' | 'same-step';

/** Options of {@link VectorEnv}: those of `make` for every sub-env, the first seed and the autoreset mode. */
export interface VectorOptions extends MakeOptions {
  /** Env i's first episode is seeded with `seed + i` (default 0). */
  seed?: number;
  /** How a finished env starts its next episode (default `'next-step'`). */
  autoreset?: AutoresetMode;
}

/** A finished episode's statistics, reported in `info.episodes` of the step that ended it. */
export interface EpisodeRecord {
  /** Which sub-env. */
  env: number;
  /** The episode's return (sum of rewards). */
  return: number;
  /** The episode's length in steps. */
  length: number;
  /** Whether it ended by termination. */
  terminated: boolean;
  /** Whether it was cut by the time limit. */
  truncated: boolean;
}

/** The `info` of a vector step. */
export interface VectorStepInfo {
  /** `'next-step'`: 1 where this step reset the env instead of stepping it. */
  autoreset: Uint8Array;
  /** `'same-step'`: 1 where an episode ended this step; its last observation is in `finalObs`. */
  final: Uint8Array;
  /**
   * `'same-step'`: the last observations of the episodes that ended (rows of envs that did not end are zeros);
   * undefined when none ended.
   */
  finalObs: ObsArray | undefined;
  /** The episodes that ended this step. */
  episodes: EpisodeRecord[];
}

/** What {@link VectorEnv.step} returns. */
export interface VectorStepResult {
  /** n × obsSize observations, env-major. */
  obs: ObsArray;
  /** Reward per env. */
  rewards: Float64Array;
  /** 1 where the env's episode terminated this step. */
  terminated: Uint8Array;
  /** 1 where the env's episode was truncated this step. */
  truncated: Uint8Array;
  /** Autoreset markers, final observations and finished episodes. */
  info: VectorStepInfo;
}

/** A vector env's whole state as JSON. */
export interface VectorEnvState {
  /** The envs' id. */
  id: string;
  /** Number of envs. */
  numEnvs: number;
  /** The autoreset mode. */
  autoreset: AutoresetMode;
  /** Per env: whether its next step resets it (`'next-step'`). */
  needsReset: boolean[];
  /** Per env: the running episode's return so far. */
  returns: number[];
  /** Per env: the running episode's length so far. */
  lengths: number[];
  /** Every env's state. */
  envs: EnvState[];
}

/** n copies of one env stepped together, observations batched in one typed array. */
export class VectorEnv {
  /** The sub-envs. */
  readonly envs: Env[];
  /** One env's observation space. */
  readonly singleObservationSpace: Box;
  /** The batch: shape [n, ...single shape]. */
  readonly observationSpace: Box;
  /** How a finished env starts its next episode. */
  readonly autoreset: AutoresetMode;
  private readonly baseSeed: number;
  private needsReset: boolean[];
  private returns: number[];
  private lengths: number[];
  private started = false;

  constructor(
    /** The registered id of every sub-env. */
    readonly id: string,
    /** Number of envs. */
    readonly numEnvs: number,
    options: VectorOptions = {},
  ) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw argError('makeVec', 'n', 'a positive integer', numEnvs);
    const { seed = 0, autoreset = 'next-step', ...envOptions } = options;
    this.baseSeed = checkSeed('makeVec', 'options.seed', seed);
    if (autoreset !== 'next-step' && autoreset !== 'same-step') throw argError('makeVec', 'options.autoreset', "'next-step' or 'same-step'", autoreset);
    this.autoreset = autoreset;
    this.envs = Array.from({ length: numEnvs }, () => make(id, envOptions));
    this.singleObservationSpace = this.envs[0].observationSpace;
    const single = this.singleObservationSpace;
    const repeat = (v: readonly number[]) => Array.from({ length: numEnvs }, () => v).flat();
    this.observationSpace = new Box([numEnvs, ...single.shape], repeat(single.low), repeat(single.high), single.dtype);
    this.needsReset = new Array<boolean>(numEnvs).fill(false);
    this.returns = new Array<number>(numEnvs).fill(0);
    this.lengths = new Array<number>(numEnvs).fill(0);
  }

  /** One env's action space (every env has the same). */
  get singleActionSpace() {
    return this.envs[0].actionSpace;
  }

  /** Resets every env; a seed seeds env i with `seed + i`, and the first reset uses the creation seed. */
  reset(options: { seed?: number } = {}): { obs: ObsArray; info: Record<string, unknown> } {
    const seed = options.seed !== undefined ? checkSeed('VectorEnv.reset', 'options.seed', options.seed) : this.started ? undefined : this.baseSeed;
    const obs = this.observationSpace.allocate();
    const size = this.singleObservationSpace.size;
    this.envs.forEach((env, i) => {
      obs.set(env.reset(seed === undefined ? {} : { seed: seed + i }).obs, i * size);
    });
    this.needsReset.fill(false);
    this.returns.fill(0);
    this.lengths.fill(0);
    this.started = true;
    return { obs, info: {} };
  }

  /**
   * Steps every env with its action (one per env). Throws a `WnError` for a step before `reset` or a wrong number
   * of actions.
   */
  step(actions: ArrayLike<number>): VectorStepResult {
    if (!this.started) throw argError('VectorEnv.step', 'this', 'a vector env that was reset', 'one never reset');
    if (actions === null || typeof actions !== 'object' || actions.length !== this.numEnvs) {
      throw argError('VectorEnv.step', 'actions', `an array of ${this.numEnvs} actions`, actions === null || typeof actions !== 'object' ? actions : Array.from(actions));
    }
    for (let i = 0; i < this.numEnvs; i++) this.singleActionSpace.check('VectorEnv.step', `actions[${i}]`, actions[i]);
    const n = this.numEnvs;
    const size = this.singleObservationSpace.size;
    const obs = this.observationSpace.allocate();
    const rewards = new Float64Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const info: VectorStepInfo = { autoreset: new Uint8Array(n), final: new Uint8Array(n), finalObs: undefined, episodes: [] };
    for (let i = 0; i < n; i++) {
      const env = this.envs[i];
      if (this.needsReset[i]) {
        obs.set(env.reset().obs, i * size);
        this.needsReset[i] = false;
        info.autoreset[i] = 1;
        continue;
      }
      const r = env.step(actions[i]);
      rewards[i] = r.reward;
      terminated[i] = Number(r.terminated);
      truncated[i] = Number(r.truncated);
      this.returns[i] += r.reward;
      this.lengths[i]++;
      if (!(r.terminated || r.truncated)) {
        obs.set(r.obs, i * size);
        continue;
      }
      info.episodes.push({ env: i, return: this.returns[i], length: this.lengths[i], terminated: r.terminated, truncated: r.truncated });
      this.returns[i] = 0;
      this.lengths[i] = 0;
      if (this.autoreset === 'next-step') {
        obs.set(r.obs, i * size);
        this.needsReset[i] = true;
      } else {
        info.finalObs ??= this.observationSpace.allocate();
        info.finalObs.set(r.obs, i * size);
        info.final[i] = 1;
        obs.set(env.reset().obs, i * size);
      }
    }
    return { obs, rewards, terminated, truncated, info };
  }

  /** The whole state as JSON: every env's state plus the episode bookkeeping. */
  getState(): VectorEnvState {
    return {
      id: this.id,
      numEnvs: this.numEnvs,
      autoreset: this.autoreset,
      needsReset: [...this.needsReset],
      returns: [...this.returns],
      lengths: [...this.lengths],
      envs: this.envs.map((e) => e.getState()),
    };
  }

  /** Restores a state from `getState()`; throws a `WnError` naming the bad field. */
  setState(state: unknown): void {
    const op = 'VectorEnv.setState';
    const r = new StateReader(op, state);
    r.string('id', [this.id]);
    r.int('numEnvs', this.numEnvs, this.numEnvs);
    r.string('autoreset', [this.autoreset]);
    const flags = r.raw('needsReset');
    if (!Array.isArray(flags) || flags.length !== this.numEnvs || !flags.every((f) => typeof f === 'boolean')) throw r.error('needsReset', `${this.numEnvs} booleans`);
    const returns = r.numbers('returns', this.numEnvs);
    const lengths = r.numbers('lengths', this.numEnvs);
    const envStates = r.raw('envs');
    if (!Array.isArray(envStates) || envStates.length !== this.numEnvs) throw r.error('envs', `${this.numEnvs} env states`);
    // Validate every sub-state on a scratch env before changing this one.
    const scratch = make(this.id, {});
    envStates.forEach((s) => scratch.setState(s));
    this.envs.forEach((env, i) => env.setState(envStates[i]));
    this.needsReset = flags as boolean[];
    this.returns = returns;
    this.lengths = lengths;
    this.started = envStates.some((s) => (s as EnvState).status !== 'idle');
  }
}

/** `n` copies of env `id` with batched observations and autoreset (see {@link AutoresetMode}). */
export function makeVec(id: string, n: number, options: VectorOptions = {}): VectorEnv {
  return new VectorEnv(id, n, options);
}
