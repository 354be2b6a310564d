import type { Rng } from '@wn/tensor';
import { EnvBase, type CommonEnvOptions } from '../base.js';
import { Canvas } from '../raster.js';
import { Box, Discrete } from '../spaces.js';
import type { StateReader } from '../state-reader.js';
import type { Frame } from '../types.js';
import { uniform } from './uniform.js';

const DT = 0.2;
const L1 = 1.0;
const M1 = 1.0;
const M2 = 1.0;
const LC1 = 0.5;
const LC2 = 0.5;
const I1 = 1.0;
const I2 = 1.0;
const G = 9.8;
export const ACROBOT_MAX_VEL_1 = 4 * Math.PI;
export const ACROBOT_MAX_VEL_2 = 9 * Math.PI;
const TORQUES = [-1.0, 0.0, 1.0];

type Vec4 = [number, number, number, number];

/** d/dt of (θ1, θ2, θ̇1, θ̇2) under a constant torque: Sutton & Barto's ("book") equations. */
export function acrobotDerivatives(s: readonly number[], torque: number): Vec4 {
  const [theta1, theta2, dtheta1, dtheta2] = s;
  const d1 = M1 * LC1 ** 2 + M2 * (L1 ** 2 + LC2 ** 2 + 2 * L1 * LC2 * Math.cos(theta2)) + I1 + I2;
  const d2 = M2 * (LC2 ** 2 + L1 * LC2 * Math.cos(theta2)) + I2;
  const phi2 = M2 * LC2 * G * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 =
    -M2 * L1 * LC2 * (dtheta2 * dtheta2) * Math.sin(theta2) -
    2 * M2 * L1 * LC2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (M1 * LC1 + M2 * L1) * G * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  const ddtheta2 =
    (torque + (d2 / d1) * phi1 - M2 * L1 * LC2 * (dtheta1 * dtheta1) * Math.sin(theta2) - phi2) / (M2 * LC2 ** 2 + I2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return [dtheta1, dtheta2, ddtheta1, ddtheta2];
}

/** One classical Runge–Kutta step of size DT, combined in Gymnasium's order. */
export function acrobotRk4(s: readonly number[], torque: number): Vec4 {
  const half = DT / 2.0;
  const k1 = acrobotDerivatives(s, torque);
  const k2 = acrobotDerivatives(s.map((v, i) => v + half * k1[i]), torque);
  const k3 = acrobotDerivatives(s.map((v, i) => v + half * k2[i]), torque);
  const k4 = acrobotDerivatives(s.map((v, i) => v + DT * k3[i]), torque);
  return s.map((v, i) => v + (DT / 6.0) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])) as Vec4;
}

/** Wraps an angle into [−π, π] by whole turns (Gymnasium's `wrap`). */
export function wrapAngle(x: number): number {
  const span = 2 * Math.PI;
  while (x > Math.PI) x -= span;
  while (x < -Math.PI) x += span;
  return x;
}

const clip = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);

/** The state after one env step: RK4, then angles wrapped and velocities clipped. */
export function acrobotStep(s: readonly number[], action: number): Vec4 {
  const n = acrobotRk4(s, TORQUES[action]);
  return [wrapAngle(n[0]), wrapAngle(n[1]), clip(n[2], -ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_1), clip(n[3], -ACROBOT_MAX_VEL_2, ACROBOT_MAX_VEL_2)];
}

/** Gymnasium's Acrobot-v1: swing the tip above one link length over the pivot. */
export class AcrobotEnv extends EnvBase<Float32Array> {
  /** Six float32 values: cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2. */
  readonly observationSpace = new Box(
    [6],
    [-1, -1, -1, -1, -ACROBOT_MAX_VEL_1, -ACROBOT_MAX_VEL_2].map(Math.fround),
    [1, 1, 1, 1, ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_2].map(Math.fround),
    'float32',
  );
  /** Torque −1, 0 or +1 on the joint between the links. */
  readonly actionSpace = new Discrete(3);
  /** (θ1, θ2, θ̇1, θ̇2) in float64. */
  state: Vec4 = [0, 0, 0, 0];

  constructor(id: string, options: CommonEnvOptions = {}) {
    super(id, 500, options);
  }

  protected resetDynamics(rng: Rng): void {
    // Gymnasium draws the start in float64 and stores it as float32.
    const u = () => Math.fround(uniform(rng, -0.1, 0.1));
    this.state = [u(), u(), u(), u()];
  }

  protected stepDynamics(action: number): { reward: number; terminated: boolean } {
    this.state = acrobotStep(this.state, action);
    const [t1, t2] = this.state;
    const terminated = -Math.cos(t1) - Math.cos(t2 + t1) > 1.0;
    return { reward: terminated ? 0 : -1, terminated };
  }

  protected observe(): Float32Array {
    const [t1, t2, d1, d2] = this.state;
    return Float32Array.of(Math.cos(t1), Math.sin(t1), Math.cos(t2), Math.sin(t2), d1, d2);
  }

  protected dynamicsState(): Record<string, unknown> {
    return { state: [...this.state] };
  }

  protected setDynamicsState(reader: StateReader): void {
    this.state = reader.numbers('state', 4) as Vec4;
  }

  /** 500 × 500: two teal links from the pivot, yellow joints, and the goal height as a line. */
  render(): Frame {
    const size = 500;
    const canvas = new Canvas(size, size);
    const scale = size / (2 * 2.2);
    const c = size / 2;
    const [t1, t2] = this.state;
    // Pivot at the centre; θ1 = 0 hangs straight down. Screen y grows downward.
    const x1 = c + Math.sin(t1) * scale;
    const y1 = c + Math.cos(t1) * scale;
    const x2 = x1 + Math.sin(t1 + t2) * scale;
    const y2 = y1 + Math.cos(t1 + t2) * scale;
    canvas.fillRect(c - 2.2 * scale, c - scale, c + 2.2 * scale, c - scale + 1, [0, 0, 0]);
    canvas.line(c, c, x1, y1, 0.2 * scale, [0, 204, 204]);
    canvas.line(x1, y1, x2, y2, 0.2 * scale, [0, 204, 204]);
    canvas.fillCircle(c, c, 0.1 * scale, [204, 204, 0]);
    canvas.fillCircle(x1, y1, 0.1 * scale, [204, 204, 0]);
    return canvas.toFrame();
  }
}
