/**
 * Reading dataset files that may or may not be gzip-compressed, and finding them in a folder.
 * Decompression is always bounded by what the file's format can legitimately hold, so a small
 * "gzip bomb" is rejected after at most that many bytes instead of filling memory.
 */
import { FileFormatError, WnError } from '@wn/tensor';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { constants as bufferConstants } from 'node:buffer';
import { isGzip } from './gzip.js';

/** The most bytes one decompressed file may hold on this platform (Node's Buffer limit). */
export const MAX_DECOMPRESSED_BYTES: number = bufferConstants.MAX_LENGTH;

export { isGzip } from './gzip.js';

const view = (out: Buffer): Uint8Array => new Uint8Array(out.buffer, out.byteOffset, out.byteLength);

/** Node reports an exceeded `maxOutputLength` as this RangeError code. */
const isTooLarge = (error: unknown): boolean => (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';

/**
 * `bytes`, gunzipped when they start with the gzip magic; `source` names the file in errors.
 * Decompression stops, and a FileFormatError says so, once the output would exceed `maxBytes`
 * (`what` says where that bound comes from, e.g. "the size its IDX header declares").
 */
export function maybeGunzip(bytes: Uint8Array, source: string, maxBytes: number, what = 'the limit for this file'): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const limit = Math.min(maxBytes, MAX_DECOMPRESSED_BYTES);
  try {
    // One byte of headroom tells "exactly at the limit" (fine) from "beyond it" (rejected).
    return view(gunzipSync(bytes, { maxOutputLength: Math.min(limit + 1, MAX_DECOMPRESSED_BYTES) }));
  } catch (error) {
    if (isTooLarge(error)) {
      throw new FileFormatError(
        { op: 'gunzip', file: source, cause: error },
        `decompresses to more than ${limit} bytes, ${what}; refusing to inflate it further`,
      );
    }
    throw new FileFormatError({ op: 'gunzip', file: source, cause: error }, `gzip data is corrupt or truncated (${(error as Error).message})`);
  }
}

/**
 * At least the first `count` decompressed bytes of gzip `bytes` (fewer only when the whole stream
 * is shorter), from growing prefixes of the input, each inflated to at most
 * max(`count`, 1 MiB) bytes: reading a header never inflates a whole bomb.
 */
export function gunzipPrefix(bytes: Uint8Array, source: string, count: number): Uint8Array {
  const limit = Math.max(count, 1 << 20);
  let short = 0; // a prefix length known to inflate to fewer than `count` bytes
  let take = Math.min(256, bytes.length);
  for (;;) {
    let out: Uint8Array | undefined;
    try {
      // A sync flush at the end inflates a cut-off stream as far as it goes instead of failing.
      out = view(gunzipSync(bytes.subarray(0, take), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: limit }));
    } catch (error) {
      if (!isTooLarge(error)) {
        throw new FileFormatError({ op: 'gunzip', file: source, cause: error }, `gzip data is corrupt or truncated (${(error as Error).message})`);
      }
      // Over the limit: back off halfway (deflate inflates one input byte to at most ~1 KiB).
      if (take - short <= 1) throw new FileFormatError({ op: 'gunzip', file: source }, 'gzip stream inflates faster than deflate allows');
      take = short + Math.ceil((take - short) / 2);
      continue;
    }
    if (out.length >= count || take >= bytes.length) return out;
    short = take;
    take = Math.min(bytes.length, take * 4);
  }
}

/** Reads a whole file as bytes; the error names the path. */
export function readBytes(path: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new FileFormatError({ op: 'readBytes', file: path, cause: error }, `cannot read the file: ${(error as Error).message}`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a file, gunzipping it (up to `maxBytes`) when it carries the gzip magic, whatever its name says. */
export function readMaybeGzip(path: string, maxBytes: number, what?: string): Uint8Array {
  return maybeGunzip(readBytes(path), path, maxBytes, what);
}

/** `dir/name` if it exists, else `dir/name.gz`; throws naming both when neither exists. */
export function findDataFile(dir: string, name: string): string {
  const plain = join(dir, name);
  if (existsSync(plain)) return plain;
  const gz = `${plain}.gz`;
  if (existsSync(gz)) return gz;
  throw new WnError('findDataFile', `missing data file: neither ${plain} nor ${gz} exists`);
}
