import { Rng, argError } from '@wn/tensor';
import { checkSeed } from './errors.js';
import type { Box, Discrete, ObsArray } from './spaces.js';
import { StateReader } from './state-reader.js';
import type { Env, EnvState, Frame, ResetResult, StepResult } from './types.js';

/** Options every env accepts. */
export interface CommonEnvOptions {
  /** Overrides the registered time limit; `null` removes it. */
  maxEpisodeSteps?: number | null;
}

/**
 * The bookkeeping every env shares: one generator, the episode status (so `step` before `reset` or
 * after the end of an episode fails clearly), action checks, the time limit (Gymnasium's
 * TimeLimit semantics: `truncated` once the elapsed steps reach the limit, even on a terminal
 * step) and the outer layer of the saved state. Subclasses supply the dynamics.
 */
export abstract class EnvBase<O extends ObsArray> implements Env<O> {
  /** The shape, dtype and bounds of the observations. */
  abstract readonly observationSpace: Box;
  /** The valid actions. */
  abstract readonly actionSpace: Discrete;
  readonly maxEpisodeSteps: number | undefined;
  /** `undefined` until the first reset; unseeded first resets use seed 0 (deterministic by design). */
  protected rng: Rng | undefined;
  private status: EnvState['status'] = 'idle';
  private elapsed = 0;

  protected constructor(
    /** The registered id, e.g. `'CartPole-v1'`. */
    readonly id: string,
    defaultMaxSteps: number | undefined,
    options: CommonEnvOptions,
  ) {
    const limit = options.maxEpisodeSteps;
    if (limit === null) this.maxEpisodeSteps = undefined;
    else if (limit === undefined) this.maxEpisodeSteps = defaultMaxSteps;
    else if (!Number.isInteger(limit) || limit < 1) throw argError(`make('${id}')`, 'options.maxEpisodeSteps', 'a positive integer or null', limit);
    else this.maxEpisodeSteps = limit;
  }

  /** Draws the start of an episode from `rng`. */
  protected abstract resetDynamics(rng: Rng): void;
  /** Advances one step with a checked action. */
  protected abstract stepDynamics(action: number, rng: Rng): { reward: number; terminated: boolean };
  /** The current observation (a new array). */
  protected abstract observe(): O;
  abstract render(): Frame;
  /** The dynamics' own part of the saved state (JSON-serializable). */
  protected abstract dynamicsState(): Record<string, unknown>;
  /** Restores the dynamics from a saved record, reading every field before changing anything. */
  protected abstract setDynamicsState(reader: StateReader): void;

  reset(options: { seed?: number } = {}): ResetResult<O> {
    if (typeof options !== 'object' || options === null) throw argError(`${this.id}.reset`, 'options', 'an object { seed? }', options);
    if (options.seed !== undefined) this.rng = new Rng(checkSeed(`${this.id}.reset`, 'options.seed', options.seed));
    else this.rng ??= new Rng(0);
    this.elapsed = 0;
    this.resetDynamics(this.rng);
    this.status = 'running';
    return { obs: this.observe(), info: {} };
  }

  /**
   * Advances one step with `action`. Throws a `WnError` for an invalid action, or a step before `reset` or after
   * the end of an episode.
   */
  step(action: number): StepResult<O> {
    const op = `${this.id}.step`;
    if (this.status !== 'running') {
      throw argError(op, 'this', 'an env mid-episode (call reset() first)', this.status === 'idle' ? 'an env never reset' : 'an episode that has ended');
    }
    this.actionSpace.check(op, 'action', action);
    const { reward, terminated } = this.stepDynamics(action, this.rng as Rng);
    this.elapsed++;
    const truncated = this.maxEpisodeSteps !== undefined && this.elapsed >= this.maxEpisodeSteps;
    if (terminated || truncated) this.status = 'done';
    return { obs: this.observe(), reward, terminated, truncated, info: {} };
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  /** The env's whole state as JSON: id, generator position, episode status and the dynamics. */
  getState(): EnvState {
    return {
      id: this.id,
      rng: this.rng ? this.rng.state() : null,
      status: this.status,
      elapsedSteps: this.elapsed,
      dynamics: this.status === 'idle' ? {} : this.dynamicsState(),
    };
  }

  /**
   * Restores a state from `getState()`. Throws a `WnError` naming the bad field (wrong id, missing or out-of-range
   * values) and changes nothing then.
   */
  setState(state: unknown): void {
    const op = `${this.id}.setState`;
    const reader = new StateReader(op, state);
    reader.string('id', [this.id]);
    const status = reader.string('status', ['idle', 'running', 'done']) as EnvState['status'];
    const elapsed = reader.int('elapsedSteps', 0, Number.MAX_SAFE_INTEGER);
    const rngState = reader.raw('rng');
    const rng = rngState === null ? undefined : Rng.fromState(rngState);
    // Read the dynamics before touching anything, so a bad record leaves the env as it was.
    if (status !== 'idle') this.setDynamicsState(reader.child('dynamics'));
    this.rng = rng;
    this.status = status;
    this.elapsed = elapsed;
  }
}
