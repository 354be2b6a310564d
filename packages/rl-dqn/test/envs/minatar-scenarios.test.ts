// The unit-test scenarios of minatar.md §3.10, plus the timer periods of §3.2–3.6.
// Sticky actions are off (stickyActionProb 0) wherever a scenario needs the chosen action executed.
import { describe, expect, it } from 'vitest';
import { Asterix, Breakout, Freeway, MinAtarEnv, Seaquest, SpaceInvaders, make } from '../../src/index.js';
import { randomPolicy, runEpisode } from './helpers.js';

// MinAtar action indices used below: no-op, up, down, fire.
const [N, U, D, F] = [0, 2, 4, 5];

function minatar(game: string, options: Record<string, unknown> = {}): MinAtarEnv {
  return make(`MinAtar/${game}-v0`, { stickyActionProb: 0, ...options }) as MinAtarEnv;
}

/** The row of the first cell set in channel c of an HWC observation, or −1. */
function rowOf(obs: Uint8Array, c: number, channels: number): number {
  for (let i = 0; i < 100; i++) if (obs[i * channels + c]) return Math.floor(i / 10);
  return -1;
}

describe('Freeway', () => {
  it('an episode lasts exactly 2501 steps under any policy', () => {
    for (const [name, policy] of [
      ['random', randomPolicy(6, 1)],
      ['always up', () => U],
      ['no-op', () => N],
    ] as const) {
      const env = make('MinAtar/Freeway-v0'); // sticky actions on: still 2501
      env.reset({ seed: 5 });
      const out = runEpisode(env, policy);
      expect(out.length, name).toBe(2501);
      expect(out.terminated).toBe(true);
    }
  });

  it('holding up moves the chicken at steps 4, 7, 10 (rows 9 → 8 → 7 → 6)', () => {
    const env = minatar('Freeway');
    env.reset({ seed: 1 });
    // Slow cars driving right from column 0 never reach the chicken's column 4 in 10 steps.
    const game = env.game as Freeway;
    game.cars = game.cars.map(() => ({ x: 0, speed: 5, dir: 1, counter: 5 }));
    const rows = [];
    for (let t = 1; t <= 10; t++) rows.push(rowOf(env.step(U).obs, 0, 7));
    expect(rows).toEqual([9, 9, 9, 8, 8, 8, 7, 7, 7, 6]);
  });

  it('a car of speed s moves every s + 1 steps, with wrap-around', () => {
    const env = minatar('Freeway');
    env.reset({ seed: 1 });
    const game = env.game as Freeway;
    game.cars = game.cars.map((_, k) => ({ x: 0, speed: 1 + (k % 5), dir: k % 2 ? 1 : -1, counter: 1 + (k % 5) }));
    const moves: number[][] = game.cars.map(() => []);
    for (let t = 1; t <= 14; t++) {
      const before = game.cars.map((c) => c.x);
      env.step(N);
      game.cars.forEach((c, k) => {
        if (c.x !== before[k]) moves[k].push(t);
      });
    }
    game.cars.forEach((c, k) => {
      const period = c.speed + 1;
      expect(moves[k]).toEqual(Array.from({ length: Math.floor(14 / period) }, (_, i) => period * (i + 1)));
    });
    expect(game.cars[0].x).toBe(10 - 7); // speed 1, left: 7 moves from 0 wrap to 3
  });

  it('a crossing pays +1 and sends the chicken back to row 9', () => {
    const env = minatar('Freeway');
    env.reset({ seed: 2 });
    const game = env.game as Freeway;
    game.cars = game.cars.map(() => ({ x: 0, speed: 5, dir: 1, counter: 5 }));
    game.chickenY = 1;
    game.moveTimer = 0;
    const r = env.step(U);
    expect(r.reward).toBe(1);
    expect(game.chickenY).toBe(9);
  });
});

describe('Asterix', () => {
  it('with ramping and no collisions, (spawn, move) periods change at steps 102, 204, …, 918', () => {
    const env = minatar('Asterix');
    env.reset({ seed: 3 });
    const game = env.game as Asterix;
    const changes: [number, number, number][] = [];
    let last = [game.spawnSpeed, game.moveSpeed];
    for (let t = 1; t <= 1200; t++) {
      game.entities.fill(null); // nothing left to collide with
      expect(env.step(N).terminated).toBe(false);
      if (game.spawnSpeed !== last[0] || game.moveSpeed !== last[1]) changes.push([t, game.spawnSpeed, game.moveSpeed]);
      last = [game.spawnSpeed, game.moveSpeed];
    }
    expect(changes).toEqual([
      [102, 9, 5],
      [204, 8, 4],
      [306, 7, 4],
      [408, 6, 3],
      [510, 5, 3],
      [612, 4, 2],
      [714, 3, 2],
      [816, 2, 1],
      [918, 1, 1],
    ]);
  });

  it('without ramping the periods never change', () => {
    const env = minatar('Asterix', { difficultyRamping: false });
    env.reset({ seed: 3 });
    const game = env.game as Asterix;
    for (let t = 1; t <= 300; t++) {
      game.entities.fill(null);
      env.step(N);
    }
    expect([game.spawnSpeed, game.moveSpeed]).toEqual([10, 5]);
  });

  it('the first spawn comes at step 11 and the first move at step 6 after it', () => {
    const env = minatar('Asterix');
    env.reset({ seed: 4 });
    const game = env.game as Asterix;
    const count = () => game.entities.filter((e) => e !== null).length;
    for (let t = 1; t <= 10; t++) env.step(N);
    expect(count()).toBe(0);
    env.step(N);
    expect(count()).toBe(1);
    const e = game.entities.find((x) => x !== null);
    const x0 = e!.x;
    // Entities move on steps 6, 11, 16, …; at step 11 the spawn comes first, so the move carries
    // the new entity one cell in from its edge.
    expect(x0).toBe(e!.right ? 1 : 8);
  });
});

describe('Space Invaders', () => {
  it('with no kills the aliens first move at step 13, then at 25, 37, 49', () => {
    const env = minatar('SpaceInvaders');
    env.reset({ seed: 1 });
    const game = env.game as SpaceInvaders;
    const moves: number[] = [];
    for (let t = 1; t <= 50; t++) {
      game.enemyBullets.fill(0); // nothing can hit the cannon
      const before = Array.from(game.aliens).join('');
      expect(env.step(N).terminated).toBe(false);
      if (Array.from(game.aliens).join('') !== before) moves.push(t);
    }
    expect(moves).toEqual([13, 25, 37, 49]);
  });

  it('the aliens fire first at step 11 from the column nearest the cannon, from its lowest alien', () => {
    const env = minatar('SpaceInvaders');
    env.reset({ seed: 1 });
    const game = env.game as SpaceInvaders;
    for (let t = 1; t <= 10; t++) {
      env.step(N);
      expect(game.enemyBullets.includes(1)).toBe(false);
    }
    env.step(N);
    expect(Array.from(game.enemyBullets).indexOf(1)).toBe(3 * 10 + 5);
  });

  it('a shot leaves row 9, is in row 8 after the step, and kills an alien it lands on', () => {
    const env = minatar('SpaceInvaders');
    env.reset({ seed: 1 });
    const game = env.game as SpaceInvaders;
    env.step(F);
    expect(game.friendlyBullets[8 * 10 + 5]).toBe(1);
    let reward = 0;
    for (let t = 0; t < 5; t++) reward += env.step(N).reward; // rows 7, 6, 5, 4, 3: the alien at (3, 5)
    expect(reward).toBe(1);
    expect(game.aliens[3 * 10 + 5]).toBe(0);
  });
});

describe('Seaquest', () => {
  it('surfacing with 6 divers and oxygen 150: reward 7, divers −1, oxygen 200, one ramp', () => {
    const env = minatar('Seaquest');
    env.reset({ seed: 1 });
    const game = env.game as Seaquest;
    Object.assign(game, { divers: 6, oxygen: 150, subY: 1, surface: false });
    const r = env.step(U);
    expect(r.reward).toBe(7);
    expect(r.terminated).toBe(false);
    expect([game.divers, game.oxygen, game.enemySpawnSpeed, game.rampIndex]).toEqual([-1, 200, 19, 1]);
    // Later surfacings with a negative count do not end the episode: −2, oxygen refilled.
    env.step(D);
    game.oxygen = 120;
    const r2 = env.step(U);
    expect(r2.terminated).toBe(false);
    expect([game.divers, game.oxygen]).toEqual([-2, 200]);
  });

  it('surfacing with no divers ends the episode', () => {
    const env = minatar('Seaquest');
    env.reset({ seed: 1 });
    env.step(D);
    expect(env.step(U).terminated).toBe(true);
  });

  it('staying underwater from full oxygen with no enemies ends the episode on step 201', () => {
    const env = minatar('Seaquest');
    env.reset({ seed: 1 });
    const game = env.game as Seaquest;
    game.enemySpawnTimer = 10_000;
    game.diverSpawnTimer = 10_000;
    let t = 0;
    for (;;) {
      t++;
      if (env.step(t === 1 ? D : N).terminated) break;
    }
    expect(t).toBe(201);
  });

  it('the first enemy spawns at step 21 and the first diver at step 31', () => {
    const env = minatar('Seaquest');
    env.reset({ seed: 6 });
    const game = env.game as Seaquest;
    const enemies = () => game.fish.length + game.subs.length;
    for (let t = 1; t <= 20; t++) env.step(N);
    expect(enemies()).toBe(0);
    env.step(N);
    expect(enemies()).toBe(1);
    for (let t = 22; t <= 30; t++) env.step(N);
    expect(game.diverList.length).toBe(0);
    env.step(N);
    expect(game.diverList.length).toBe(1);
  });
});

describe('Breakout', () => {
  it('a brick hit pays +1, keeps the ball in its row and flips it; a second strike in a row does nothing', () => {
    const env = minatar('Breakout');
    env.reset({ seed: 1 });
    const game = env.game as Breakout;
    Object.assign(game, { ballX: 4, ballY: 5, ballDir: 1, strike: false }); // up-right into row 4
    game.bricks.fill(0);
    game.bricks[4 * 10 + 5] = 1;
    game.bricks[5 * 10 + 6] = 1;
    const r = env.step(N);
    expect(r.reward).toBe(1);
    expect([game.ballX, game.ballY, game.ballDir, game.strike]).toEqual([5, 5, 2, true]);
    // Next the ball heads down-right into another brick right after a strike: it passes into that cell.
    game.bricks[6 * 10 + 6] = 1;
    const r2 = env.step(N);
    expect(r2.reward).toBe(0);
    expect([game.ballX, game.ballY]).toEqual([6, 6]);
    expect(game.bricks[6 * 10 + 6]).toBe(1);
  });

  it('the paddle under the ball bounces it; a miss ends the episode', () => {
    const env = minatar('Breakout');
    env.reset({ seed: 1 });
    const game = env.game as Breakout;
    Object.assign(game, { ballX: 3, ballY: 8, ballDir: 2, paddle: 3 }); // paddle under the previous x
    expect(env.step(N).terminated).toBe(false);
    expect([game.ballY, game.ballDir]).toEqual([8, 1]);
    Object.assign(game, { ballX: 3, ballY: 8, ballDir: 2, paddle: 0 });
    expect(env.step(N).terminated).toBe(true);
  });
});
