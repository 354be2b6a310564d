import { WnError } from '@wn/tensor';

/** Formats a value for an error message: strings quoted, arrays listed, objects as JSON. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return 'an object';
    }
  }
  return String(value);
}

/** `op: argument 'arg' expected <expected>, got <actual>` — the project's error shape. */
export function envArgError(op: string, arg: string, expected: string, actual: unknown): WnError {
  return new WnError(op, `argument '${arg}' expected ${expected}, got ${describe(actual)}`);
}

/** Checks a seed argument: any integer (Gymnasium takes non-negative ones; @wn's Rng takes all). */
export function checkSeed(op: string, arg: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw envArgError(op, arg, 'a safe integer', seed);
  return seed;
}
