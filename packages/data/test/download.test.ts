import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCifar10 } from '../src/cifar10.js';
import { type DatasetSource, CIFAR10_SOURCE, FASHION_MNIST_SOURCE, MNIST_SOURCE, downloadDataset, downloadFile } from '../src/download.js';
import { cifarRecords, fixtureBytes, makeTar, tempDir } from './helpers.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

// A local server for the test files: GET /<name> answers with the registered bytes, else 404.
const served = new Map<string, Uint8Array>();
const hits = new Map<string, number>();
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    hits.set(name, (hits.get(name) ?? 0) + 1);
    const body = served.get(name);
    if (body === undefined) {
      res.writeHead(404).end('not here');
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('downloadFile', () => {
  const data = fixtureBytes(100_000, 5);
  served.set('blob.bin', data);

  it('saves the file when the checksum matches and skips a verified copy later', async () => {
    const dir = tempDir();
    const progress: number[] = [];
    const file = { name: 'blob.bin', url: `${base}blob.bin`, checksum: { algorithm: 'sha256' as const, hex: sha256(data) } };
    const path = await downloadFile(file, dir, { onProgress: (_, received) => progress.push(received) });
    expect(path).toBe(join(dir, 'blob.bin'));
    expect(new Uint8Array(readFileSync(path))).toEqual(data);
    expect(progress.at(-1)).toBe(data.length);
    const before = hits.get('blob.bin');
    await downloadFile(file, dir);
    expect(hits.get('blob.bin')).toBe(before);
    // md5 checksums, as published for the official files, work too.
    await downloadFile({ ...file, name: 'blob.bin', checksum: { algorithm: 'md5', hex: md5(data) } }, tempDir());
  });

  it('removes the partial file and names both digests on a mismatch', async () => {
    const dir = tempDir();
    const wrong = '0'.repeat(64);
    const file = { name: 'blob.bin', url: `${base}blob.bin`, checksum: { algorithm: 'sha256' as const, hex: wrong } };
    await expect(downloadFile(file, dir)).rejects.toThrow(
      `download blob.bin: checksum mismatch for ${base}blob.bin: expected sha256 ${wrong} got ${sha256(data)} (100000 bytes); the partial file was removed`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports HTTP errors and malformed checksums', async () => {
    const dir = tempDir();
    const checksum = { algorithm: 'sha256' as const, hex: sha256(data) };
    await expect(downloadFile({ name: 'missing.bin', url: `${base}missing.bin`, checksum }, dir)).rejects.toThrow(
      `download missing.bin: HTTP 404 Not Found from ${base}missing.bin`,
    );
    await expect(downloadFile({ name: 'x', url: base, checksum: { algorithm: 'sha256', hex: 'abc' } }, dir)).rejects.toThrow(
      /checksum.hex must be 64 lower-case hex digits for sha256, got abc/,
    );
    await expect(downloadFile({ name: '../x', url: base, checksum }, dir)).rejects.toThrow(/must be a plain file name/);
  });
});

describe('downloadDataset', () => {
  it('fetches a CIFAR-style tar.gz, verifies it, unpacks it, and loadCifar10 reads the folder', async () => {
    const cacheDir = tempDir();
    const train = cifarRecords([1, 2, 3], 1);
    const test = cifarRecords([4, 5], 2);
    const archive = gzipSync(
      makeTar([
        ...[1, 2, 3, 4, 5].map((k) => ({ name: `cifar-10-batches-bin/data_batch_${k}.bin`, data: train })),
        { name: 'cifar-10-batches-bin/test_batch.bin', data: test },
        { name: 'cifar-10-batches-bin/readme.html', data: new Uint8Array([60]) },
      ]),
    );
    served.set('toy-cifar.tar.gz', archive);
    const source: DatasetSource = {
      name: 'toy-cifar',
      files: [{ name: 'toy-cifar.tar.gz', url: 'http://unused.invalid/', checksum: { algorithm: 'sha256', hex: sha256(archive) } }],
      unpackTarGz: true,
    };
    const dir = await downloadDataset(source, { cacheDir, baseUrl: base });
    expect(dir).toBe(join(cacheDir, 'toy-cifar'));
    expect(existsSync(join(dir, 'cifar-10-batches-bin', 'test_batch.bin'))).toBe(true);
    const loaded = loadCifar10({ dir });
    expect(loaded.train.n).toBe(15);
    expect([...loaded.test.labels]).toEqual([4, 5]);
    // A second call finds everything in place and fetches nothing.
    const before = hits.get('toy-cifar.tar.gz');
    await downloadDataset(source, { cacheDir, baseUrl: base });
    expect(hits.get('toy-cifar.tar.gz')).toBe(before);
  });

  it('ships the published checksum of every official file, and downloadFile enforces each one', async () => {
    // Transcribed independently from the publishers' lists: the Fashion-MNIST README's table, the
    // MD5 sums torchvision's MNIST dataset class checks for the ossci mirror, and the CIFAR-10 page.
    const PUBLISHED: Record<string, Record<string, string>> = {
      'fashion-mnist': {
        'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
        'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
        't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
        't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
      },
      mnist: {
        'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
        'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
        't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
        't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
      },
      cifar10: { 'cifar-10-binary.tar.gz': 'c32a1d4ab5d03f1284b67883e8d87530' },
    };
    const sources = [FASHION_MNIST_SOURCE, MNIST_SOURCE, CIFAR10_SOURCE];
    expect(sources.map((s) => s.name).sort()).toEqual(Object.keys(PUBLISHED).sort());
    for (const source of sources) {
      const shipped = Object.fromEntries(source.files.map((f) => [f.name, f.checksum.algorithm === 'md5' ? f.checksum.hex : `${f.checksum.algorithm} ${f.checksum.hex}`]));
      expect(shipped, `${source.name}: every official file with its published MD5`).toEqual(PUBLISHED[source.name]);
      for (const file of source.files) expect(file.url.endsWith(`/${file.name}`), file.url).toBe(true);
    }
    // each shipped checksum is the one downloadFile checks: bytes that are not the official file
    // are refused, the message names the file and that exact checksum, and nothing is kept
    const impostor = fixtureBytes(64, 9);
    for (const source of sources) {
      for (const file of source.files) {
        served.set(file.name, impostor);
        const dir = tempDir();
        await expect(downloadFile(file, dir, { baseUrl: base })).rejects.toThrow(
          `download ${file.name}: checksum mismatch for ${base}${file.name}: expected md5 ${PUBLISHED[source.name][file.name]} got ${md5(impostor)}`,
        );
        expect(readdirSync(dir)).toEqual([]);
      }
    }
  });
});
