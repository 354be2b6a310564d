/**
 * DQN's exploration schedule: ε = `start` for the first `delay` frames (MinAtar's uniformly
 * random replay-start phase), then linear to `end` over `frames` frames, then `end`.
 */
import { WnError } from '@wn/tensor';

/** An ε-greedy exploration schedule (see {@link epsilonAt}). */
export interface EpsilonSchedule {
  /** ε during the delay and at the anneal's start. */
  start: number;
  /** ε after the anneal. */
  end: number;
  /** frames of the linear anneal */
  frames: number;
  /** frames at `start` before the anneal begins */
  delay: number;
}

/**
 * ε at `frame`: `start` for the first `delay` frames, then linear to `end` over `frames` frames, then `end`.
 * Throws a `WnError` for an invalid schedule.
 */
export function epsilonAt(s: EpsilonSchedule, frame: number): number {
  if (frame <= s.delay) return s.start;
  if (s.frames <= 0) return s.end;
  const t = Math.min(1, (frame - s.delay) / s.frames);
  return s.start + t * (s.end - s.start);
}

/** Checks a schedule's fields (ε in [0, 1], non-negative integer lengths). */
export function checkEpsilonSchedule(s: EpsilonSchedule, op = 'epsilon'): void {
  for (const k of ['start', 'end'] as const) if (!(s[k] >= 0 && s[k] <= 1)) throw new WnError(op, `${k} must be in [0, 1], got ${s[k]}`);
  for (const k of ['frames', 'delay'] as const) if (!Number.isInteger(s[k]) || s[k] < 0) throw new WnError(op, `${k} must be an integer ≥ 0, got ${s[k]}`);
}
