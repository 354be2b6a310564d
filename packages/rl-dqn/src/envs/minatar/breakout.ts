import type { Rng } from '@wn/tensor';
import type { StateReader } from '../state-reader.js';
import { GRID, LEFT, RIGHT, type CellWriter, type MinAtarGame } from './game.js';

// Ball directions as (dx, dy), y growing downward: 0 up-left, 1 up-right, 2 down-right, 3 down-left.
const DX = [-1, 1, 1, -1];
const DY = [-1, -1, 1, 1];
const FLIP_X = [1, 0, 3, 2];
const FLIP_Y = [3, 2, 1, 0];
const REVERSE = [2, 3, 0, 1];

/** Breakout (minatar.md §3.2): bounce the ball off the paddle into three rows of bricks. */
export class Breakout implements MinAtarGame {
  readonly channels = ['paddle', 'ball', 'trail', 'brick'] as const;
  /** The paddle's column (on the bottom row). */
  paddle = 4;
  /** The ball's column. */
  ballX = 0;
  /** The ball's row. */
  ballY = 3;
  /** The ball's direction: 0 up-left, 1 up-right, 2 down-right, 3 down-left. */
  ballDir = 2;
  /** The ball's previous column (the trail channel). */
  lastX = 0;
  /** The ball's previous row. */
  lastY = 3;
  /** Whether the previous step struck a brick (a second strike in a row does nothing). */
  strike = false;
  /** The bricks, one byte per cell of the 10 × 10 grid (1: a brick). */
  bricks = new Uint8Array(GRID * GRID);

  private fillBricks(): void {
    for (let i = GRID; i < 4 * GRID; i++) this.bricks[i] = 1;
  }

  /** Starts an episode: three full rows of bricks, the ball on row 3 at a random side, heading down. */
  reset(rng: Rng): void {
    this.bricks.fill(0);
    this.fillBricks();
    this.paddle = 4;
    this.ballY = 3;
    if (rng.nextInt(2) === 0) {
      this.ballX = 0;
      this.ballDir = 2;
    } else {
      this.ballX = 9;
      this.ballDir = 3;
    }
    this.strike = false;
    this.lastX = this.ballX;
    this.lastY = this.ballY;
  }

  step(action: number): { reward: number; terminal: boolean } {
    let reward = 0;
    let terminal = false;
    if (action === LEFT) this.paddle = Math.max(0, this.paddle - 1);
    else if (action === RIGHT) this.paddle = Math.min(GRID - 1, this.paddle + 1);

    this.lastX = this.ballX;
    this.lastY = this.ballY;
    let x = this.ballX + DX[this.ballDir];
    let y = this.ballY + DY[this.ballDir];
    let struckNow = false;
    if (x < 0 || x > GRID - 1) {
      x = x < 0 ? 0 : GRID - 1;
      this.ballDir = FLIP_X[this.ballDir];
    }
    if (y < 0) {
      y = 0;
      this.ballDir = FLIP_Y[this.ballDir];
    } else if (this.bricks[y * GRID + x] === 1) {
      struckNow = true;
      if (!this.strike) {
        reward += 1;
        this.strike = true;
        this.bricks[y * GRID + x] = 0;
        y = this.lastY;
        this.ballDir = FLIP_Y[this.ballDir];
      }
    } else if (y === GRID - 1) {
      if (!this.bricks.includes(1)) this.fillBricks();
      if (this.paddle === this.lastX) {
        this.ballDir = FLIP_Y[this.ballDir];
        y = this.lastY;
      } else if (this.paddle === x) {
        this.ballDir = REVERSE[this.ballDir];
        y = this.lastY;
      } else {
        terminal = true;
      }
    }
    if (!struckNow) this.strike = false;
    this.ballX = x;
    this.ballY = y;
    return { reward, terminal };
  }

  observe(grid: CellWriter): void {
    grid.set(GRID - 1, this.paddle, 0);
    grid.set(this.ballY, this.ballX, 1);
    grid.set(this.lastY, this.lastX, 2);
    for (let i = 0; i < GRID * GRID; i++) if (this.bricks[i]) grid.set(Math.floor(i / GRID), i % GRID, 3);
  }

  /** The game's state as JSON. */
  getState(): Record<string, unknown> {
    const { paddle, ballX, ballY, ballDir, lastX, lastY, strike } = this;
    return { paddle, ballX, ballY, ballDir, lastX, lastY, strike, bricks: Array.from(this.bricks) };
  }

  setState(r: StateReader): void {
    const s = {
      paddle: r.int('paddle', 0, 9),
      ballX: r.int('ballX', 0, 9),
      ballY: r.int('ballY', 0, 9),
      ballDir: r.int('ballDir', 0, 3),
      lastX: r.int('lastX', 0, 9),
      lastY: r.int('lastY', 0, 9),
      strike: r.bool('strike'),
      bricks: r.bits('bricks', GRID * GRID),
    };
    Object.assign(this, s);
  }
}
