import type { Rng } from '@wn/tensor';
import { EnvBase, type CommonEnvOptions } from '../base.js';
import { Canvas } from '../raster.js';
import { Box, Discrete } from '../spaces.js';
import type { StateReader } from '../state-reader.js';
import type { Frame } from '../types.js';
import { uniform } from './uniform.js';

export const MOUNTAIN_CAR_MIN_POSITION = -1.2;
export const MOUNTAIN_CAR_MAX_POSITION = 0.6;
export const MOUNTAIN_CAR_MAX_SPEED = 0.07;
export const MOUNTAIN_CAR_GOAL = 0.5;
const FORCE = 0.001;
const GRAVITY = 0.0025;

const clip = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);

/** (position, velocity) after one step with action 0 (push left), 1 (none) or 2 (push right). */
export function mountainCarStep([position, velocity]: readonly number[], action: number): [number, number] {
  // The two accelerations are summed first, then added (Python's `v += a + b`).
  velocity += (action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
  velocity = clip(velocity, -MOUNTAIN_CAR_MAX_SPEED, MOUNTAIN_CAR_MAX_SPEED);
  position += velocity;
  position = clip(position, MOUNTAIN_CAR_MIN_POSITION, MOUNTAIN_CAR_MAX_POSITION);
  if (position === MOUNTAIN_CAR_MIN_POSITION && velocity < 0) velocity = 0;
  return [position, velocity];
}

const hill = (x: number): number => Math.sin(3 * x) * 0.45 + 0.55;

/** Gymnasium's MountainCar-v0: rock an underpowered car up to the flag at 0.5. */
export class MountainCarEnv extends EnvBase<Float32Array> {
  /** Two float32 values: position and velocity. */
  readonly observationSpace = new Box(
    [2],
    [MOUNTAIN_CAR_MIN_POSITION, -MOUNTAIN_CAR_MAX_SPEED].map(Math.fround),
    [MOUNTAIN_CAR_MAX_POSITION, MOUNTAIN_CAR_MAX_SPEED].map(Math.fround),
    'float32',
  );
  /** Accelerate left (0), don't (1), or right (2). */
  readonly actionSpace = new Discrete(3);
  /** (position, velocity) in float64. */
  state: [number, number] = [0, 0];

  constructor(id: string, options: CommonEnvOptions = {}) {
    super(id, 200, options);
  }

  protected resetDynamics(rng: Rng): void {
    this.state = [uniform(rng, -0.6, -0.4), 0];
  }

  protected stepDynamics(action: number): { reward: number; terminated: boolean } {
    this.state = mountainCarStep(this.state, action);
    const [position, velocity] = this.state;
    return { reward: -1, terminated: position >= MOUNTAIN_CAR_GOAL && velocity >= 0 };
  }

  protected observe(): Float32Array {
    return Float32Array.from(this.state);
  }

  protected dynamicsState(): Record<string, unknown> {
    return { state: [...this.state] };
  }

  protected setDynamicsState(reader: StateReader): void {
    this.state = reader.numbers('state', 2) as [number, number];
  }

  /** 600 × 400: the hill curve, a flag at the goal and the car as a tilted black box. */
  render(): Frame {
    const width = 600;
    const height = 400;
    const canvas = new Canvas(width, height);
    const span = MOUNTAIN_CAR_MAX_POSITION - MOUNTAIN_CAR_MIN_POSITION;
    const scale = width / span;
    const toScreen = (x: number, y: number): [number, number] => [(x - MOUNTAIN_CAR_MIN_POSITION) * scale, height - y * scale];
    for (let i = 0; i < 100; i++) {
      const xa = MOUNTAIN_CAR_MIN_POSITION + (span * i) / 100;
      const xb = MOUNTAIN_CAR_MIN_POSITION + (span * (i + 1)) / 100;
      const [ax, ay] = toScreen(xa, hill(xa));
      const [bx, by] = toScreen(xb, hill(xb));
      canvas.line(ax, ay, bx, by, 2, [0, 0, 0]);
    }
    const [fx, fy] = toScreen(MOUNTAIN_CAR_GOAL, hill(MOUNTAIN_CAR_GOAL));
    canvas.fillRect(fx, fy - 50, fx + 2, fy, [0, 0, 0]);
    canvas.fillPolygon(
      [
        [fx + 2, fy - 50],
        [fx + 2, fy - 40],
        [fx + 27, fy - 45],
      ],
      [204, 204, 0],
    );
    const pos = this.state[0];
    const angle = Math.atan(Math.cos(3 * pos) * 3 * 0.45); // slope of the hill
    const [cx, cy] = toScreen(pos, hill(pos));
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    // Car-frame (dx along the slope, dy up from the track, lifted 10 px) to screen pixels.
    const corner = (dx: number, dy: number): [number, number] => [cx + dx * cos - (dy + 10) * sin, cy - (dx * sin + (dy + 10) * cos)];
    canvas.fillPolygon([corner(-20, -10), corner(20, -10), corner(20, 10), corner(-20, 10)], [0, 0, 0]);
    return canvas.toFrame();
  }
}
