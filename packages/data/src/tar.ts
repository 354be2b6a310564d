/**
 * A small reader for tar archives (POSIX ustar and the GNU/pax variants that real archives use),
 * enough to unpack the official CIFAR-10 binary archive: 512-byte headers with octal fields, each
 * followed by the entry's data padded to 512 bytes, ended by zero blocks.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';

const BLOCK = 512;

export interface TarEntry {
  /** Path inside the archive ('/'-separated, as stored). */
  name: string;
  /** 'file', 'directory', or 'other' (links, devices, …: listed but never extracted). */
  kind: 'file' | 'directory' | 'other';
  size: number;
  /** The entry's bytes (a view into the archive). */
  data: Uint8Array;
}

const decoder = new TextDecoder();

function text(header: Uint8Array, start: number, length: number): string {
  const field = header.subarray(start, start + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

function octal(header: Uint8Array, start: number, length: number, what: string, source: string, at: number): number {
  // GNU tar stores large numbers in base-256 when the first byte has its high bit set.
  if (header[start] & 0x80) {
    let value = header[start] & 0x7f;
    for (let k = 1; k < length; k++) value = value * 256 + header[start + k];
    return value;
  }
  const raw = text(header, start, length).trim();
  if (raw === '') return 0;
  if (!/^[0-7]+$/.test(raw)) throw new Error(`${source}: bad tar header at offset ${at}: ${what} field is not octal: ${JSON.stringify(raw)}`);
  return parseInt(raw, 8);
}

function isZeroBlock(bytes: Uint8Array, at: number): boolean {
  for (let k = at; k < at + BLOCK; k++) if (bytes[k] !== 0) return false;
  return true;
}

/** Lists the entries of an uncompressed tar archive; `source` names it in errors. */
export function parseTar(bytes: Uint8Array, source: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined; // from a GNU 'L' entry or a pax 'path' record
  while (at + BLOCK <= bytes.length) {
    if (isZeroBlock(bytes, at)) return entries;
    const header = bytes.subarray(at, at + BLOCK);
    const stored = octal(header, 148, 8, 'checksum', source, at);
    let sum = 0;
    for (let k = 0; k < BLOCK; k++) sum += k >= 148 && k < 156 ? 0x20 : header[k];
    if (sum !== stored) {
      throw new Error(`${source}: bad tar header at offset ${at}: checksum ${stored} stored, ${sum} computed`);
    }
    const size = octal(header, 124, 12, 'size', source, at);
    const type = String.fromCharCode(header[156]);
    const dataStart = at + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length) {
      throw new Error(`${source}: truncated tar: entry at offset ${at} needs ${size} bytes of data, only ${bytes.length - dataStart} left`);
    }
    const data = bytes.subarray(dataStart, dataEnd);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(decoder.decode(data)) ?? longName;
      continue;
    }
    if (type === 'g') continue; // global pax header: nothing we need
    const magic = text(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? text(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    const kind = type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'directory' : 'other';
    entries.push({ name, kind, size, data });
  }
  if (at < bytes.length) throw new Error(`${source}: truncated tar: ${bytes.length - at} stray bytes at offset ${at}`);
  return entries; // some writers omit the end-of-archive blocks
}

/** The `path` value of pax extended-header records ("<length> path=<value>\n"), if any. */
function paxPath(records: string): string | undefined {
  let path: string | undefined;
  for (const line of records.split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(line);
    if (match) path = match[1];
  }
  return path;
}

/**
 * Writes the regular files among `entries` (those accepted by `filter`, default all) below
 * `destDir`, creating folders. Refuses absolute paths and paths that climb out with `..`.
 * Returns the written paths.
 */
export function extractTar(entries: readonly TarEntry[], destDir: string, filter: (entry: TarEntry) => boolean = () => true): string[] {
  const written: string[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'file' || !filter(entry)) continue;
    const relative = normalize(entry.name);
    if (isAbsolute(relative) || relative === '..' || relative.startsWith(`..${sep}`)) {
      throw new Error(`extractTar: refusing unsafe path ${JSON.stringify(entry.name)}`);
    }
    const target = join(destDir, relative);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
    written.push(target);
  }
  return written;
}
