import type { StateReader } from '../state-reader.js';
import { FIRE, GRID, LEFT, RIGHT, type GameOptions, type CellWriter, type MinAtarGame } from './game.js';

const SHOT_COOLDOWN = 5;
const INITIAL_MOVE_INTERVAL = 12;
const ENEMY_SHOT_INTERVAL = 10;
const MIN_MOVE_INTERVAL = 6;
const CELLS = GRID * GRID;

const at = (y: number, x: number): number => y * GRID + x;

/** Space Invaders (minatar.md §3.6): a cannon under a marching, shooting block of aliens. */
export class SpaceInvaders implements MinAtarGame {
  readonly channels = ['cannon', 'alien', 'alien_left', 'alien_right', 'friendly_bullet', 'enemy_bullet'] as const;
  /** The cannon's column (on the bottom row). */
  cannon = 5;
  /** The aliens, one byte per cell of the 10 × 10 grid. */
  aliens = new Uint8Array(CELLS);
  /** The player's bullets, one byte per cell. */
  friendlyBullets = new Uint8Array(CELLS);
  /** The aliens' bullets, one byte per cell. */
  enemyBullets = new Uint8Array(CELLS);
  /** −1 moving left, +1 moving right. */
  alienDir = -1;
  /** Steps between alien moves (shrinks as the game ramps up). */
  moveInterval = INITIAL_MOVE_INTERVAL;
  /** Steps until the aliens move. */
  alienMoveTimer = INITIAL_MOVE_INTERVAL;
  /** Steps until an alien fires. */
  alienShotTimer = ENEMY_SHOT_INTERVAL;
  /** Steps until the player may fire again. */
  shotTimer = 0;
  /** Number of speed-ups so far (one per cleared wave while ramping, down to the minimum interval). */
  rampIndex = 0;

  constructor(private readonly options: GameOptions) {}

  private spawnAliens(): void {
    for (let y = 0; y < 4; y++) for (let x = 2; x < 8; x++) this.aliens[at(y, x)] = 1;
  }

  /** Starts an episode. */
  reset(): void {
    this.cannon = 5;
    this.aliens.fill(0);
    this.spawnAliens();
    this.friendlyBullets.fill(0);
    this.enemyBullets.fill(0);
    this.alienDir = -1;
    this.moveInterval = this.alienMoveTimer = INITIAL_MOVE_INTERVAL;
    this.alienShotTimer = ENEMY_SHOT_INTERVAL;
    this.shotTimer = 0;
    this.rampIndex = 0;
  }

  private alienCount(): number {
    let n = 0;
    for (let i = 0; i < CELLS; i++) n += this.aliens[i];
    return n;
  }

  private anyAlienInColumn(x: number): boolean {
    for (let y = 0; y < GRID; y++) if (this.aliens[at(y, x)]) return true;
    return false;
  }

  /** Shifts a cell map one row down (dy = 1) or up (−1), or one column right (dx = 1) or left (−1); what leaves the grid is dropped. */
  private static shift(map: Uint8Array, dy: number, dx: number): void {
    if (dy === 1) {
      map.copyWithin(GRID, 0, CELLS - GRID);
      map.fill(0, 0, GRID);
    } else if (dy === -1) {
      map.copyWithin(0, GRID, CELLS);
      map.fill(0, CELLS - GRID, CELLS);
    } else {
      for (let row = 0; row < CELLS; row += GRID) {
        if (dx === 1) {
          map.copyWithin(row + 1, row, row + GRID - 1);
          map[row] = 0;
        } else {
          map.copyWithin(row, row + 1, row + GRID);
          map[row + GRID - 1] = 0;
        }
      }
    }
  }

  step(action: number): { reward: number; terminal: boolean } {
    let reward = 0;
    let terminal = false;
    const bottom = GRID - 1;
    if (action === FIRE) {
      if (this.shotTimer === 0) {
        this.friendlyBullets[at(bottom, this.cannon)] = 1;
        this.shotTimer = SHOT_COOLDOWN;
      }
    } else if (action === LEFT) {
      this.cannon = Math.max(0, this.cannon - 1);
    } else if (action === RIGHT) {
      this.cannon = Math.min(bottom, this.cannon + 1);
    }

    SpaceInvaders.shift(this.friendlyBullets, -1, 0);
    SpaceInvaders.shift(this.enemyBullets, 1, 0);
    if (this.enemyBullets[at(bottom, this.cannon)]) terminal = true;
    if (this.aliens[at(bottom, this.cannon)]) terminal = true;

    if (this.alienMoveTimer === 0) {
      this.alienMoveTimer = Math.min(this.alienCount(), this.moveInterval);
      const atEdge = (this.anyAlienInColumn(0) && this.alienDir < 0) || (this.anyAlienInColumn(bottom) && this.alienDir > 0);
      if (atEdge) {
        this.alienDir = -this.alienDir;
        for (let x = 0; x < GRID; x++) if (this.aliens[at(bottom, x)]) terminal = true;
        SpaceInvaders.shift(this.aliens, 1, 0);
      } else {
        SpaceInvaders.shift(this.aliens, 0, this.alienDir);
      }
      if (this.aliens[at(bottom, this.cannon)]) terminal = true;
    }

    if (this.alienShotTimer === 0) {
      this.alienShotTimer = ENEMY_SHOT_INTERVAL;
      // The column nearest the cannon that holds an alien (ties to the lower index) fires from its lowest alien.
      let best = -1;
      for (let x = 0; x < GRID; x++) {
        if (this.anyAlienInColumn(x) && (best < 0 || Math.abs(x - this.cannon) < Math.abs(best - this.cannon))) best = x;
      }
      if (best >= 0) {
        let lowest = 0;
        for (let y = 0; y < GRID; y++) if (this.aliens[at(y, best)]) lowest = y;
        this.enemyBullets[at(lowest, best)] = 1;
      }
    }

    for (let i = 0; i < CELLS; i++) {
      if (this.aliens[i] && this.friendlyBullets[i]) {
        reward += 1;
        this.aliens[i] = 0;
        this.friendlyBullets[i] = 0;
      }
    }

    if (this.shotTimer > 0) this.shotTimer--;
    this.alienMoveTimer--;
    this.alienShotTimer--;

    if (this.alienCount() === 0) {
      if (this.options.ramping && this.moveInterval > MIN_MOVE_INTERVAL) {
        this.moveInterval--;
        this.rampIndex++;
      }
      this.spawnAliens();
    }
    return { reward, terminal };
  }

  observe(grid: CellWriter): void {
    grid.set(GRID - 1, this.cannon, 0);
    const side = this.alienDir < 0 ? 2 : 3;
    for (let i = 0; i < CELLS; i++) {
      const y = Math.floor(i / GRID);
      const x = i % GRID;
      if (this.aliens[i]) {
        grid.set(y, x, 1);
        grid.set(y, x, side);
      }
      if (this.friendlyBullets[i]) grid.set(y, x, 4);
      if (this.enemyBullets[i]) grid.set(y, x, 5);
    }
  }

  /** The game's state as JSON. */
  getState(): Record<string, unknown> {
    return {
      cannon: this.cannon,
      aliens: Array.from(this.aliens),
      friendlyBullets: Array.from(this.friendlyBullets),
      enemyBullets: Array.from(this.enemyBullets),
      alienDir: this.alienDir,
      moveInterval: this.moveInterval,
      alienMoveTimer: this.alienMoveTimer,
      alienShotTimer: this.alienShotTimer,
      shotTimer: this.shotTimer,
      rampIndex: this.rampIndex,
    };
  }

  setState(r: StateReader): void {
    const alienDir = r.int('alienDir', -1, 1);
    if (alienDir === 0) throw r.error('alienDir', '−1 or +1');
    const s = {
      cannon: r.int('cannon', 0, 9),
      aliens: r.bits('aliens', CELLS),
      friendlyBullets: r.bits('friendlyBullets', CELLS),
      enemyBullets: r.bits('enemyBullets', CELLS),
      alienDir,
      moveInterval: r.int('moveInterval', 1, INITIAL_MOVE_INTERVAL),
      alienMoveTimer: r.int('alienMoveTimer', 0, INITIAL_MOVE_INTERVAL),
      alienShotTimer: r.int('alienShotTimer', 0, ENEMY_SHOT_INTERVAL),
      shotTimer: r.int('shotTimer', 0, SHOT_COOLDOWN),
      rampIndex: r.int('rampIndex', 0, 1_000_000),
    };
    Object.assign(this, s);
  }
}
