/**
 * The state bag: what a model package saves in a checkpoint beyond its modules, optimizers and
 * parameter averages — JSON records (where training stands, metrics so far, generator positions)
 * plus named tensors (EMA weights, a target network's copy) and typed arrays (a replay buffer,
 * environment states). Everything is keyed by `Map`; names are checked when they go in.
 */
import type { Tensor } from '@wn/tensor';
import { FieldReader, isForbiddenName, type JsonValue } from './checked.js';
import { CorruptFileError } from './errors.js';
import { WnError } from '@wn/tensor';

/** Typed arrays a bag stores exactly (as float32, or int64 for the 32-bit integers). */
export type StoredArray = Float32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array | Uint32Array;
/** The typed array kinds a bag stores. */
export const STORED_ARRAY_KINDS = ['Float32Array', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Int32Array', 'Uint32Array'] as const;
/** The name of a typed array kind a bag stores. */
export type StoredArrayKind = (typeof STORED_ARRAY_KINDS)[number];

/** The position of a counter-based generator (@wn/tensor's `Rng`): its seed and its next stream. */
export interface GeneratorPosition {
  /** The generator's seed. */
  seed: number;
  /** The next stream the generator draws from. */
  stream: number;
}

/** Names: letters, digits and `_ - . : /`; no prototype segments; no empty segments. */
const NAME = /^[A-Za-z0-9_\-:/]+(\.[A-Za-z0-9_\-:/]+)*$/;

export function checkBagName(what: string, name: string): string {
  if (typeof name !== 'string' || !NAME.test(name) || isForbiddenName(name)) {
    throw new WnError('StateBag', `${what} name ${JSON.stringify(name)} is not allowed (letters, digits, _ - : / separated by dots; not __proto__, constructor or prototype)`);
  }
  return name;
}

export function storedArrayKind(a: unknown): StoredArrayKind | null {
  for (const k of STORED_ARRAY_KINDS) if (a instanceof globalThis[k]) return k;
  return null;
}

/** A JSON value with every number finite (JSON itself would turn NaN into null). */
function checkJson(what: string, v: unknown, path: string, depth = 0): void {
  if (depth > 64) throw new WnError('StateBag', `${what} '${path}' is nested too deeply`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new WnError('StateBag', `${what} '${path}' holds ${v}; records must be finite numbers (JSON cannot hold NaN or Infinity)`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkJson(what, x, `${path}[${i}]`, depth + 1));
    return;
  }
  if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    for (const [k, x] of Object.entries(v)) {
      if (isForbiddenName(k)) throw new WnError('StateBag', `${what} '${path}' has the key '${k}', which is not allowed`);
      checkJson(what, x, `${path}.${k}`, depth + 1);
    }
    return;
  }
  throw new WnError('StateBag', `${what} '${path}' holds a ${typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v}; records must be plain JSON (put tensors and typed arrays in the bag with setTensor / setArray)`);
}

/** What a checkpoint saves beyond modules, optimizers and averages: JSON records, named tensors and typed arrays. */
export class StateBag {
  private readonly recordMap = new Map<string, JsonValue>();
  private readonly tensorMap = new Map<string, Tensor>();
  private readonly arrayMap = new Map<string, StoredArray>();
  /** The file the bag was read from (set by the checkpoint decoder), named by errors of later reads. */
  source = 'checkpoint';

  /** A bag holding `records` (e.g. a trainer's position object, one record per key). */
  static fromRecords(records: Readonly<Record<string, unknown>>): StateBag {
    const bag = new StateBag();
    for (const [k, v] of Object.entries(records)) bag.setRecord(k, v as JsonValue);
    return bag;
  }

  // ---- records -----------------------------------------------------------------------------

  /** Stores a JSON-serializable value (checked now, so a NaN never turns into null on disk). */
  setRecord(name: string, value: JsonValue): this {
    checkBagName('record', name);
    checkJson('record', value, name);
    this.recordMap.set(name, value);
    return this;
  }

  /** Whether a record of this name exists. */
  hasRecord(name: string): boolean {
    return this.recordMap.has(name);
  }

  /** The raw record (undefined when absent). Prefer `readRecord` for values from a file. */
  record(name: string): JsonValue | undefined {
    return this.recordMap.get(name);
  }

  /** A record read through a checking function; a missing record is an error naming it. */
  readRecord<T>(name: string, read: (value: unknown, field: string, reader: FieldReader) => T, file = this.source): T {
    if (!this.recordMap.has(name)) throw new CorruptFileError(file, `records.${name}`, 'missing');
    return read(this.recordMap.get(name), `records.${name}`, new FieldReader(file));
  }

  /** All records as one null-prototype object. */
  records(): Record<string, JsonValue> {
    const out = Object.create(null) as Record<string, JsonValue>;
    for (const [k, v] of this.recordMap) out[k] = v;
    return out;
  }

  /** The names of the records. */
  get recordNames(): string[] {
    return [...this.recordMap.keys()];
  }

  // ---- generator positions -----------------------------------------------------------------

  /** Saves a generator's position (`{ seed, stream }`) as the record `name`. */
  setGenerator(name: string, position: GeneratorPosition): this {
    if (!Number.isInteger(position?.seed) || !Number.isInteger(position?.stream) || position.stream < 0) {
      throw new WnError('StateBag.setGenerator', `'${name}': expected { seed: integer, stream: non-negative integer }, got ${JSON.stringify(position)}`);
    }
    return this.setRecord(name, { seed: position.seed, stream: position.stream });
  }

  /** A saved generator position, checked. */
  generator(name: string, file = this.source): GeneratorPosition {
    return this.readRecord(name, (v, field, r) => {
      const o = r.object(v, field);
      return {
        seed: r.field(o, 'seed', field, (x, f) => r.number(x, f, { integer: true })),
        stream: r.field(o, 'stream', field, (x, f) => r.count(x, f)),
      };
    }, file);
  }

  // ---- tensors -------------------------------------------------------------------------------

  /** Adds a tensor to save (the bag does not take ownership of tensors set by the caller). */
  setTensor(name: string, t: Tensor): this {
    checkBagName('tensor', name);
    this.tensorMap.set(name, t);
    return this;
  }

  /** The tensor stored under `name`, if any. */
  tensor(name: string): Tensor | undefined {
    return this.tensorMap.get(name);
  }

  /** Removes and returns a tensor: the caller owns it from then on (for a bag from a checkpoint). */
  takeTensor(name: string): Tensor {
    const t = this.tensorMap.get(name);
    if (!t) throw new WnError('StateBag.takeTensor', `no tensor '${name}' (has: ${[...this.tensorMap.keys()].join(', ') || 'none'})`);
    this.tensorMap.delete(name);
    return t;
  }

  /** The names of the tensors. */
  get tensorNames(): string[] {
    return [...this.tensorMap.keys()];
  }

  // ---- typed arrays --------------------------------------------------------------------------

  /**
   * Stores a typed array under `name` (kept by reference). Throws a `WnError` for an unsupported array type or a
   * bad name.
   */
  setArray(name: string, a: StoredArray): this {
    checkBagName('array', name);
    if (!storedArrayKind(a)) throw new WnError('StateBag.setArray', `'${name}': expected one of ${STORED_ARRAY_KINDS.join(', ')}`);
    this.arrayMap.set(name, a);
    return this;
  }

  /** The typed array stored under `name`, if any. */
  array(name: string): StoredArray | undefined {
    return this.arrayMap.get(name);
  }

  /** The names of the typed arrays. */
  get arrayNames(): string[] {
    return [...this.arrayMap.keys()];
  }

  /** Disposes the tensors still in the bag (call on a bag decoded from a checkpoint once restored). */
  dispose(): void {
    for (const t of this.tensorMap.values()) t.dispose();
    this.tensorMap.clear();
  }
}
