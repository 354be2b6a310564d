import type { Rng } from '@wn/tensor';
import type { StateReader } from '../state-reader.js';
import { DOWN, GRID, LEFT, RIGHT, UP, onGrid, type GameOptions, type CellWriter, type MinAtarGame } from './game.js';

const RAMP_INTERVAL = 100;
const INITIAL_SPAWN_PERIOD = 10;
const INITIAL_MOVE_PERIOD = 5;
const SLOTS = 8;

/** One lane's occupant: x, moving right or left, gold (+1) or an enemy (terminal). */
interface Entity {
  x: number;
  right: boolean;
  gold: boolean;
}

/** Asterix (minatar.md §3.3): collect gold, dodge enemies crossing eight lanes. */
export class Asterix implements MinAtarGame {
  readonly channels = ['player', 'enemy', 'trail', 'gold'] as const;
  /** The player's column. */
  playerX = 5;
  /** The player's row. */
  playerY = 5;
  /** Slot k is lane (row) k + 1. */
  entities: (Entity | null)[] = new Array<Entity | null>(SLOTS).fill(null);
  /** Steps between spawns (shrinks as the game ramps up). */
  spawnSpeed = INITIAL_SPAWN_PERIOD;
  /** Steps until the next spawn. */
  spawnTimer = INITIAL_SPAWN_PERIOD;
  /** Steps between entity moves (shrinks as the game ramps up). */
  moveSpeed = INITIAL_MOVE_PERIOD;
  /** Steps until the entities move. */
  moveTimer = INITIAL_MOVE_PERIOD;
  /** Steps until the next speed-up. */
  rampTimer = RAMP_INTERVAL;
  /** Number of speed-ups so far. */
  rampIndex = 0;

  constructor(private readonly options: GameOptions) {}

  /** Starts an episode. */
  reset(): void {
    this.playerX = 5;
    this.playerY = 5;
    this.entities = new Array<Entity | null>(SLOTS).fill(null);
    this.spawnSpeed = this.spawnTimer = INITIAL_SPAWN_PERIOD;
    this.moveSpeed = this.moveTimer = INITIAL_MOVE_PERIOD;
    this.rampTimer = RAMP_INTERVAL;
    this.rampIndex = 0;
  }

  private spawn(rng: Rng): void {
    const right = rng.nextFloat() < 0.5;
    const gold = rng.nextFloat() < 1 / 3;
    const free: number[] = [];
    this.entities.forEach((e, k) => {
      if (e === null) free.push(k);
    });
    if (free.length === 0) return; // both draws were still consumed
    this.entities[free[rng.nextInt(free.length)]] = { x: right ? 0 : GRID - 1, right, gold };
  }

  /** The entity in slot k meets the player if on its cell: gold pays +1 and goes, an enemy ends the episode. */
  private touch(k: number, e: Entity, reward: number, terminal: boolean): { reward: number; terminal: boolean } {
    if (e.x !== this.playerX || k + 1 !== this.playerY) return { reward, terminal };
    if (!e.gold) return { reward, terminal: true };
    this.entities[k] = null;
    return { reward: reward + 1, terminal };
  }

  step(action: number, rng: Rng): { reward: number; terminal: boolean } {
    let reward = 0;
    let terminal = false;
    if (this.spawnTimer === 0) {
      this.spawn(rng);
      this.spawnTimer = this.spawnSpeed;
    }
    if (action === LEFT) this.playerX = Math.max(0, this.playerX - 1);
    else if (action === RIGHT) this.playerX = Math.min(GRID - 1, this.playerX + 1);
    else if (action === UP) this.playerY = Math.max(1, this.playerY - 1);
    else if (action === DOWN) this.playerY = Math.min(SLOTS, this.playerY + 1);

    // Contact before the entities move, then again where they land.
    for (let k = 0; k < SLOTS; k++) {
      const e = this.entities[k];
      if (e) ({ reward, terminal } = this.touch(k, e, reward, terminal));
    }
    if (this.moveTimer === 0) {
      this.moveTimer = this.moveSpeed;
      for (let k = 0; k < SLOTS; k++) {
        const e = this.entities[k];
        if (!e) continue;
        e.x += e.right ? 1 : -1;
        if (!onGrid(e.x)) this.entities[k] = null;
        else ({ reward, terminal } = this.touch(k, e, reward, terminal));
      }
    }
    this.spawnTimer--;
    this.moveTimer--;

    if (this.options.ramping && (this.spawnSpeed > 1 || this.moveSpeed > 1)) {
      if (this.rampTimer >= 0) {
        this.rampTimer--;
      } else {
        if (this.moveSpeed > 1 && this.rampIndex % 2 === 1) this.moveSpeed--;
        if (this.spawnSpeed > 1) this.spawnSpeed--;
        this.rampIndex++;
        this.rampTimer = RAMP_INTERVAL;
      }
    }
    return { reward, terminal };
  }

  observe(grid: CellWriter): void {
    grid.set(this.playerY, this.playerX, 0);
    this.entities.forEach((e, k) => {
      if (!e) return;
      grid.set(k + 1, e.x, e.gold ? 3 : 1);
      const trail = e.right ? e.x - 1 : e.x + 1;
      if (onGrid(trail)) grid.set(k + 1, trail, 2);
    });
  }

  /** The game's state as JSON. */
  getState(): Record<string, unknown> {
    return {
      playerX: this.playerX,
      playerY: this.playerY,
      // [slot, x, right (0/1), gold (0/1)] for each occupied slot
      entities: this.entities.flatMap((e, k) => (e ? [[k, e.x, Number(e.right), Number(e.gold)]] : [])),
      spawnSpeed: this.spawnSpeed,
      spawnTimer: this.spawnTimer,
      moveSpeed: this.moveSpeed,
      moveTimer: this.moveTimer,
      rampTimer: this.rampTimer,
      rampIndex: this.rampIndex,
    };
  }

  setState(r: StateReader): void {
    const playerX = r.int('playerX', 0, 9);
    const playerY = r.int('playerY', 1, SLOTS);
    const list = r.tuples('entities', [[0, SLOTS - 1], [0, 9], [0, 1], [0, 1]], SLOTS);
    const entities = new Array<Entity | null>(SLOTS).fill(null);
    for (const [k, x, right, gold] of list) entities[k] = { x, right: right === 1, gold: gold === 1 };
    const s = {
      playerX,
      playerY,
      entities,
      spawnSpeed: r.int('spawnSpeed', 1, INITIAL_SPAWN_PERIOD),
      spawnTimer: r.int('spawnTimer', -1, 1_000_000),
      moveSpeed: r.int('moveSpeed', 1, INITIAL_MOVE_PERIOD),
      moveTimer: r.int('moveTimer', -1, 1_000_000),
      rampTimer: r.int('rampTimer', -1, RAMP_INTERVAL),
      rampIndex: r.int('rampIndex', 0, 1_000_000),
    };
    Object.assign(this, s);
  }
}
