import type { Rng } from '@wn/tensor';
import type { StateReader } from '../state-reader.js';
import { DOWN, GRID, UP, type CellWriter, type MinAtarGame } from './game.js';

const MOVE_COOLDOWN = 3;
const TIME_LIMIT = 2500;
const CARS = 8;
const CHICKEN_X = 4;

/** Car k drives in row k + 1; it moves one column every speed + 1 steps. */
interface Car {
  x: number;
  /** 1 … 5 (larger is slower). */
  speed: number;
  /** +1 right, −1 left. */
  dir: number;
  counter: number;
}

/** Freeway (minatar.md §3.4): a chicken crosses eight lanes of traffic as often as it can. */
export class Freeway implements MinAtarGame {
  readonly channels = ['chicken', 'car', 'speed1', 'speed2', 'speed3', 'speed4', 'speed5'] as const;
  /** The chicken's row (it crosses from the bottom row to the top). */
  chickenY = GRID - 1;
  /** The eight cars, one per lane. */
  cars: Car[] = [];
  /** Steps until the chicken may move again. */
  moveTimer = MOVE_COOLDOWN;
  /** Steps left in the episode. */
  terminateTimer = TIME_LIMIT;

  private randomizeCars(rng: Rng, keepPositions: boolean): void {
    for (let k = 0; k < CARS; k++) {
      const speed = 1 + rng.nextInt(5);
      const dir = rng.nextFloat() < 0.5 ? -1 : 1;
      const x = keepPositions ? this.cars[k].x : 0;
      this.cars[k] = { x, speed, dir, counter: speed };
    }
  }

  /** Starts an episode: the chicken at the bottom, every car at the left edge with a random speed and direction. */
  reset(rng: Rng): void {
    this.cars = [];
    this.randomizeCars(rng, false);
    this.chickenY = GRID - 1;
    this.moveTimer = MOVE_COOLDOWN;
    this.terminateTimer = TIME_LIMIT;
  }

  step(action: number, rng: Rng): { reward: number; terminal: boolean } {
    let reward = 0;
    if (action === UP && this.moveTimer === 0) {
      this.moveTimer = MOVE_COOLDOWN;
      this.chickenY = Math.max(0, this.chickenY - 1);
    } else if (action === DOWN && this.moveTimer === 0) {
      this.moveTimer = MOVE_COOLDOWN;
      this.chickenY = Math.min(GRID - 1, this.chickenY + 1);
    }
    if (this.chickenY === 0) {
      reward += 1;
      this.randomizeCars(rng, true);
      this.chickenY = GRID - 1;
    }
    this.cars.forEach((car, k) => {
      const row = k + 1;
      if (car.x === CHICKEN_X && row === this.chickenY) this.chickenY = GRID - 1;
      if (car.counter === 0) {
        car.counter = car.speed;
        car.x = (car.x + car.dir + GRID) % GRID;
        if (car.x === CHICKEN_X && row === this.chickenY) this.chickenY = GRID - 1;
      } else {
        car.counter--;
      }
    });
    if (this.moveTimer > 0) this.moveTimer--;
    this.terminateTimer--;
    return { reward, terminal: this.terminateTimer < 0 };
  }

  observe(grid: CellWriter): void {
    grid.set(this.chickenY, CHICKEN_X, 0);
    this.cars.forEach((car, k) => {
      grid.set(k + 1, car.x, 1);
      grid.set(k + 1, (car.x - car.dir + GRID) % GRID, 1 + car.speed);
    });
  }

  /** The game's state as JSON. */
  getState(): Record<string, unknown> {
    return {
      chickenY: this.chickenY,
      // [x, speed, dir, counter] for cars 0 … 7
      cars: this.cars.map((c) => [c.x, c.speed, c.dir, c.counter]),
      moveTimer: this.moveTimer,
      terminateTimer: this.terminateTimer,
    };
  }

  setState(r: StateReader): void {
    const list = r.tuples('cars', [[0, 9], [1, 5], [-1, 1], [0, 5]], CARS);
    if (list.length !== CARS || list.some(([, speed, dir, counter]) => dir === 0 || counter > speed)) {
      throw r.error('cars', `${CARS} cars [x, speed 1..5, dir ±1, counter 0..speed]`);
    }
    const s = {
      chickenY: r.int('chickenY', 0, 9),
      cars: list.map(([x, speed, dir, counter]) => ({ x, speed, dir, counter })),
      moveTimer: r.int('moveTimer', 0, MOVE_COOLDOWN),
      terminateTimer: r.int('terminateTimer', -1, TIME_LIMIT),
    };
    Object.assign(this, s);
  }
}
