/**
 * Hostile files: every reader fails with the library's error naming the file (never a raw
 * RangeError/EISDIR), gzip bombs stop at what the format can hold, and tar extraction stays
 * inside its folder.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileFormatError, WnError } from '@wn/tensor';
import {
  CIFAR10_BATCH_RECORDS, CIFAR10_RECORD_BYTES, createImageDataset, decodeZca, encodeIdx, encodeZca, extractTar, fitZca, loadZca, readCifar10Batch,
  readIdx, readIdxImages, saveZca, type TarEntry,
} from '../src/index.js';
import { cifarRecords, fixtureBytes, tempDir } from './helpers.js';

const dir = tempDir('wn-hostile-');

/** The error `fn` throws (fails the test when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

/**
 * A gzip file that inflates to `prefix` followed by `megabytes` MiB of zeros: concatenated gzip
 * members of 1 MiB each, so the bomb is small to build and to store (~1 KiB per MiB).
 */
function gzipBomb(prefix: Uint8Array, megabytes: number): Uint8Array {
  const member = gzipSync(new Uint8Array(1 << 20), { level: 9 });
  const head = gzipSync(prefix);
  const out = new Uint8Array(head.length + member.length * megabytes);
  out.set(head);
  for (let k = 0; k < megabytes; k++) out.set(member, head.length + k * member.length);
  return out;
}

/** Peak resident memory grows by at most this many MiB while `fn` runs (maxRSS is a high-water mark). */
function peakGrowthMiB(fn: () => void): number {
  const before = process.resourceUsage().maxRSS;
  fn();
  return (process.resourceUsage().maxRSS - before) / 1024;
}

describe('one error type', () => {
  it('every @wn/data reader throws a WnError; file readers a FileFormatError naming the file', () => {
    const path = join(dir, 'junk.bin');
    writeFileSync(path, new Uint8Array([1, 2, 3]));
    for (const read of [() => readIdx(path), () => readCifar10Batch(path), () => loadZca(path)]) {
      const error = thrown(read);
      expect(error).toBeInstanceOf(FileFormatError);
      expect(error).toBeInstanceOf(WnError);
      expect((error as FileFormatError).file).toBe(path);
      expect(error.message.startsWith(`${path}: `)).toBe(true);
    }
    expect(thrown(() => readIdx(join(dir, 'absent')))).toBeInstanceOf(FileFormatError);
    expect(thrown(() => encodeIdx([2], new Uint8Array(3)))).toBeInstanceOf(WnError);
  });
});

describe('a truncated IDX header (issue 14, point 6)', () => {
  it('names the file and the header it needed, plain and gzipped', () => {
    // An images magic (3 dimensions → 16 header bytes) with only one dimension present.
    const header = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 5]);
    for (const [name, bytes] of [['cut.idx', header], ['cut.idx.gz', gzipSync(header)]] as const) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const error = thrown(() => readIdxImages(path));
      expect(error).toBeInstanceOf(FileFormatError);
      expect(error.message).toBe(`${path}: truncated file: expected at least 16 header bytes (3 dimensions), got 8`);
    }
  });
});

describe('gzip bombs', () => {
  it('an IDX .gz whose data runs past its header stops at the declared size', () => {
    const declared = encodeIdx([10, 28, 28], fixtureBytes(7840, 3));
    const path = join(dir, 'bomb-idx3-ubyte.gz');
    writeFileSync(path, gzipBomb(declared, 256)); // ~260 KiB inflating to 256 MiB
    let error: Error | undefined;
    const growth = peakGrowthMiB(() => (error = thrown(() => readIdxImages(path))));
    expect(error).toBeInstanceOf(FileFormatError);
    expect(error!.message).toBe(`${path}: decompresses to more than ${declared.length} bytes, the size its IDX header declares; refusing to inflate it further`);
    expect(growth).toBeLessThan(32);
  });

  it('a CIFAR-10 .bin.gz stops at the size of one batch', () => {
    const path = join(dir, 'bomb_batch.bin.gz');
    writeFileSync(path, gzipBomb(cifarRecords([1], 4), 256));
    const limit = CIFAR10_BATCH_RECORDS * CIFAR10_RECORD_BYTES;
    let error: Error | undefined;
    const growth = peakGrowthMiB(() => (error = thrown(() => readCifar10Batch(path))));
    expect(error).toBeInstanceOf(FileFormatError);
    expect(error!.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: decompresses to more than ${limit} bytes, the size of a CIFAR-10 batch`));
    expect(growth).toBeLessThan((3 * limit) / 2 ** 20); // full inflation would be 256 MiB or more
  });

  it('legitimate gzipped files at exactly the bound still load', () => {
    const idx = encodeIdx([4, 5], fixtureBytes(20, 5));
    const path = join(dir, 'ok-idx2.gz');
    writeFileSync(path, gzipSync(idx));
    expect(readIdx(path).data).toEqual(idx.subarray(12));
    const batch = join(dir, 'ok_batch.bin.gz');
    writeFileSync(batch, gzipSync(cifarRecords([3, 7], 6)));
    expect(Array.from(readCifar10Batch(batch).labels)).toEqual([3, 7]);
  });
});

describe('tar extraction', () => {
  const file = (name: string, data = new Uint8Array([1, 2, 3])): TarEntry => ({ name, kind: 'file', size: data.length, data });
  const extractError = (entries: TarEntry[], target: string): FileFormatError => {
    const error = thrown(() => extractTar(entries, target, undefined, 'hostile.tar'));
    expect(error).toBeInstanceOf(FileFormatError);
    expect((error as FileFormatError).file).toBe('hostile.tar');
    return error as FileFormatError;
  };

  it('a folder entry turned into a file, a file in the way, an over-long name, a NUL byte: the library error', () => {
    const target = join(dir, 'tar-cases');
    mkdirSync(target);
    expect(extractError([file('cifar/')], target).message).toMatch(/entry "cifar\/": refusing a file entry whose path names a folder/);
    mkdirSync(join(target, 'sub'));
    expect(extractError([file('sub')], target).message).toMatch(/refusing to write .*sub: it exists and is a folder/);
    expect(extractError([file('a'), file('a/b')], target).message).toMatch(/refusing to write through .*a: it is not a folder/);
    expect(extractError([file(`${'x'.repeat(300)}.bin`)], target).message).toMatch(/longer than 255 bytes/);
    expect(extractError([file(`d/${'y/'.repeat(2100)}f`)], target).message).toMatch(/longer than 4095 bytes/);
    expect(extractError([file('evil\0.bin')], target).message).toMatch(/NUL byte/);
  });

  it('refuses absolute paths and .., and never writes through a link already in the folder', () => {
    const target = join(dir, 'tar-links');
    const outside = join(dir, 'outside');
    mkdirSync(target);
    mkdirSync(outside);
    for (const name of ['/etc/x', '../x', 'a/../../x']) expect(extractError([file(name)], target).message).toMatch(/refusing unsafe path/);
    symlinkSync(outside, join(target, 'link'));
    expect(extractError([file('link/evil.bin')], target).message).toMatch(/refusing to write through .*link: it is a symbolic link/);
    symlinkSync(join(outside, 'victim'), join(target, 'victim'));
    expect(extractError([file('victim')], target).message).toMatch(/refusing to write .*victim: it exists and is a symbolic link/);
    expect(existsSync(join(outside, 'evil.bin'))).toBe(false);
    expect(existsSync(join(outside, 'victim'))).toBe(false);
    // Only regular files are written: links and devices in the archive are skipped.
    const written = extractTar([{ name: 'l', kind: 'other', size: 0, data: new Uint8Array(0) }, file('ok/f.bin')], target);
    expect(written).toEqual([join(target, 'ok', 'f.bin')]);
    expect(existsSync(join(target, 'l'))).toBe(false);
    expect(Array.from(readFileSync(written[0]))).toEqual([1, 2, 3]);
  });
});

describe('ZCA files', () => {
  it('a changed geometry with the same element count, ε = NaN, an asymmetric W: rejected naming the field', async () => {
    const images = fixtureBytes(6 * 12, 7);
    const data = createImageDataset({ name: 'toy', images, labels: new Uint8Array(6), channels: 3, height: 2, width: 2, classes: ['a'] });
    const zca = await fitZca(data, { threads: 1 });
    const path = join(dir, 'toy.zca');
    saveZca(zca, path);
    expect(loadZca(path, { channels: 3, height: 2, width: 2 }).dim).toBe(12);
    const swapped = encodeZca({ ...zca, channels: 1, height: 6, width: 2 });
    expect(() => decodeZca(swapped, 'g.zca', { channels: 3, height: 2, width: 2 })).toThrow(
      "g.zca: geometry: fitted for 1×6×2 images, expected 3×2×2",
    );
    expect(() => decodeZca(encodeZca({ ...zca, epsilon: NaN }), 'e.zca')).toThrow('e.zca: epsilon: expected a finite positive number, got NaN');
    const asymmetric = encodeZca(zca);
    new DataView(asymmetric.buffer).setFloat32(asymmetric.length - 4 * 12 * 12 + 4, 123, true); // W[0][1]
    expect(() => decodeZca(asymmetric, 'w.zca')).toThrow(/^w\.zca: matrix\[1\]\[0\]: W must be finite and symmetric/);
    const fitted = encodeZca({ ...zca, fittedImages: 1 });
    expect(() => decodeZca(fitted, 'f.zca')).toThrow('f.zca: fittedImages: expected at least 2 fitted images, got 1');
  });
});
