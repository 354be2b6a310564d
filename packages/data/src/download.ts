/**
 * Checksum-verified downloads of the official dataset files into a cache folder, for machines with
 * internet access. A file is streamed to `<name>.part` while hashed, and renamed only when its
 * checksum matches; a mismatch removes the partial file and throws.
 */
import { WnError } from '@wn/tensor';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readMaybeGzip } from './files.js';
import { extractTar, parseTar } from './tar.js';

/** An expected file digest. */
export interface Checksum {
  /** The hash function. */
  algorithm: 'sha256' | 'md5';
  /** Lower-case hex digest. */
  hex: string;
}

/** A file of a dataset, where to get it and how to check it. */
export interface RemoteFile {
  /** File name in the cache folder. */
  name: string;
  /** Where to download it from (overridable with `DownloadOptions.baseUrl`). */
  url: string;
  /** The digest the downloaded bytes must match; a mismatch is an error and the file is not kept. */
  checksum: Checksum;
}

/** A dataset's downloadable files. */
export interface DatasetSource {
  /** Sub-folder of the cache folder. */
  name: string;
  /** The files to fetch. */
  files: readonly RemoteFile[];
  /** Unpack each downloaded `.tar.gz` file into the dataset folder. */
  unpackTarGz?: boolean;
  /** The most bytes an archive may inflate to (default {@link DEFAULT_MAX_UNPACKED_BYTES}). */
  maxUnpackedBytes?: number;
}

/** Default bound on an archive's uncompressed size: 1 GiB. */
export const DEFAULT_MAX_UNPACKED_BYTES = 2 ** 30;

const md5 = (hex: string): Checksum => ({ algorithm: 'md5', hex });

/**
 * Official Fashion-MNIST files. The checksums are the MD5 sums the dataset authors publish in
 * their README (only MD5 is published).
 */
export const FASHION_MNIST_SOURCE: DatasetSource = {
  name: 'fashion-mnist',
  files: [
    ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
    ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
    ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
    ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
  ].map(([name, hex]) => ({ name, url: `http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/${name}`, checksum: md5(hex) })),
};

/**
 * The original MNIST files, from the mirror PyTorch uses (the original site often refuses
 * scripted downloads), with the MD5 sums long published for these exact files.
 */
export const MNIST_SOURCE: DatasetSource = {
  name: 'mnist',
  files: [
    ['train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'],
    ['train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432'],
    ['t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'],
    ['t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c'],
  ].map(([name, hex]) => ({ name, url: `https://ossci-datasets.s3.amazonaws.com/mnist/${name}`, checksum: md5(hex) })),
};

/** The official CIFAR-10 binary archive with the MD5 sum published on the dataset's page. */
export const CIFAR10_SOURCE: DatasetSource = {
  name: 'cifar10',
  files: [
    {
      name: 'cifar-10-binary.tar.gz',
      url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
      checksum: md5('c32a1d4ab5d03f1284b67883e8d87530'),
    },
  ],
  unpackTarGz: true,
  // The archive holds six 30,730,000-byte batches plus two small text files (about 185 MB as tar).
  maxUnpackedBytes: 200_000_000,
};

/** `$WN_DATA_DIR`, or `~/.cache/wn-data`. */
export function defaultCacheDir(): string {
  return process.env.WN_DATA_DIR ?? join(homedir(), '.cache', 'wn-data');
}

/** Options of {@link downloadDataset}. */
export interface DownloadOptions {
  /** Where dataset folders go (default {@link defaultCacheDir}). */
  cacheDir?: string;
  /** Replaces each file URL's folder, e.g. a local mirror: `${baseUrl}${file.name}`. */
  baseUrl?: string;
  /** Called as bytes arrive; `total` is undefined when the server sends no length. */
  onProgress?: (file: string, received: number, total: number | undefined) => void;
  /** Cancels the download (the partial file is removed). */
  signal?: AbortSignal;
}

function checkChecksum(checksum: Checksum, where: string): void {
  const length = checksum?.algorithm === 'sha256' ? 64 : checksum?.algorithm === 'md5' ? 32 : -1;
  if (length < 0) throw new WnError(where, `checksum.algorithm must be 'sha256' or 'md5', got ${String(checksum?.algorithm)}`);
  if (typeof checksum.hex !== 'string' || !new RegExp(`^[0-9a-f]{${length}}$`).test(checksum.hex)) {
    throw new WnError(where, `checksum.hex must be ${length} lower-case hex digits for ${checksum.algorithm}, got ${String(checksum.hex)}`);
  }
}

/** The hex digest of a file on disk. */
export async function hashFile(path: string, algorithm: Checksum['algorithm']): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Downloads `file` into `dir` unless a copy with the right checksum is already there; returns its
 * path. Throws on HTTP errors and on a checksum mismatch (after removing the partial file).
 */
export async function downloadFile(file: RemoteFile, dir: string, options: DownloadOptions = {}): Promise<string> {
  checkChecksum(file.checksum, `downloadFile(${file.name})`);
  if (!/^[\w.-]+$/.test(file.name)) throw new WnError('downloadFile', `file name must be a plain file name, got ${JSON.stringify(file.name)}`);
  const target = join(dir, file.name);
  if (existsSync(target) && (await hashFile(target, file.checksum.algorithm)) === file.checksum.hex) return target;
  await mkdir(dir, { recursive: true });
  const url = options.baseUrl !== undefined ? `${options.baseUrl}${file.name}` : file.url;
  const partial = `${target}.part`;
  const response = await fetch(url, { signal: options.signal });
  if (!response.ok || response.body === null) {
    throw new WnError(`download ${file.name}`, `HTTP ${response.status} ${response.statusText} from ${url}`);
  }
  const totalHeader = response.headers.get('content-length');
  const total = totalHeader === null ? undefined : Number(totalHeader);
  const hash = createHash(file.checksum.algorithm);
  const out = await open(partial, 'w');
  let received = 0;
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      await out.write(value);
      received += value.length;
      options.onProgress?.(file.name, received, total);
    }
  } catch (error) {
    await out.close();
    await rm(partial, { force: true });
    throw new WnError(`download ${file.name}`, `from ${url} failed after ${received} bytes: ${(error as Error).message}`, { cause: error });
  }
  await out.close();
  const actual = hash.digest('hex');
  if (actual !== file.checksum.hex) {
    await rm(partial, { force: true });
    throw new WnError(
      `download ${file.name}`,
      `checksum mismatch for ${url}: expected ${file.checksum.algorithm} ${file.checksum.hex} ` +
        `got ${actual} (${received} bytes); the partial file was removed`,
    );
  }
  await rename(partial, target);
  return target;
}

/**
 * Downloads every file of `source` into `<cacheDir>/<source.name>/` (skipping verified copies),
 * unpacks `.tar.gz` archives when the source says so, and returns that folder, ready for
 * `loadFashionMnist({ dir })`, `loadMnist({ dir })` or `loadCifar10({ dir })` (which finds the
 * archive's `cifar-10-batches-bin/` sub-folder itself).
 */
export async function downloadDataset(source: DatasetSource, options: DownloadOptions = {}): Promise<string> {
  const dir = join(options.cacheDir ?? defaultCacheDir(), source.name);
  for (const file of source.files) {
    const path = await downloadFile(file, dir, options);
    if (source.unpackTarGz === true && file.name.endsWith('.tar.gz')) {
      // The marker records which archive was unpacked, so a changed archive is unpacked again.
      const marker = join(dir, `.${file.name}.unpacked`);
      const stamp = `${file.checksum.algorithm} ${file.checksum.hex}\n`;
      if (existsSync(marker) && readFileSync(marker, 'utf8') === stamp) continue;
      const limit = source.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES;
      extractTar(parseTar(readMaybeGzip(path, limit, `the bound for ${source.name} archives`), path), dir, undefined, path);
      await writeFile(marker, stamp);
    }
  }
  return dir;
}
