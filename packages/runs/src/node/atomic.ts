/**
 * Atomic file writes: the bytes go to a temp file in the same folder, are fsynced, and the temp
 * file is renamed over the target (atomic on POSIX). A crash at any point leaves either the old
 * file or the new one, never a mix; a crash before the rename leaves a stale temp file, which
 * `removeStaleTemps` clears.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TEMP = /^\..+\.\d+\.tmp$/;

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** called after the temp file is synced, before the rename (tests simulate a crash there) */
  beforeRename?: (tempPath: string) => void;
}

/**
 * Writes `data` (bytes, or text as UTF-8) to `path` atomically: a synced temp file in the same folder,
 * renamed over the target. The temp file is removed when the write or the rename fails (the error
 * is rethrown); the target is then unchanged.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    options.beforeRename?.(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  // the rename itself is durable once the folder's entry is synced
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // some file systems cannot fsync a directory; the rename has happened either way
  }
}

/** Removes temp files a crashed writer left in `dir` (names `.<file>.<pid>.tmp`); returns their names. */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => TEMP.test(n));
  for (const n of stale) rmSync(join(dir, n), { force: true });
  return stale;
}
