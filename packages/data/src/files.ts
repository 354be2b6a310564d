/** Reading dataset files that may or may not be gzip-compressed, and finding them in a folder. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** `bytes`, gunzipped when they start with the gzip magic; `source` names the file in errors. */
export function maybeGunzip(bytes: Uint8Array, source: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    throw new Error(`${source}: gzip data is corrupt or truncated (${(error as Error).message})`, { cause: error });
  }
}

/** Reads a whole file as bytes; the error names the path. */
export function readBytes(path: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a file, gunzipping it when it carries the gzip magic (whatever its name says). */
export function readMaybeGzip(path: string): Uint8Array {
  return maybeGunzip(readBytes(path), path);
}

/** `dir/name` if it exists, else `dir/name.gz`; throws naming both when neither exists. */
export function findDataFile(dir: string, name: string): string {
  const plain = join(dir, name);
  if (existsSync(plain)) return plain;
  const gz = `${plain}.gz`;
  if (existsSync(gz)) return gz;
  throw new Error(`missing data file: neither ${plain} nor ${gz} exists`);
}
