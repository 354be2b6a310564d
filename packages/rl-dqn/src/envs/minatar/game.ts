import type { Rng } from '@wn/tensor';
import type { StateReader } from '../state-reader.js';

/** MinAtar's full action set, in its order. Unused actions act as no-ops in every game. */
export const NOOP = 0;
export const LEFT = 1;
export const UP = 2;
export const RIGHT = 3;
export const DOWN = 4;
export const FIRE = 5;
/** One-letter names of the six actions, in action order. */
export const ACTION_NAMES = ['n', 'l', 'u', 'r', 'd', 'f'] as const;

/** The grid is 10 × 10; row 0 is the top. */
export const GRID = 10;

export interface GameOptions {
  /** Whether the game speeds up over an episode (Asterix, Seaquest, Space Invaders). */
  ramping: boolean;
}

/** Receives a game's occupied cells; cells off the 10 × 10 grid are ignored. */
export interface CellWriter {
  set(y: number, x: number, c: number): void;
}

/** One MinAtar game's rules. The env wrapper adds sticky actions, action sets and bookkeeping. */
export interface MinAtarGame {
  /** Channel names, in observation order. */
  readonly channels: readonly string[];
  /** Starts an episode. */
  reset(rng: Rng): void;
  /** One step with an action of the full set (0 … 5); `terminal` is set once the episode ends. */
  step(action: number, rng: Rng): { reward: number; terminal: boolean };
  /** Marks each occupied cell through `grid.set(row, column, channel)` on a zeroed grid. */
  observe(grid: CellWriter): void;
  /** The game's state as JSON. */
  getState(): Record<string, unknown>;
  /** Reads a whole record (throwing on any bad field) before changing anything. */
  setState(reader: StateReader): void;
}

export const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
export const onGrid = (x: number): boolean => x >= 0 && x < GRID;
