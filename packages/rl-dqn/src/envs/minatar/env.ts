import { argError } from '@wn/tensor';
import type { Rng } from '@wn/tensor';
import { EnvBase, type CommonEnvOptions } from '../base.js';
import { Box, Discrete } from '../spaces.js';
import type { StateReader } from '../state-reader.js';
import type { Frame } from '../types.js';
import { Asterix } from './asterix.js';
import { Breakout } from './breakout.js';
import { Freeway } from './freeway.js';
import { DOWN, FIRE, GRID, LEFT, NOOP, RIGHT, UP, type CellWriter, type GameOptions, type MinAtarGame } from './game.js';
import { Seaquest } from './seaquest.js';
import { SpaceInvaders } from './space-invaders.js';

/** The MinAtar games. */
export type MinAtarGameName = 'Asterix' | 'Breakout' | 'Freeway' | 'Seaquest' | 'SpaceInvaders';

/** Every MinAtar game: how to create its rules and its minimal action set. */
export const MINATAR_GAMES: Record<MinAtarGameName, {
  /** Creates the game's rules. */
  create: (o: GameOptions) => MinAtarGame;
  /** The actions of the game's minimal set (`-v1` ids), as indices of the full set. */
  minimalActions: readonly number[];
}> = {
  Asterix: { create: (o) => new Asterix(o), minimalActions: [NOOP, LEFT, UP, RIGHT, DOWN] },
  Breakout: { create: () => new Breakout(), minimalActions: [NOOP, LEFT, RIGHT] },
  Freeway: { create: () => new Freeway(), minimalActions: [NOOP, UP, DOWN] },
  Seaquest: { create: (o) => new Seaquest(o), minimalActions: [NOOP, LEFT, UP, RIGHT, DOWN, FIRE] },
  SpaceInvaders: { create: (o) => new SpaceInvaders(o), minimalActions: [NOOP, LEFT, RIGHT, FIRE] },
};

/** Options of {@link MinAtarEnv}: the common ones, sticky actions, difficulty ramping, layout and rendering. */
export interface MinAtarOptions extends CommonEnvOptions {
  /** Probability that the previous executed action repeats instead of the chosen one (default 0.1). */
  stickyActionProb?: number;
  /** Whether the game speeds up during an episode (default true; Breakout and Freeway ignore it). */
  difficultyRamping?: boolean;
  /** `'hwc'` (default, MinAtar's gym layout 10 × 10 × C) or `'chw'` (C × 10 × 10, for conv nets). */
  layout?: 'hwc' | 'chw';
  /** Pixels per cell side in `render()` (default 16). */
  renderScale?: number;
}

/** A colour per channel for `render()`: background black, later channels drawn over earlier ones. */
const PALETTE: readonly (readonly [number, number, number])[] = [
  [255, 214, 10],
  [230, 57, 70],
  [90, 90, 140],
  [69, 123, 255],
  [255, 255, 255],
  [244, 162, 97],
  [42, 157, 143],
  [120, 220, 120],
  [200, 120, 255],
  [0, 200, 255],
];

/** Writes cells into an observation array in either layout, ignoring cells off the grid. */
class ObservationWriter implements CellWriter {
  target = new Uint8Array(0);
  constructor(
    private readonly channels: number,
    private readonly layout: 'hwc' | 'chw',
  ) {}

  set(y: number, x: number, c: number): void {
    if (x < 0 || x >= GRID || y < 0 || y >= GRID) return;
    if (this.layout === 'hwc') this.target[(y * GRID + x) * this.channels + c] = 1;
    else this.target[c * GRID * GRID + y * GRID + x] = 1;
  }
}

/**
 * A MinAtar game behind the Gymnasium interface (minatar.md §3.1): uint8 0/1 observations, sticky
 * actions (the last executed action, which survives `reset`, repeats with probability 0.1) and the
 * full 6-action set (`-v0`) or the game's minimal set (`-v1`). One generator drives the sticky draw
 * (taken every step, as the reference does) and the game.
 */
export class MinAtarEnv extends EnvBase<Uint8Array> {
  /** uint8 0/1 grids, 10 × 10 × channels (`'hwc'`) or channels × 10 × 10 (`'chw'`). */
  readonly observationSpace: Box;
  /** The full 6-action set (`-v0`) or the game's minimal set (`-v1`). */
  readonly actionSpace: Discrete;
  /** The game's rules. */
  readonly game: MinAtarGame;
  /** The game action each env action stands for. */
  readonly actionSet: readonly number[];
  /** Probability that the previous action repeats instead of the chosen one. */
  readonly stickyActionProb: number;
  /** Whether the game speeds up during an episode. */
  readonly difficultyRamping: boolean;
  /** The observation layout. */
  readonly layout: 'hwc' | 'chw';
  private readonly renderScale: number;
  private readonly writer: ObservationWriter;
  /** The last executed action in the full set (0 … 5). */
  lastAction = NOOP;

  constructor(id: string, name: MinAtarGameName, version: 0 | 1, options: MinAtarOptions = {}) {
    super(id, undefined, options);
    const op = `make('${id}')`;
    const p = options.stickyActionProb ?? 0.1;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw argError(op, 'options.stickyActionProb', 'a probability in [0, 1]', p);
    const ramping = options.difficultyRamping ?? true;
    if (typeof ramping !== 'boolean') throw argError(op, 'options.difficultyRamping', 'a boolean', ramping);
    const layout = options.layout ?? 'hwc';
    if (layout !== 'hwc' && layout !== 'chw') throw argError(op, 'options.layout', "'hwc' or 'chw'", layout);
    const scale = options.renderScale ?? 16;
    if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw argError(op, 'options.renderScale', 'an integer in [1, 64]', scale);
    this.stickyActionProb = p;
    this.difficultyRamping = ramping;
    this.layout = layout;
    this.renderScale = scale;
    this.game = MINATAR_GAMES[name].create({ ramping });
    this.actionSet = version === 0 ? [0, 1, 2, 3, 4, 5] : MINATAR_GAMES[name].minimalActions;
    const c = this.game.channels.length;
    this.observationSpace = Box.uniform(layout === 'hwc' ? [GRID, GRID, c] : [c, GRID, GRID], 0, 1, 'uint8');
    this.actionSpace = new Discrete(this.actionSet.length);
    this.writer = new ObservationWriter(c, layout);
  }

  protected resetDynamics(rng: Rng): void {
    this.game.reset(rng);
  }

  protected stepDynamics(action: number, rng: Rng): { reward: number; terminated: boolean } {
    let executed = this.actionSet[action];
    if (rng.nextFloat() < this.stickyActionProb) executed = this.lastAction;
    this.lastAction = executed;
    const { reward, terminal } = this.game.step(executed, rng);
    return { reward, terminated: terminal };
  }

  protected observe(): Uint8Array {
    const obs = new Uint8Array(this.observationSpace.size);
    this.writer.target = obs;
    this.game.observe(this.writer);
    return obs;
  }

  protected dynamicsState(): Record<string, unknown> {
    return { lastAction: this.lastAction, game: this.game.getState() };
  }

  protected setDynamicsState(reader: StateReader): void {
    const lastAction = reader.int('lastAction', 0, 5);
    this.game.setState(reader.child('game'));
    this.lastAction = lastAction;
  }

  /** Each channel a colour, each cell a `renderScale`-pixel square, a dim grid between cells. */
  render(): Frame {
    const s = this.renderScale;
    const width = GRID * s;
    const data = new Uint8Array(width * width * 3);
    const top = new Int8Array(GRID * GRID).fill(-1);
    this.game.observe({
      set: (y, x, ch) => {
        if (x >= 0 && x < GRID && y >= 0 && y < GRID && ch > top[y * GRID + x]) top[y * GRID + x] = ch;
      },
    });
    for (let py = 0; py < width; py++) {
      for (let px = 0; px < width; px++) {
        const ch = top[Math.floor(py / s) * GRID + Math.floor(px / s)];
        const i = (py * width + px) * 3;
        if (ch >= 0) data.set(PALETTE[ch % PALETTE.length], i);
        else if (s >= 4 && (py % s === 0 || px % s === 0)) data.fill(24, i, i + 3);
      }
    }
    return { width, height: width, data };
  }
}
