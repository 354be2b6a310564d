/**
 * A chain MDP for the learning test: states 0..n−1 (one-hot float observations), start at 1;
 * action 0 moves left, 1 moves right. Reaching n−1 pays 1 and ends; reaching 0 pays 0.1 and ends;
 * 3n steps truncate. The optimal policy (always right) returns 1; an agent that ignores the
 * future (γ = 0) prefers the immediate 0.1 on the left.
 */
import { Box, Discrete, presetArgs, type Args, type Env, type EnvState, type Frame, type StepResult } from '../../src/index.js';

export class ChainEnv implements Env<Float32Array> {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(2);
  readonly maxEpisodeSteps: number;
  private pos = 1;
  private steps = 0;
  private status: EnvState['status'] = 'idle';

  constructor(readonly n = 8) {
    this.id = `Chain-${n}`;
    this.observationSpace = Box.uniform([n], 0, 1, 'float32');
    this.maxEpisodeSteps = 3 * n;
  }

  private obs(): Float32Array {
    const o = new Float32Array(this.n);
    o[this.pos] = 1;
    return o;
  }

  reset(): { obs: Float32Array; info: Record<string, unknown> } {
    this.pos = 1;
    this.steps = 0;
    this.status = 'running';
    return { obs: this.obs(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (this.status !== 'running') throw new Error('step before reset');
    this.pos += action === 1 ? 1 : -1;
    this.steps++;
    const terminated = this.pos === 0 || this.pos === this.n - 1;
    const reward = this.pos === this.n - 1 ? 1 : this.pos === 0 ? 0.1 : 0;
    const truncated = this.steps >= this.maxEpisodeSteps;
    if (terminated || truncated) this.status = 'done';
    return { obs: this.obs(), reward, terminated, truncated, info: {} };
  }

  render(): Frame {
    return { width: this.n, height: 1, data: new Uint8Array(3 * this.n) };
  }

  getState(): EnvState {
    return { id: this.id, rng: null, status: this.status, elapsedSteps: this.steps, dynamics: { pos: this.pos } };
  }

  setState(state: unknown): void {
    const s = state as EnvState;
    this.pos = s.dynamics.pos as number;
    this.steps = s.elapsedSteps;
    this.status = s.status;
  }
}

/** The learning test's settings on the chain (`outDir` must be given). */
export function chainArgs(over: Partial<Args> & { outDir: string }): Args {
  return {
    ...presetArgs('cartpole'),
    env: 'Chain-8', frames: 2_400, replaySize: 2_000, batchSize: 32, learningStarts: 300, trainEvery: 2, targetUpdateEvery: 25,
    gamma: 0.9, loss: 'huber', epsilonStart: 1, epsilonEnd: 0.1, epsilonFrames: 1_200, epsilonDelay: 300,
    optimizer: 'adam', lr: 3e-3, evalEpisodes: 20, evalEpsilon: 0, logEvery: 500, checkpointEvery: 1_000, solvedReturn: null,
    overwrite: true, ...over,
  };
}
