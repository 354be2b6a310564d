/**
 * Timing in alternation: each round runs a block of k steps on every side, back to back, with the
 * order rotated from round to round (A B, B A for two sides; A B C, B C A, C A B for three), so
 * that a change in machine load and any after-effect of the previous block hit every side alike.
 */
import { WnError } from '@wn/tensor';

/** One contender: runs k steps and returns each step's time in ms. */
export interface Side {
  readonly name: string;
  run(k: number): number[] | Promise<number[]>;
}

/** The order of the sides in round `round`: rotated by one per round. */
export function roundOrder(sides: number, round: number): number[] {
  return Array.from({ length: sides }, (_, i) => (i + round) % sides);
}

/**
 * Runs `rounds` rounds of k steps per side; returns, per side (in the given order), the mean
 * ms/step of its block in each round.
 */
export async function alternate(sides: readonly Side[], rounds: number, k: number): Promise<number[][]> {
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new WnError('alternate', `rounds must be a positive integer, got ${rounds}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new WnError('alternate', `k (steps per block) must be a positive integer, got ${k}`);
  const out = sides.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const s of roundOrder(sides.length, r)) {
      const ms = await sides[s].run(k);
      if (ms.length !== k) throw new WnError('alternate', `${sides[s].name} returned ${ms.length} step times for a block of ${k}`);
      out[s].push(ms.reduce((a, b) => a + b, 0) / k);
    }
  }
  return out;
}

/**
 * Steps per block so that the slowest side's block takes about `targetMs` (at least 1, at most
 * `maxK`): short steps are timed in blocks, so timer and request overhead stay small.
 */
export function stepsPerBlock(slowestStepMs: number, targetMs: number, maxK = 50): number {
  if (!(Number.isFinite(slowestStepMs) && slowestStepMs > 0)) throw new WnError('stepsPerBlock', `step time must be positive and finite, got ${slowestStepMs}`);
  return Math.max(1, Math.min(maxK, Math.round(targetMs / slowestStepMs)));
}
