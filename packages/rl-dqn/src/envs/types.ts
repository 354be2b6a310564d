import type { Box, Discrete, ObsArray } from './spaces.js';

/** An RGB image, row-major, 3 bytes per pixel. */
export interface Frame {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The pixels, row-major, 3 bytes (R, G, B) per pixel. */
  data: Uint8Array;
}

/** What `reset` returns. */
export interface ResetResult<O extends ObsArray = ObsArray> {
  /** The first observation. */
  obs: O;
  /** Extra information (empty for the built-in envs). */
  info: Record<string, unknown>;
}

/** What `step` returns. */
export interface StepResult<O extends ObsArray = ObsArray> {
  /** The observation after the step. */
  obs: O;
  /** The reward of the step. */
  reward: number;
  /** The episode reached a terminal state of the task (no bootstrapping from `obs`). */
  terminated: boolean;
  /** The episode was cut by the time limit (bootstrap from `obs` if not also terminated). */
  truncated: boolean;
  /** Extra information (empty for the built-in envs). */
  info: Record<string, unknown>;
}

/** A JSON-serializable snapshot of an env: dynamics, episode counters and generator position. */
export interface EnvState {
  /** The env's registered id. */
  id: string;
  /** `null` until the first reset. */
  rng: {
    /** The generator's seed. */
    seed: number;
    /** Its next stream. */
    stream: number;
  } | null;
  /** 'idle' before the first reset, 'running' mid-episode, 'done' after the last step of an episode. */
  status: 'idle' | 'running' | 'done';
  /** Steps taken in the current episode (what the time limit counts). */
  elapsedSteps: number;
  /** Everything the dynamics need to continue (the env kind's own record). */
  dynamics: Record<string, unknown>;
}

/** The Gymnasium-shaped interface every env implements. */
export interface Env<O extends ObsArray = ObsArray> {
  /** The registered id, e.g. `'CartPole-v1'`. */
  readonly id: string;
  /** The shape, dtype and bounds of the observations. */
  readonly observationSpace: Box;
  /** The valid actions. */
  readonly actionSpace: Discrete;
  /** Steps after which `truncated` is set; `undefined` for no limit. */
  readonly maxEpisodeSteps: number | undefined;
  /** Starts an episode. A seed re-seeds the env's generator; without one it continues. */
  reset(options?: { seed?: number }): ResetResult<O>;
  /**
   * Takes one action. Throws a `WnError` for an invalid action, or a step before `reset` or after the end of an
   * episode.
   */
  step(action: number): StepResult<O>;
  /** The current state as an RGB frame. */
  render(): Frame;
  /** The env's whole state as JSON (see {@link EnvState}). */
  getState(): EnvState;
  /** Restores a state from `getState()`; throws a `WnError` naming the bad field and changes nothing then. */
  setState(state: unknown): void;
}
