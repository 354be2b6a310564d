/** Assertions shared by the conformance suites (edge cases, fused ops). */
import { memory, tidy, withBackend, WnError } from '@wn/tensor';
import { expect } from 'vitest';

/** Runs `fn` on the backend inside a tidy scope and checks that nothing outlives it. */
export function onBackend(backend: string, fn: () => void): void {
  const before = memory();
  withBackend(backend, () => tidy(fn));
  expect(memory(), 'live tensors/storages after the case').toEqual(before);
}

/** Expects `fn` to throw a WnError whose message matches. */
export function expectWnError(fn: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a WnError to be thrown').toBeInstanceOf(WnError);
  expect((error as Error).message).toMatch(message);
}
