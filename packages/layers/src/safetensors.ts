/**
 * The safetensors format (huggingface/safetensors), written and read here without dependencies:
 * 8-byte little-endian header length n, n bytes of UTF-8 JSON
 * `{ "__metadata__"?: {string: string}, name: { dtype, shape, data_offsets: [begin, end] } }`
 * (offsets relative to the end of the header), then the raw little-endian tensor bytes. The
 * writer sorts names, stores tensors contiguously in that order and pads the header with spaces
 * to a multiple of 8, as the reference implementation does.
 */
import { FileFormatError, tensor, WnError, type Tensor } from '@wn/tensor';

/** Every dtype the reader accepts (all are converted to numbers). */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';
/** Storage dtypes the writer produces: F32 (default), I64 and U8 (integers 0..255, e.g. bit-packed replay memories). */
export type WritableDtype = 'F32' | 'I64' | 'U8';

const DTYPE_SIZE: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** One tensor read from a safetensors file. */
export interface SafetensorsTensor {
  /** The stored dtype. */
  dtype: SafetensorsDtype;
  /** The shape (row-major). */
  shape: number[];
  /** the values converted to numbers (int64 beyond 2^53 loses precision) */
  values: Float64Array;
}

/** A decoded safetensors file. */
export interface SafetensorsFile {
  /** By name, every name of the file (a record without prototype). */
  tensors: Record<string, SafetensorsTensor>;
  /** The string metadata (a record without prototype), or null when the file has none. */
  metadata: Record<string, string> | null;
}

/** A tensor to write, with an optional storage dtype (default F32). */
export type SafetensorsInput =
  | Tensor
  | {
    /** The tensor. */
    tensor: Tensor;
    /** How to store it. */
    dtype: WritableDtype;
  }
  | {
    /** The values, row-major (integers for the integer dtypes). */
    values: ArrayLike<number>;
    /** The shape. */
    shape: readonly number[];
    /** How to store them (default F32). */
    dtype?: WritableDtype;
  };

const err = (msg: string) => new WnError('safetensors', msg);

function normalizeInput(name: string, v: SafetensorsInput): { values: ArrayLike<number>; shape: number[]; dtype: WritableDtype } {
  if (v && typeof v === 'object' && 'dataSync' in v) return { values: (v as Tensor).dataSync(), shape: [...(v as Tensor).shape], dtype: 'F32' };
  if (v && typeof v === 'object' && 'tensor' in v) return { values: v.tensor.dataSync(), shape: [...v.tensor.shape], dtype: v.dtype };
  if (v && typeof v === 'object' && 'values' in v) {
    const n = v.shape.reduce((a, b) => a * b, 1);
    if (n !== v.values.length) throw err(`'${name}': ${v.values.length} values for shape [${v.shape.join(', ')}]`);
    return { values: v.values, shape: [...v.shape], dtype: v.dtype ?? 'F32' };
  }
  throw err(`'${name}': expected a Tensor, { tensor, dtype } or { values, shape }`);
}

/** Serializes named tensors (and string metadata) to safetensors bytes. */
export function encodeSafetensors(entries: Record<string, SafetensorsInput>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(entries).sort();
  if (names.includes('__metadata__')) throw err("'__metadata__' is reserved for metadata");
  const items = names.map((name) => ({ name, ...normalizeInput(name, entries[name]) }));
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>; // names may be anything, '__proto__' included
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw err(`metadata '${k}' must be a string, got ${typeof v}`);
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const it of items) {
    const bytes = it.values.length * DTYPE_SIZE[it.dtype];
    header[it.name] = { dtype: it.dtype, shape: it.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const it of items) {
    const v = it.values;
    if (it.dtype === 'F32') {
      for (let i = 0; i < v.length; i++, p += 4) view.setFloat32(p, v[i], true);
    } else if (it.dtype === 'U8') {
      if (!(v instanceof Uint8Array)) {
        for (let i = 0; i < v.length; i++) {
          if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] > 255) throw err(`'${it.name}': U8 storage needs integers in 0..255, got ${v[i]} at index ${i}`);
        }
      }
      out.set(v instanceof Uint8Array ? v : Uint8Array.from(v), p);
      p += v.length;
    } else {
      for (let i = 0; i < v.length; i++, p += 8) {
        if (!Number.isInteger(v[i])) throw err(`'${it.name}': I64 storage needs integer values, got ${v[i]} at index ${i}`);
        view.setBigInt64(p, BigInt(v[i]), true);
      }
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function readValues(view: DataView, start: number, count: number, dtype: SafetensorsDtype): Float64Array {
  const out = new Float64Array(count);
  const size = DTYPE_SIZE[dtype];
  for (let i = 0, p = start; i < count; i++, p += size) {
    switch (dtype) {
      case 'F64': out[i] = view.getFloat64(p, true); break;
      case 'F32': out[i] = view.getFloat32(p, true); break;
      case 'F16': out[i] = halfToFloat(view.getUint16(p, true)); break;
      case 'BF16': {
        const tmp = new DataView(new ArrayBuffer(4));
        tmp.setUint32(0, view.getUint16(p, true) << 16, true);
        out[i] = tmp.getFloat32(0, true);
        break;
      }
      case 'I64': out[i] = Number(view.getBigInt64(p, true)); break;
      case 'I32': out[i] = view.getInt32(p, true); break;
      case 'I16': out[i] = view.getInt16(p, true); break;
      case 'I8': out[i] = view.getInt8(p); break;
      case 'U8': out[i] = view.getUint8(p); break;
      case 'BOOL': out[i] = view.getUint8(p) ? 1 : 0; break;
    }
  }
  return out;
}

/** Where a decoded name or value came from, for errors: `source` is the file's path or a label. */
export interface DecodeOptions {
  /** The file's path or a label, named in errors. */
  source?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Parses safetensors bytes, validating the header: known dtypes, integer shapes, offsets inside
 * the data that match each shape's byte size, and no overlaps or holes. Errors are
 * `FileFormatError`s naming `options.source` (when given) and the header field. Every tensor
 * name is kept as is, `__proto__` included: `tensors` and `metadata` have no prototype, so no
 * name can reach one (readers that map names onto objects, such as `loadState`, refuse such
 * names themselves).
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeOptions = {}): SafetensorsFile {
  const file = options.source;
  const fail = (field: string | undefined, message: string, cause?: unknown): FileFormatError =>
    new FileFormatError({ op: 'safetensors', file, field, cause }, message);
  if (!(bytes instanceof Uint8Array)) throw fail(undefined, 'expected a Uint8Array');
  if (bytes.length < 8) throw fail(undefined, `file too short (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) throw fail('header length', `header length ${n64} exceeds the file (${bytes.length} bytes)`);
  const n = Number(n64);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw fail('header', `the header is not valid UTF-8 JSON: ${(e as Error).message}`, e);
  }
  if (!isRecord(header)) throw fail('header', 'the header must be a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const spans: [number, number, string][] = [];
  const tensors: Record<string, SafetensorsTensor> = Object.create(null) as Record<string, SafetensorsTensor>;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(raw) || Object.values(raw).some((v) => typeof v !== 'string')) throw fail('__metadata__', '__metadata__ must map strings to strings');
      metadata = Object.assign(Object.create(null) as Record<string, string>, raw);
      continue;
    }
    if (!isRecord(raw)) throw fail(name, `entry must be an object, got ${JSON.stringify(raw)}`);
    const dtype = raw.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_SIZE, dtype)) throw fail(`${name}.dtype`, `unsupported dtype ${JSON.stringify(dtype)}`);
    const size = DTYPE_SIZE[dtype as SafetensorsDtype];
    const shape = raw.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      throw fail(`${name}.shape`, `shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const off = raw.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((d) => !Number.isSafeInteger(d) || (d as number) < 0) || off[0] > off[1] || off[1] > dataLen) {
      throw fail(`${name}.data_offsets`, `${JSON.stringify(off)} must be [begin, end] with 0 ≤ begin ≤ end ≤ ${dataLen}`);
    }
    const [begin, end] = off as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * size) {
      throw fail(`${name}.data_offsets`, `span ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${count * size}`);
    }
    spans.push([begin, end, name]);
    tensors[name] = { dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], values: readValues(view, dataStart + begin, count, dtype as SafetensorsDtype) };
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let end = 0;
  for (const [b, e, name] of spans) {
    if (b < end) throw fail(`${name}.data_offsets`, `overlaps the previous tensor (begins at ${b}, previous ends at ${end})`);
    if (b > end) throw fail(`${name}.data_offsets`, `a hole in the data before this tensor (bytes ${end}..${b})`);
    end = e;
  }
  if (end !== dataLen) throw fail(undefined, `the data section has ${dataLen} bytes but the tensors cover ${end}`);
  return { tensors, metadata };
}

/** Converts a decoded file's tensors to float32 tensors on the current backend (integers as floats). */
export function safetensorsToTensors(file: SafetensorsFile): Record<string, Tensor> {
  const out: Record<string, Tensor> = Object.create(null) as Record<string, Tensor>; // names are untrusted
  for (const [k, t] of Object.entries(file.tensors)) out[k] = tensor(t.values, t.shape);
  return out;
}
