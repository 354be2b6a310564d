import type { Box, Discrete, ObsArray } from './spaces.js';

/** An RGB image, row-major, 3 bytes per pixel. */
export interface Frame {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface ResetResult<O extends ObsArray = ObsArray> {
  obs: O;
  info: Record<string, unknown>;
}

export interface StepResult<O extends ObsArray = ObsArray> {
  obs: O;
  reward: number;
  /** The episode reached a terminal state of the task (no bootstrapping from `obs`). */
  terminated: boolean;
  /** The episode was cut by the time limit (bootstrap from `obs` if not also terminated). */
  truncated: boolean;
  info: Record<string, unknown>;
}

/** A JSON-serializable snapshot of an env: dynamics, episode counters and generator position. */
export interface EnvState {
  id: string;
  /** `null` until the first reset. */
  rng: { seed: number; stream: number } | null;
  /** 'idle' before the first reset, 'running' mid-episode, 'done' after the last step of an episode. */
  status: 'idle' | 'running' | 'done';
  /** Steps taken in the current episode (what the time limit counts). */
  elapsedSteps: number;
  /** Everything the dynamics need to continue (the env kind's own record). */
  dynamics: Record<string, unknown>;
}

/** The Gymnasium-shaped interface every env implements. */
export interface Env<O extends ObsArray = ObsArray> {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  /** Steps after which `truncated` is set; `undefined` for no limit. */
  readonly maxEpisodeSteps: number | undefined;
  /** Starts an episode. A seed re-seeds the env's generator; without one it continues. */
  reset(options?: { seed?: number }): ResetResult<O>;
  step(action: number): StepResult<O>;
  /** The current state as an RGB frame. */
  render(): Frame;
  getState(): EnvState;
  setState(state: unknown): void;
}
