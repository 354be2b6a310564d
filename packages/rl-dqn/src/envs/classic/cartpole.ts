import { argError } from '@wn/tensor';
import type { Rng } from '@wn/tensor';
import { EnvBase, type CommonEnvOptions } from '../base.js';
import { Canvas } from '../raster.js';
import { Box, Discrete } from '../spaces.js';
import type { StateReader } from '../state-reader.js';
import type { Frame } from '../types.js';

/** Options of {@link CartPoleEnv}: the common ones and the reward variant. */
export interface CartPoleOptions extends CommonEnvOptions {
  /** Gymnasium's `sutton_barto_reward`: 0 per step and −1 on termination. */
  suttonBartoReward?: boolean;
}

// Gymnasium's constants, combined in the same order it combines them.
const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const HALF_LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH;
const FORCE = 10.0;
const TAU = 0.02;
/** The pole angle, in radians, beyond which an episode terminates (12°). */
export const CARTPOLE_THETA_LIMIT = (12 * 2 * Math.PI) / 360;
/** The cart position beyond which an episode terminates. */
export const CARTPOLE_X_LIMIT = 2.4;
const FLOAT32_MAX = 3.4028234663852886e38;

/** The float64 state (x, ẋ, θ, θ̇) after one explicit-Euler step with action 0 (push left) or 1. */
export function cartPoleStep(state: readonly number[], action: number): [number, number, number, number] {
  const [x, xDot, theta, thetaDot] = state;
  const force = action === 1 ? FORCE : -FORCE;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sin) / TOTAL_MASS;
  const thetaAcc = (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4.0 / 3.0 - (MASS_POLE * (cos * cos)) / TOTAL_MASS));
  const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
  // Positions first, from the old velocities.
  return [x + TAU * xDot, xDot + TAU * xAcc, theta + TAU * thetaDot, thetaDot + TAU * thetaAcc];
}

/** Gymnasium's CartPole-v1: keep the pole within 12° and the cart within ±2.4 for 500 steps. */
export class CartPoleEnv extends EnvBase<Float32Array> {
  /** Four float32 values: cart position, cart velocity, pole angle, pole angular velocity. */
  readonly observationSpace = new Box(
    [4],
    [-CARTPOLE_X_LIMIT * 2, -FLOAT32_MAX, -CARTPOLE_THETA_LIMIT * 2, -FLOAT32_MAX].map(Math.fround),
    [CARTPOLE_X_LIMIT * 2, FLOAT32_MAX, CARTPOLE_THETA_LIMIT * 2, FLOAT32_MAX].map(Math.fround),
    'float32',
  );
  /** Push the cart left (0) or right (1). */
  readonly actionSpace = new Discrete(2);
  private readonly suttonBarto: boolean;
  /** (x, ẋ, θ, θ̇) in float64. */
  state: [number, number, number, number] = [0, 0, 0, 0];

  constructor(id: string, options: CartPoleOptions = {}) {
    super(id, 500, options);
    const suttonBarto = options.suttonBartoReward ?? false;
    if (typeof suttonBarto !== 'boolean') throw argError(`make('${id}')`, 'options.suttonBartoReward', 'a boolean', suttonBarto);
    this.suttonBarto = suttonBarto;
  }

  protected resetDynamics(rng: Rng): void {
    const u = () => -0.05 + 0.1 * rng.nextFloat();
    this.state = [u(), u(), u(), u()];
  }

  protected stepDynamics(action: number): { reward: number; terminated: boolean } {
    this.state = cartPoleStep(this.state, action);
    const [x, , theta] = this.state;
    const terminated = x < -CARTPOLE_X_LIMIT || x > CARTPOLE_X_LIMIT || theta < -CARTPOLE_THETA_LIMIT || theta > CARTPOLE_THETA_LIMIT;
    const reward = this.suttonBarto ? (terminated ? -1 : 0) : 1;
    return { reward, terminated };
  }

  protected observe(): Float32Array {
    return Float32Array.from(this.state);
  }

  protected dynamicsState(): Record<string, unknown> {
    return { state: [...this.state] };
  }

  protected setDynamicsState(reader: StateReader): void {
    this.state = reader.numbers('state', 4) as [number, number, number, number];
  }

  /** 600 × 400 like Gymnasium's: a black cart on a track, a brown pole, a blue axle. */
  render(): Frame {
    const width = 600;
    const height = 400;
    const canvas = new Canvas(width, height);
    const scale = width / (CARTPOLE_X_LIMIT * 2);
    const cartX = this.state[0] * scale + width / 2;
    const trackY = height - 100; // y grows downward here
    const axleY = trackY - 30 / 4;
    canvas.fillRect(0, trackY, width, trackY + 1, [0, 0, 0]);
    canvas.fillRect(cartX - 25, trackY - 15, cartX + 25, trackY + 15, [0, 0, 0]);
    const poleLength = scale * 2 * HALF_LENGTH;
    const theta = this.state[2];
    canvas.line(cartX, axleY, cartX + poleLength * Math.sin(theta), axleY - poleLength * Math.cos(theta), 10, [202, 152, 101]);
    canvas.fillCircle(cartX, axleY, 5, [129, 132, 203]);
    return canvas.toFrame();
  }
}
