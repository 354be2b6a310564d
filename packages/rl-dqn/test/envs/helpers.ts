import { Rng, WnError } from '@wn/tensor';
import { expect } from 'vitest';
import type { Env } from '../../src/index.js';

/** Runs one episode with actions from `policy`; returns the return and length. */
export function runEpisode(env: Env, policy: (t: number) => number): { ret: number; length: number; terminated: boolean; truncated: boolean } {
  let ret = 0;
  let length = 0;
  for (;;) {
    const r = env.step(policy(length));
    ret += r.reward;
    length++;
    if (r.terminated || r.truncated) return { ret, length, terminated: r.terminated, truncated: r.truncated };
  }
}

/** A uniform random policy over n actions from its own generator. */
export function randomPolicy(n: number, seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.nextInt(n);
}

/** Asserts that `fn` throws a WnError whose message contains every fragment. */
export function expectWnError(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(WnError);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}

/** Mean and standard error of the mean. */
export function meanAndStderr(xs: readonly number[]): { mean: number; stderr: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, stderr: Math.sqrt(variance / xs.length) };
}
