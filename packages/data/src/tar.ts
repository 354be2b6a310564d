/**
 * A small reader for tar archives (POSIX ustar and the GNU/pax variants that real archives use),
 * enough to unpack the official CIFAR-10 binary archive: 512-byte headers with octal fields, each
 * followed by the entry's data padded to 512 bytes, ended by zero blocks.
 */
import { FileFormatError } from '@wn/tensor';
import { closeSync, constants as fsConstants, lstatSync, mkdirSync, openSync, writeSync, type Stats } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';

const BLOCK = 512;

/** One entry of a tar archive. */
export interface TarEntry {
  /** Path inside the archive ('/'-separated, as stored). */
  name: string;
  /** 'file', 'directory', or 'other' (links, devices, …: listed but never extracted). */
  kind: 'file' | 'directory' | 'other';
  /** Size of the entry's data in bytes. */
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
  if (!/^[0-7]+$/.test(raw)) throw new FileFormatError({ op: 'parseTar', file: source }, `bad tar header at offset ${at}: ${what} field is not octal: ${JSON.stringify(raw)}`);
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
      throw new FileFormatError({ op: 'parseTar', file: source }, `bad tar header at offset ${at}: checksum ${stored} stored, ${sum} computed`);
    }
    const size = octal(header, 124, 12, 'size', source, at);
    const type = String.fromCharCode(header[156]);
    const dataStart = at + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length) {
      throw new FileFormatError({ op: 'parseTar', file: source }, `truncated tar: entry at offset ${at} needs ${size} bytes of data, only ${bytes.length - dataStart} left`);
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
  if (at < bytes.length) throw new FileFormatError({ op: 'parseTar', file: source }, `truncated tar: ${bytes.length - at} stray bytes at offset ${at}`);
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

/** Longest path segment most file systems accept (bytes). */
const MAX_SEGMENT_BYTES = 255;
/** Longest archive path accepted (bytes; Linux's PATH_MAX is 4096). */
const MAX_PATH_BYTES = 4095;
const utf8 = new TextEncoder();

/**
 * Writes the regular files among `entries` (those accepted by `filter`, default all) below
 * `destDir`, creating folders. Refuses, with a FileFormatError naming the entry (and `source`,
 * the archive, when given): absolute paths, paths that climb out with `..`, NUL bytes, over-long
 * names, and paths that would pass through anything but a real folder already there (a symbolic
 * link, a file) or end on anything but a regular file. Links and devices in the archive are never
 * written. Returns the written paths.
 */
export function extractTar(
  entries: readonly TarEntry[],
  destDir: string,
  filter: (entry: TarEntry) => boolean = () => true,
  source?: string,
): string[] {
  const written: string[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'file' || !filter(entry)) continue;
    const fail = (message: string, cause?: unknown): FileFormatError =>
      new FileFormatError({ op: 'extractTar', file: source, field: `entry ${JSON.stringify(entry.name)}`, cause }, message);
    const segments = safeSegments(entry.name, fail);
    let dir = destDir;
    for (const segment of segments.slice(0, -1)) {
      dir = join(dir, segment);
      const stat = lstatOrNull(dir, fail);
      if (stat === null) makeDir(dir, fail);
      else if (!stat.isDirectory()) {
        throw fail(`refusing to write through ${dir}: it is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}`);
      }
    }
    const target = join(dir, segments[segments.length - 1]);
    const stat = lstatOrNull(target, fail);
    if (stat !== null && !stat.isFile()) {
      throw fail(`refusing to write ${target}: it exists and is ${stat.isSymbolicLink() ? 'a symbolic link' : stat.isDirectory() ? 'a folder' : 'not a regular file'}`);
    }
    writeRegularFile(target, entry.data, fail);
    written.push(target);
  }
  return written;
}

/** The entry's path as safe relative segments, or a thrown error saying what is wrong. */
function safeSegments(name: string, fail: (message: string) => FileFormatError): string[] {
  if (name.includes('\0')) throw fail('refusing a path with a NUL byte');
  if (utf8.encode(name).length > MAX_PATH_BYTES) throw fail(`refusing a path longer than ${MAX_PATH_BYTES} bytes`);
  const relative = normalize(name);
  if (isAbsolute(relative) || relative === '..' || relative.startsWith(`..${sep}`)) {
    throw fail(`refusing unsafe path ${JSON.stringify(name)}`);
  }
  const segments = relative.split(sep).filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0 || name.endsWith('/')) throw fail('refusing a file entry whose path names a folder');
  const long = segments.find((segment) => utf8.encode(segment).length > MAX_SEGMENT_BYTES);
  if (long !== undefined) throw fail(`refusing a path segment longer than ${MAX_SEGMENT_BYTES} bytes`);
  return segments;
}

function lstatOrNull(path: string, fail: (message: string, cause?: unknown) => FileFormatError): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fail(`cannot inspect ${path}: ${(error as Error).message}`, error);
  }
}

function makeDir(path: string, fail: (message: string, cause?: unknown) => FileFormatError): void {
  try {
    mkdirSync(path);
  } catch (error) {
    throw fail(`cannot create folder ${path}: ${(error as Error).message}`, error);
  }
}

/** Writes a regular file without following a symbolic link put in its place meanwhile. */
function writeRegularFile(path: string, data: Uint8Array, fail: (message: string, cause?: unknown) => FileFormatError): void {
  const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | (fsConstants.O_NOFOLLOW ?? 0);
  let fd: number | undefined;
  try {
    fd = openSync(path, flags, 0o644);
    let at = 0;
    while (at < data.length) at += writeSync(fd, data, at, data.length - at);
  } catch (error) {
    throw fail(`cannot write ${path}: ${(error as Error).message}`, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
