/**
 * @wn/data/browser: its module graph imports no Node module (a bundle for a page or a Web Worker
 * can take it), and what it reads equals what the Node readers read.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FileFormatError, WnError } from '@wn/tensor';
import { browserModuleGraph } from '@wn/tooling/module-graph';
import { describe, expect, it } from 'vitest';
import {
  embeddedFashionMnistUrls, encodeIdx, fetchBytes, fetchEmbeddedFashionMnist, FASHION_MNIST_CLASSES, gunzipAsync, gunzipIdx, IDX_IMAGES_MAGIC, parseIdxImages,
} from '../src/browser.js';
import { loadEmbeddedFashionMnist } from '../src/index.js';

const packagesDir = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const walk = (entry: string) => browserModuleGraph(join(packagesDir, entry), { packagesDir });
const readFromDisk = async (url: URL) => new Uint8Array(readFileSync(fileURLToPath(url)));

/** The rejection `promise` ends with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('@wn/data/browser', () => {
  it('imports nothing from node:* anywhere in its module graph', () => {
    const { files, problems, thirdParty } = walk('data/src/browser.ts');
    expect(problems).toEqual([]);
    expect([...thirdParty]).toEqual([]);
    const names = [...files].map((f) => f.slice(packagesDir.length + 1));
    for (const f of ['data/src/idx-format.ts', 'data/src/gzip.ts', 'data/src/embedded-files.ts', 'data/src/batches.ts', 'tensor/src/index.ts']) expect(names).toContain(f);
    expect(names).not.toContain('data/src/files.ts');
  });

  it('the scan catches the main entry\'s node: imports (the test can fail)', () => {
    const { problems } = walk('data/src/index.ts');
    expect(problems.some((p) => /data\/src\/files\.ts imports node:fs/.test(p))).toBe(true);
  });

  it('the fetched embedded subset equals the one the Node entry reads from disk', async () => {
    const fetched = await fetchEmbeddedFashionMnist({ fetchBytes: readFromDisk });
    const loaded = loadEmbeddedFashionMnist();
    for (const split of ['train', 'test'] as const) {
      expect(fetched[split]).toMatchObject({ n: loaded[split].n, channels: 1, height: 28, width: 28, classes: FASHION_MNIST_CLASSES });
      expect(fetched[split].labels).toEqual(loaded[split].labels);
      expect(Buffer.compare(Buffer.from(fetched[split].images), Buffer.from(loaded[split].images))).toBe(0);
    }
    expect(fetched.train.n).toBe(5000);
    expect(fetched.test.n).toBe(1000);
  });

  it('the embedded files sit next to the package, where the URLs point', () => {
    const urls = embeddedFashionMnistUrls();
    expect(urls.trainImages.protocol).toBe('file:');
    expect(fileURLToPath(urls.testLabels)).toBe(join(packagesDir, 'data', 'embedded', 'fashion-mnist', 't10k-labels-idx1-ubyte.gz'));
  });

  it('reads IDX bytes whether gzipped or already inflated (a server may send .gz with Content-Encoding: gzip)', async () => {
    const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 7);
    const idx = encodeIdx([2, 3, 4], pixels);
    for (const bytes of [idx, new Uint8Array(gzipSync(idx))]) {
      const images = parseIdxImages(await gunzipIdx(bytes, 'x.gz', IDX_IMAGES_MAGIC), 'x.gz');
      expect(images).toMatchObject({ n: 2, height: 3, width: 4 });
      expect([...images.pixels]).toEqual([...pixels]);
    }
  });

  it('stops a gzip bomb at the size the IDX header declares', async () => {
    const header = encodeIdx([5, 6, 7], new Uint8Array(5 * 6 * 7)).subarray(0, 16);
    const bomb = new Uint8Array(16 + (32 << 20));
    bomb.set(header);
    const error = await rejection(gunzipIdx(new Uint8Array(gzipSync(bomb, { level: 9 })), 'bomb.gz', IDX_IMAGES_MAGIC));
    expect(error).toBeInstanceOf(FileFormatError);
    expect(error.message).toMatch(/bomb\.gz: decompresses to more than 226 bytes, the size its IDX header declares/);
  });

  it('reports corrupt gzip, a wrong magic and a fixed bound with FileFormatError naming the source', async () => {
    const gz = new Uint8Array(gzipSync(encodeIdx([3], new Uint8Array([1, 2, 3]))));
    const corrupt = gz.slice(0, gz.length - 6);
    expect((await rejection(gunzipAsync(corrupt, 'cut.gz', 1000))).message).toMatch(/cut\.gz: gzip data is corrupt or truncated/);
    expect(await rejection(gunzipIdx(gz, 'labels.gz', IDX_IMAGES_MAGIC))).toBeInstanceOf(FileFormatError);
    expect((await rejection(gunzipIdx(gz, 'labels.gz', IDX_IMAGES_MAGIC))).message).toMatch(/labels\.gz: wrong magic: expected 0x00000803 got 0x00000801/);
    expect((await rejection(gunzipAsync(gz, 'small.gz', 4))).message).toMatch(/small\.gz: decompresses to more than 4 bytes/);
    expect((await rejection(gunzipAsync(new Uint8Array([1, 2, 3]), 'plain', 10))).message).toMatch(/plain: not gzip data: expected the magic 1f 8b, got 1 2/);
  });

  it('fetchBytes names the URL and the status of a failed request', async () => {
    const server = createServer((req, res) => res.writeHead(req.url === '/ok' ? 200 : 404, { 'content-type': 'application/octet-stream' }).end(req.url === '/ok' ? Buffer.from([7, 8, 9]) : 'missing'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect([...(await fetchBytes(new URL(`${origin}/ok`)))]).toEqual([7, 8, 9]);
      const error = await rejection(fetchBytes(new URL(`${origin}/gone.gz`)));
      expect(error).toBeInstanceOf(WnError);
      expect(error.message).toMatch(new RegExp(`fetching ${origin}/gone\\.gz failed: HTTP 404`));
    } finally {
      server.close();
    }
  });
});
