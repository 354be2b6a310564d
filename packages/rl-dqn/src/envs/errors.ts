import { argError } from '@wn/tensor';

/** Checks a seed argument: any integer (Gymnasium takes non-negative ones; @wn's Rng takes all). */
export function checkSeed(op: string, arg: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw argError(op, arg, 'a safe integer', seed);
  return seed;
}
