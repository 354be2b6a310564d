import type { Rng } from '@wn/tensor';
import type { StateReader } from '../state-reader.js';
import { DOWN, FIRE, GRID, LEFT, RIGHT, UP, onGrid, type GameOptions, type CellWriter, type MinAtarGame } from './game.js';

const MAX_OXYGEN = 200;
const INITIAL_ENEMY_SPAWN_PERIOD = 20;
const DIVER_SPAWN_PERIOD = 30;
const INITIAL_MOVE_PERIOD = 5;
const SHOT_COOLDOWN = 5;
const ENEMY_SHOT_PERIOD = 10;
const DIVER_MOVE_PERIOD = 5;
const MAX_DIVERS = 6;

/** A bullet: x, y, moving right. */
type Bullet = { x: number; y: number; right: boolean };
/** A fish or diver: a bullet with a move counter. */
type Swimmer = Bullet & { move: number };
/** An enemy sub: a swimmer with a shot counter. */
type Sub = Swimmer & { shot: number };

const step1 = (e: Bullet): void => {
  e.x += e.right ? 1 : -1;
};
const sameCell = (a: Bullet, x: number, y: number): boolean => a.x === x && a.y === y;

/**
 * Seaquest (minatar.md §3.5): shoot fish and subs, rescue divers, surface before the oxygen runs
 * out. Every list is processed newest first, as the spec's step order says.
 */
export class Seaquest implements MinAtarGame {
  readonly channels = [
    'sub_front',
    'sub_back',
    'friendly_bullet',
    'trail',
    'enemy_bullet',
    'enemy_fish',
    'enemy_sub',
    'oxygen_guage',
    'diver_guage',
    'diver',
  ] as const;
  /** Oxygen left (refilled at the surface). */
  oxygen = MAX_OXYGEN;
  /** Divers on board. */
  divers = 0;
  /** The submarine's column. */
  subX = 5;
  /** The submarine's row (0: the surface). */
  subY = 0;
  /** Whether the submarine faces right (its shots go that way). */
  facingRight = false;
  /** The player's bullets. */
  friendlyBullets: Bullet[] = [];
  /** The enemy subs' bullets. */
  enemyBullets: Bullet[] = [];
  /** The enemy fish. */
  fish: Swimmer[] = [];
  /** The enemy subs. */
  subs: Sub[] = [];
  /** The divers to rescue. */
  diverList: Swimmer[] = [];
  /** Steps between enemy spawns (shrinks as the game ramps up). */
  enemySpawnSpeed = INITIAL_ENEMY_SPAWN_PERIOD;
  /** Steps until the next enemy spawn. */
  enemySpawnTimer = INITIAL_ENEMY_SPAWN_PERIOD;
  /** Steps until the next diver spawn. */
  diverSpawnTimer = DIVER_SPAWN_PERIOD;
  /** Steps between enemy moves (shrinks as the game ramps up). */
  moveSpeed = INITIAL_MOVE_PERIOD;
  /** Number of speed-ups so far. */
  rampIndex = 0;
  /** Steps until the player may fire again. */
  shotTimer = 0;
  /** Whether the submarine is at the surface. */
  surface = true;

  constructor(private readonly options: GameOptions) {}

  /** Starts an episode. */
  reset(): void {
    this.oxygen = MAX_OXYGEN;
    this.divers = 0;
    this.subX = 5;
    this.subY = 0;
    this.facingRight = false;
    this.friendlyBullets = [];
    this.enemyBullets = [];
    this.fish = [];
    this.subs = [];
    this.diverList = [];
    this.enemySpawnSpeed = this.enemySpawnTimer = INITIAL_ENEMY_SPAWN_PERIOD;
    this.diverSpawnTimer = DIVER_SPAWN_PERIOD;
    this.moveSpeed = INITIAL_MOVE_PERIOD;
    this.rampIndex = 0;
    this.shotTimer = 0;
    this.surface = true;
  }

  private spawnEnemy(rng: Rng): void {
    const right = rng.nextFloat() < 0.5;
    const isSub = rng.nextFloat() < 1 / 3;
    const y = 1 + rng.nextInt(8);
    const x = right ? 0 : GRID - 1;
    // A lane never holds enemies moving both ways.
    for (const list of [this.fish, this.subs]) for (const e of list) if (e.y === y && e.right !== right) return;
    if (isSub) this.subs.push({ x, y, right, move: this.moveSpeed, shot: ENEMY_SHOT_PERIOD });
    else this.fish.push({ x, y, right, move: this.moveSpeed });
  }

  private spawnDiver(rng: Rng): void {
    const right = rng.nextFloat() < 0.5;
    const y = 1 + rng.nextInt(8);
    this.diverList.push({ x: right ? 0 : GRID - 1, y, right, move: DIVER_MOVE_PERIOD });
  }

  private remove<T>(list: T[], item: T): void {
    list.splice(list.indexOf(item), 1);
  }

  private onSub(e: Bullet): boolean {
    return e.x === this.subX && e.y === this.subY;
  }

  /** Removes the first friendly bullet on (x, y); whether there was one. */
  private hitByBullet(x: number, y: number): boolean {
    const bullet = this.friendlyBullets.find((b) => sameCell(b, x, y));
    if (!bullet) return false;
    this.remove(this.friendlyBullets, bullet);
    return true;
  }

  /** Moves fish or subs, newest first; subs also shoot, even on the step they leave the grid or are hit. */
  private moveEnemies(list: Swimmer[], shoot: boolean): { reward: number; terminal: boolean } {
    let reward = 0;
    let terminal = false;
    for (let i = list.length - 1; i >= 0; i--) {
      const enemy = list[i];
      if (this.onSub(enemy)) terminal = true;
      if (enemy.move === 0) {
        enemy.move = this.moveSpeed;
        step1(enemy);
        if (!onGrid(enemy.x)) list.splice(i, 1);
        else if (this.onSub(enemy)) terminal = true;
        else if (this.hitByBullet(enemy.x, enemy.y)) {
          list.splice(i, 1);
          reward += 1;
        }
      } else {
        enemy.move--;
      }
      if (shoot) {
        const sub = enemy as Sub;
        if (sub.shot === 0) {
          sub.shot = ENEMY_SHOT_PERIOD;
          this.enemyBullets.push({ x: sub.x, y: sub.y, right: sub.right });
        } else {
          sub.shot--;
        }
      }
    }
    return { reward, terminal };
  }

  step(action: number, rng: Rng): { reward: number; terminal: boolean } {
    let reward = 0;
    let terminal = false;

    if (this.enemySpawnTimer === 0) {
      this.spawnEnemy(rng);
      this.enemySpawnTimer = this.enemySpawnSpeed;
    }
    if (this.diverSpawnTimer === 0) {
      this.spawnDiver(rng);
      this.diverSpawnTimer = DIVER_SPAWN_PERIOD;
    }

    if (action === FIRE) {
      if (this.shotTimer === 0) {
        this.friendlyBullets.push({ x: this.subX, y: this.subY, right: this.facingRight });
        this.shotTimer = SHOT_COOLDOWN;
      }
    } else if (action === LEFT) {
      this.subX = Math.max(0, this.subX - 1);
      this.facingRight = false;
    } else if (action === RIGHT) {
      this.subX = Math.min(GRID - 1, this.subX + 1);
      this.facingRight = true;
    } else if (action === UP) {
      this.subY = Math.max(0, this.subY - 1);
    } else if (action === DOWN) {
      this.subY = Math.min(GRID - 2, this.subY + 1);
    }

    // Lists are walked newest first by index; an iteration only ever removes its own element
    // from the list being walked, so the walk sees exactly the entities present when it began.
    for (let i = this.friendlyBullets.length - 1; i >= 0; i--) {
      const bullet = this.friendlyBullets[i];
      step1(bullet);
      if (!onGrid(bullet.x)) {
        this.friendlyBullets.splice(i, 1);
        continue;
      }
      const target = this.fish.find((f) => sameCell(f, bullet.x, bullet.y)) ?? this.subs.find((s) => sameCell(s, bullet.x, bullet.y));
      if (target) {
        this.friendlyBullets.splice(i, 1);
        if (this.fish.includes(target)) this.remove(this.fish, target);
        else this.remove(this.subs, target as Sub);
        reward += 1;
      }
    }

    for (let i = this.diverList.length - 1; i >= 0; i--) {
      const diver = this.diverList[i];
      if (this.onSub(diver) && this.divers < MAX_DIVERS) {
        this.diverList.splice(i, 1);
        this.divers++;
      } else if (diver.move === 0) {
        diver.move = DIVER_MOVE_PERIOD;
        step1(diver);
        if (!onGrid(diver.x)) this.diverList.splice(i, 1);
        else if (this.onSub(diver) && this.divers < MAX_DIVERS) {
          this.diverList.splice(i, 1);
          this.divers++;
        }
      } else {
        diver.move--;
      }
    }

    const subs = this.moveEnemies(this.subs, true);
    reward += subs.reward;
    terminal ||= subs.terminal;

    for (let i = this.enemyBullets.length - 1; i >= 0; i--) {
      const bullet = this.enemyBullets[i];
      if (this.onSub(bullet)) terminal = true;
      step1(bullet);
      if (!onGrid(bullet.x)) this.enemyBullets.splice(i, 1);
      else if (this.onSub(bullet)) terminal = true;
    }

    const fish = this.moveEnemies(this.fish, false);
    reward += fish.reward;
    terminal ||= fish.terminal;

    if (this.enemySpawnTimer > 0) this.enemySpawnTimer--;
    if (this.diverSpawnTimer > 0) this.diverSpawnTimer--;
    if (this.shotTimer > 0) this.shotTimer--;

    if (this.oxygen <= 0) terminal = true;
    if (this.subY > 0) {
      this.oxygen--;
      this.surface = false;
    } else if (!this.surface) {
      if (this.divers === 0) {
        terminal = true;
      } else {
        this.surface = true;
        if (this.divers === MAX_DIVERS) {
          this.divers = 0;
          reward += Math.floor((this.oxygen * 10) / MAX_OXYGEN);
        }
        this.oxygen = MAX_OXYGEN;
        this.divers--;
        if (this.options.ramping && (this.enemySpawnSpeed > 1 || this.moveSpeed > 2)) {
          if (this.moveSpeed > 2 && this.rampIndex % 2 === 1) this.moveSpeed--;
          if (this.enemySpawnSpeed > 1) this.enemySpawnSpeed--;
          this.rampIndex++;
        }
      }
    }
    return { reward, terminal };
  }

  observe(grid: CellWriter): void {
    grid.set(this.subY, this.subX, 0);
    grid.set(this.subY, this.facingRight ? this.subX - 1 : this.subX + 1, 1);
    const gauge = Math.floor((this.oxygen * 10) / MAX_OXYGEN);
    for (let x = 0; x < gauge; x++) grid.set(GRID - 1, x, 7);
    for (let x = GRID - 1 - this.divers; x < GRID - 1; x++) grid.set(GRID - 1, x, 8);
    for (const b of this.friendlyBullets) grid.set(b.y, b.x, 2);
    for (const b of this.enemyBullets) grid.set(b.y, b.x, 4);
    // Fish, subs and divers, each with a trail one cell behind it.
    for (const [list, c] of [
      [this.fish, 5],
      [this.subs, 6],
      [this.diverList, 9],
    ] as const) {
      for (const e of list) {
        grid.set(e.y, e.x, c);
        grid.set(e.y, e.right ? e.x - 1 : e.x + 1, 3);
      }
    }
  }

  /** The game's state as JSON. */
  getState(): Record<string, unknown> {
    const b = (e: Bullet) => [e.x, e.y, Number(e.right)];
    return {
      oxygen: this.oxygen,
      divers: this.divers,
      subX: this.subX,
      subY: this.subY,
      facingRight: this.facingRight,
      // [x, y, right], then the move counter, then (subs) the shot counter
      friendlyBullets: this.friendlyBullets.map(b),
      enemyBullets: this.enemyBullets.map(b),
      fish: this.fish.map((e) => [...b(e), e.move]),
      subs: this.subs.map((e) => [...b(e), e.move, e.shot]),
      diverList: this.diverList.map((e) => [...b(e), e.move]),
      enemySpawnSpeed: this.enemySpawnSpeed,
      enemySpawnTimer: this.enemySpawnTimer,
      diverSpawnTimer: this.diverSpawnTimer,
      moveSpeed: this.moveSpeed,
      rampIndex: this.rampIndex,
      shotTimer: this.shotTimer,
      surface: this.surface,
    };
  }

  setState(r: StateReader): void {
    const BIG = 1_000_000;
    const xyr: [number, number][] = [
      [0, 9],
      [0, 9],
      [0, 1],
    ];
    const bullet = ([x, y, right]: number[]): Bullet => ({ x, y, right: right === 1 });
    const s = {
      oxygen: r.int('oxygen', -BIG, MAX_OXYGEN),
      divers: r.int('divers', -BIG, MAX_DIVERS),
      subX: r.int('subX', 0, 9),
      subY: r.int('subY', 0, GRID - 2),
      facingRight: r.bool('facingRight'),
      friendlyBullets: r.tuples('friendlyBullets', xyr).map(bullet),
      enemyBullets: r.tuples('enemyBullets', xyr).map(bullet),
      fish: r.tuples('fish', [...xyr, [0, BIG]]).map((t) => ({ ...bullet(t), move: t[3] })),
      subs: r.tuples('subs', [...xyr, [0, BIG], [0, ENEMY_SHOT_PERIOD]]).map((t) => ({ ...bullet(t), move: t[3], shot: t[4] })),
      diverList: r.tuples('diverList', [...xyr, [0, DIVER_MOVE_PERIOD]]).map((t) => ({ ...bullet(t), move: t[3] })),
      enemySpawnSpeed: r.int('enemySpawnSpeed', 1, INITIAL_ENEMY_SPAWN_PERIOD),
      enemySpawnTimer: r.int('enemySpawnTimer', 0, BIG),
      diverSpawnTimer: r.int('diverSpawnTimer', 0, BIG),
      moveSpeed: r.int('moveSpeed', 1, INITIAL_MOVE_PERIOD),
      rampIndex: r.int('rampIndex', 0, BIG),
      shotTimer: r.int('shotTimer', 0, SHOT_COOLDOWN),
      surface: r.bool('surface'),
    };
    Object.assign(this, s);
  }
}

