/**
 * Seeded mutations of a file's bytes: bit flips, boundary bytes, truncations, insertions,
 * deletions, header word edits, and (for JSON-headed formats) edits of the JSON header and of
 * JSON nested in its string values.
 */
import type { FuzzRandom } from './random.js';
import type { JsonHeaderCodec } from './json-header.js';

export interface Mutation {
  /** What was done, for reports ("bit-flip", "json:proto-key", …). */
  kind: string;
  bytes: Uint8Array;
}

const BOUNDARY_BYTES = [0x00, 0xff, 0x7f, 0x80];
const BOUNDARY_WORDS = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 3073, 10000];

function bitFlips(bytes: Uint8Array, r: FuzzRandom): Uint8Array {
  const out = bytes.slice();
  const flips = 1 + r.int(4);
  for (let k = 0; k < flips && out.length > 0; k++) out[r.position(out.length)] ^= 1 << r.int(8);
  return out;
}

function boundaryByte(bytes: Uint8Array, r: FuzzRandom): Uint8Array {
  const out = bytes.slice();
  if (out.length > 0) out[r.position(out.length)] = r.pick(BOUNDARY_BYTES);
  return out;
}

function truncate(bytes: Uint8Array, r: FuzzRandom): Uint8Array {
  // Half the cuts land in the first 64 bytes, where headers end.
  return bytes.slice(0, r.position(bytes.length));
}

function insert(bytes: Uint8Array, r: FuzzRandom): Uint8Array {
  const at = r.position(bytes.length + 1);
  const extra = Uint8Array.from({ length: 1 + r.int(16) }, () => (r.next() < 0.5 ? r.pick(BOUNDARY_BYTES) : r.int(256)));
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes.subarray(0, at));
  out.set(extra, at);
  out.set(bytes.subarray(at), at + extra.length);
  return out;
}

function remove(bytes: Uint8Array, r: FuzzRandom): Uint8Array {
  const at = r.position(bytes.length);
  const count = 1 + r.int(Math.max(1, Math.min(64, bytes.length - at)));
  const out = new Uint8Array(Math.max(0, bytes.length - count));
  out.set(bytes.subarray(0, at));
  out.set(bytes.subarray(at + count), at);
  return out;
}

/** A 32-bit word in the first 32 bytes (big- or little-endian) set to a boundary value. */
function headerWord(bytes: Uint8Array, r: FuzzRandom): Uint8Array {
  const out = bytes.slice();
  if (out.length < 4) return out;
  const at = r.int(Math.min(out.length - 3, 29));
  new DataView(out.buffer).setUint32(at, r.next() < 0.8 ? r.pick(BOUNDARY_WORDS) : r.int(2 ** 32), r.next() < 0.5);
  return out;
}

const BINARY = { 'bit-flip': bitFlips, 'boundary-byte': boundaryByte, truncate, insert, remove, 'header-word': headerWord } as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every object or array in `root`, and every string value that itself parses as a JSON object. */
function jsonSites(root: Json): { value: Json; nested?: { parent: Json; key: string | number } }[] {
  const sites: { value: Json; nested?: { parent: Json; key: string | number } }[] = [];
  const walk = (v: Json): void => {
    if (v === null || typeof v !== 'object') return;
    sites.push({ value: v });
    for (const [k, child] of Object.entries(v)) {
      if (typeof child === 'string' && /^\s*[{[]/.test(child)) {
        try {
          const parsed = JSON.parse(child) as Json;
          if (parsed !== null && typeof parsed === 'object') sites.push({ value: parsed, nested: { parent: v, key: Array.isArray(v) ? Number(k) : k } });
        } catch {
          // not JSON: an ordinary string
        }
      }
      walk(child);
    }
  };
  walk(root);
  return sites;
}

const WRONG_VALUES: Json[] = [null, true, 'x', '', [], {}, [1, 2], { a: 1 }, -1, 0, 1e308, -1e308, 2 ** 53 + 2, 1.5, 4294967296];

/**
 * One edit of the JSON header. Objects are rebuilt key by key with `Object.defineProperty`, so a
 * `__proto__` key is a real own key in the text written back.
 */
function mutateJson(text: string, r: FuzzRandom): { kind: string; text: string } | undefined {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
  const sites = jsonSites(root);
  if (sites.length === 0) return undefined;
  const site = r.pick(sites);
  const target = site.value as Json[] | Record<string, Json>;
  const kinds = ['reorder', 'duplicate', 'proto-key', 'constructor-key', 'wrong-type', 'huge-number', 'delete-key', 'prototype-path'];
  const kind = r.pick(kinds);
  let replacement: string;
  const own = (obj: Record<string, Json>, key: string, value: Json): void => {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  };
  if (Array.isArray(target)) {
    if (target.length > 0 && (kind === 'wrong-type' || kind === 'huge-number')) target[r.int(target.length)] = kind === 'huge-number' ? r.pick([1e308, -1, 2 ** 53 + 2, 4294967296]) : r.pick(WRONG_VALUES);
    else if (kind === 'reorder') target.reverse();
    else if (kind === 'duplicate' && target.length > 0) target.push(target[r.int(target.length)]);
    else target.push(r.pick(WRONG_VALUES));
    replacement = JSON.stringify(site.value);
  } else {
    const obj = target;
    const entries = Object.entries(obj);
    let out: string;
    const body = (pairs: [string, Json][]): string => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
    switch (kind) {
      case 'reorder':
        out = body(entries.reverse());
        break;
      case 'duplicate': {
        // The same key twice with different values: JSON.parse keeps the last.
        if (entries.length === 0) return undefined;
        const [k, v] = entries[r.int(entries.length)];
        out = body([...entries, [k, r.next() < 0.5 ? v : r.pick(WRONG_VALUES)]]);
        break;
      }
      case 'proto-key':
      case 'constructor-key': {
        const key = kind === 'proto-key' ? '__proto__' : 'constructor';
        const copy = Object.create(null) as Record<string, Json>;
        for (const [k, v] of entries) own(copy, k, v);
        const sample = entries.length > 0 ? entries[r.int(entries.length)][1] : { polluted: 1 };
        own(copy, key, r.next() < 0.5 ? sample : { polluted: 1, lr: 7 });
        out = body(Object.entries(copy));
        break;
      }
      case 'prototype-path': {
        // A key that reaches a prototype through a dotted path, as tensor or parameter names do.
        if (entries.length === 0) return undefined;
        const [k, v] = entries[r.int(entries.length)];
        const prefix = r.pick(['__proto__.', 'constructor.', 'prototype.', 'constructor.prototype.']);
        out = body([...entries.filter(([e]) => e !== k), [`${prefix}${k}`, v]]);
        break;
      }
      case 'wrong-type':
      case 'huge-number': {
        if (entries.length === 0) return undefined;
        const i = r.int(entries.length);
        entries[i] = [entries[i][0], kind === 'huge-number' ? r.pick([1e308, -1, 2 ** 53 + 2, 4294967296, 1e-320]) : r.pick(WRONG_VALUES)];
        out = body(entries);
        if (kind === 'huge-number' && r.next() < 0.3) out = out.replace(/1e\+308/, '1e999'); // parses as Infinity
        break;
      }
      default: {
        if (entries.length === 0) return undefined;
        entries.splice(r.int(entries.length), 1);
        out = body(entries);
      }
    }
    replacement = out;
  }
  let result: string;
  if (site.nested) {
    const { parent, key } = site.nested;
    (parent as Record<string, Json>)[key as string] = replacement;
    result = JSON.stringify(root);
  } else if (site.value === root) {
    result = replacement;
  } else {
    // Re-serialize the whole tree with this object replaced by its new text.
    const marker = `\u0000site${r.int(1e9)}\u0000`;
    const stash = new Map<Json, string>([[site.value, marker]]);
    result = JSON.stringify(root, (_k, v: Json) => (stash.has(v) ? stash.get(v) : v)).replace(JSON.stringify(marker), replacement);
  }
  return { kind: `json:${kind}`, text: result };
}

/** One seeded mutation of `sample`; JSON edits when `json` says where the header is (half the time). */
export function mutate(sample: Uint8Array, r: FuzzRandom, json?: JsonHeaderCodec): Mutation {
  if (json && r.next() < 0.5) {
    const text = json.read(sample);
    const edit = text === undefined ? undefined : mutateJson(text, r);
    if (edit) return { kind: edit.kind, bytes: json.write(sample, edit.text) };
  }
  const kind = r.pick(Object.keys(BINARY) as (keyof typeof BINARY)[]);
  return { kind, bytes: BINARY[kind](sample, r) };
}
