import { argError } from '@wn/tensor';
import type { WnError } from '@wn/tensor';

/**
 * Reads a saved state record field by field, throwing a WnError that names the field (`state.x`),
 * what was expected and what was found. Envs use it in `setState` so a corrupt checkpoint fails
 * loudly instead of running a game from an impossible position.
 */
export class StateReader {
  private readonly record: Record<string, unknown>;
  constructor(
    private readonly op: string,
    value: unknown,
    private readonly path = 'state',
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw argError(op, path, 'an object', value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);
    }
    this.record = value as Record<string, unknown>;
  }

  /** The error for field `key` not being `expected` (for checks across fields). */
  error(key: string, expected: string): WnError {
    return argError(this.op, `${this.path}.${key}`, expected, this.record[key]);
  }

  private fail(key: string, expected: string): never {
    throw this.error(key, expected);
  }

  raw(key: string): unknown {
    return this.record[key];
  }

  int(key: string, min: number, max: number): number {
    const v = this.record[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(key, `an integer in [${min}, ${max}]`);
    return v as number;
  }

  number(key: string): number {
    const v = this.record[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a finite number');
    return v as number;
  }

  bool(key: string): boolean {
    const v = this.record[key];
    if (typeof v !== 'boolean') this.fail(key, 'a boolean');
    return v as boolean;
  }

  string(key: string, allowed: readonly string[]): string {
    const v = this.record[key];
    if (typeof v !== 'string' || !allowed.includes(v)) this.fail(key, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
    return v as string;
  }

  /** An array of `length` finite numbers. */
  numbers(key: string, length: number): number[] {
    const v = this.record[key];
    if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      this.fail(key, `an array of ${length} finite numbers`);
    }
    return (v as number[]).slice();
  }

  /** An array of `length` 0/1 values (a cell map). */
  bits(key: string, length: number): Uint8Array {
    const v = this.record[key];
    if (!Array.isArray(v) || v.length !== length || !v.every((x) => x === 0 || x === 1)) this.fail(key, `an array of ${length} zeros and ones`);
    return Uint8Array.from(v as number[]);
  }

  /** A list of integer tuples, column j of each within `ranges[j]`. */
  tuples(key: string, ranges: readonly (readonly [number, number])[], maxLength = 1000): number[][] {
    const v = this.record[key];
    const ok =
      Array.isArray(v) &&
      v.length <= maxLength &&
      v.every(
        (t) =>
          Array.isArray(t) &&
          t.length === ranges.length &&
          t.every((x, j) => typeof x === 'number' && Number.isInteger(x) && x >= ranges[j][0] && x <= ranges[j][1]),
      );
    if (!ok) this.fail(key, `a list of [${ranges.map(([lo, hi]) => `${lo}..${hi}`).join(', ')}] integer tuples`);
    return (v as number[][]).map((t) => t.slice());
  }

  /** A nested record, read by its own reader. */
  child(key: string): StateReader {
    return new StateReader(this.op, this.record[key], `${this.path}.${key}`);
  }
}
