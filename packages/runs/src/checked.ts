/**
 * Checked reading of untrusted JSON: every value is tested against what the field may hold (type
 * and range), and every failure is a `CorruptFileError` naming the file and the field's path —
 * never a `SyntaxError` or a `TypeError` from using a missing value.
 *
 * Keyed structures built from untrusted names are null-prototype objects, and the names
 * `__proto__`, `constructor` and `prototype` are refused as keys and as dotted path segments, so a
 * file cannot reach `Object.prototype` through them.
 */
import { CorruptFileError } from './errors.js';

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonRecord = { [key: string]: JsonValue };

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether `name` (or, for a dotted name, one of its segments) could reach a prototype. */
export function isForbiddenName(name: string): boolean {
  return name.split('.').some((s) => FORBIDDEN.has(s));
}

/** A null-prototype object: `in` and indexing see only its own keys. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v);
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v && typeof v === 'object') return 'an object';
  return String(v);
};

/** The range {@link FieldReader.number} accepts. */
export interface NumberRange {
  /** Require an integer. */
  integer?: boolean;
  /** inclusive bounds */
  min?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** exclusive lower bound */
  above?: number;
}

/** Reads fields of one file; each method returns the checked value or throws naming `file` and `field`. */
export class FieldReader {
  /** @param file The file (or label) named in errors. */
  constructor(readonly file: string) {}

  /** Throws a `CorruptFileError` naming the file, the field and the problem. */
  fail(field: string, problem: string): never {
    throw new CorruptFileError(this.file, field, problem);
  }

  /** Parses JSON text; a syntax error names the field the text came from. */
  json(text: string, field: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      return this.fail(field, `not valid JSON (${(e as Error).message})`);
    }
  }

  /**
   * An object's own entries as a null-prototype record, refusing prototype names as keys.
   * Values stay unchecked (`unknown`) for the caller to read field by field.
   */
  object(v: unknown, field: string): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(field, `expected an object, got ${show(v)}`);
    const out = emptyRecord<unknown>();
    for (const [k, x] of Object.entries(v as object)) {
      if (isForbiddenName(k)) this.fail(field ? `${field}.${k}` : k, `the name '${k}' is not allowed (it could reach a prototype)`);
      out[k] = x;
    }
    return out;
  }

  /** `obj[key]`, checked by `read`; a missing key is an error naming it. */
  field<T>(obj: Record<string, unknown>, key: string, parent: string, read: (v: unknown, field: string) => T): T {
    const path = parent ? `${parent}.${key}` : key;
    if (!Object.prototype.hasOwnProperty.call(obj, key)) this.fail(path, 'missing');
    return read(obj[key], path);
  }

  /** A finite number within `range`, or a `CorruptFileError` naming the field. */
  number(v: unknown, field: string, range: NumberRange = {}): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `expected a finite number, got ${show(v)}`);
    const n = v as number;
    if (range.integer && !Number.isInteger(n)) this.fail(field, `expected an integer, got ${n}`);
    if (range.min !== undefined && n < range.min) this.fail(field, `expected ≥ ${range.min}, got ${n}`);
    if (range.max !== undefined && n > range.max) this.fail(field, `expected ≤ ${range.max}, got ${n}`);
    if (range.above !== undefined && !(n > range.above)) this.fail(field, `expected > ${range.above}, got ${n}`);
    return n;
  }

  /** A non-negative integer (counts, steps, indices). */
  count(v: unknown, field: string): number {
    return this.number(v, field, { integer: true, min: 0 });
  }

  /** A string, or a `CorruptFileError` naming the field. */
  string(v: unknown, field: string): string {
    if (typeof v !== 'string') this.fail(field, `expected a string, got ${show(v)}`);
    return v as string;
  }

  /** A boolean, or a `CorruptFileError` naming the field. */
  boolean(v: unknown, field: string): boolean {
    if (typeof v !== 'boolean') this.fail(field, `expected true or false, got ${show(v)}`);
    return v as boolean;
  }

  /** An array (its elements unchecked), or a `CorruptFileError` naming the field. */
  array(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, `expected a list, got ${show(v)}`);
    return v as unknown[];
  }

  /** One of `values`, or a `CorruptFileError` naming the field and listing the choices. */
  oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) this.fail(field, `expected one of ${values.map((x) => `'${x}'`).join(', ')}, got ${show(v)}`);
    return v as T;
  }

  /**
   * Any JSON value, rebuilt with null-prototype objects and prototype names refused at any depth
   * (records of a state bag are kept as such).
   */
  jsonValue(v: unknown, field: string): JsonValue {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) this.fail(field, `expected a finite number, got ${v}`);
      return v;
    }
    if (Array.isArray(v)) return v.map((x, i) => this.jsonValue(x, `${field}[${i}]`));
    const obj = this.object(v, field);
    const out = emptyRecord<JsonValue>();
    for (const k of Object.keys(obj)) out[k] = this.jsonValue(obj[k], field ? `${field}.${k}` : k);
    return out;
  }

  /** A name used as a key (tensor, record, parameter): non-empty, no prototype segments. */
  name(v: string, field: string): string {
    if (v.length === 0) this.fail(field, 'an empty name');
    if (isForbiddenName(v)) this.fail(field, `the name '${v}' has a segment that could reach a prototype (__proto__, constructor, prototype)`);
    return v;
  }
}
