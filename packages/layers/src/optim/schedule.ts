/**
 * Schedules: functions from the step index (0-based: the number of updates done so far) to a
 * value, for the learning rate or for Adam's β1. Apply before each step:
 * `opt.lr = lr(t); adam.beta1 = beta1(t)`.
 */
import { WnError } from '@wn/tensor';

/** A value per step: `schedule(t)` for t = the number of updates done so far (0-based). */
export type Schedule = (step: number) => number;

function checkSteps(name: string, total: number): void {
  if (!(Number.isInteger(total) && total > 0)) throw new WnError(name, `total steps must be a positive integer, got ${total}`);
}

/** The same value at every step. */
export const constant = (value: number): Schedule => () => value;

/** from → to linearly over `total` steps, then `to`. */
export function linearDecay(from: number, total: number, to = 0): Schedule {
  checkSteps('linearDecay', total);
  return (t) => (t >= total ? to : from + (to - from) * (t / total));
}

/** from → to along a half cosine over `total` steps, then `to`. */
export function cosineDecay(from: number, total: number, to = 0): Schedule {
  checkSteps('cosineDecay', total);
  return (t) => (t >= total ? to : to + 0.5 * (from - to) * (1 + Math.cos((Math.PI * t) / total)));
}

/**
 * The paper's CIFAR schedule: flat at `value` for the first `flatFraction` of `total` steps
 * (default half), then linear to `to` (default 0) at `total`.
 */
export function flatThenLinear(value: number, total: number, options: { flatFraction?: number; to?: number } = {}): Schedule {
  checkSteps('flatThenLinear', total);
  const flat = Math.round(total * (options.flatFraction ?? 0.5));
  const to = options.to ?? 0;
  return (t) => (t < flat ? value : t >= total ? to : value + (to - value) * ((t - flat) / (total - flat)));
}

/** `before` until step `at`, then `after` (the paper's Adam β1: 0.9 then 0.5). */
export function switchAt(at: number, before: number, after: number): Schedule {
  return (t) => (t < at ? before : after);
}

/** Linear warmup from 0 over `steps`, then `then(t − steps)`. */
export function warmup(steps: number, then: Schedule): Schedule {
  checkSteps('warmup', steps);
  return (t) => (t < steps ? then(0) * ((t + 1) / steps) : then(t - steps));
}
