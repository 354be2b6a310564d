/**
 * The Fashion-MNIST subset committed with this package (see embedded/README.md), so experiments
 * run on a fresh machine without any download.
 */
import { fileURLToPath } from 'node:url';
import type { DatasetSplits } from './dataset.js';
import { FASHION_MNIST_CLASSES, loadMnistStyleDir } from './mnist.js';

export { EMBEDDED_TRAIN_PER_CLASS, EMBEDDED_TEST_PER_CLASS } from './embedded-files.js';

/**
 * Folder of the embedded IDX files. Resolved from this module's URL; src/ and dist/ sit at the
 * same depth below the package root, so this works from either.
 */
export function embeddedFashionMnistDir(): string {
  return fileURLToPath(new URL('../embedded/fashion-mnist/', import.meta.url));
}

/**
 * The embedded class-balanced Fashion-MNIST subset: the first 500 train and first 100 test images
 * of every class, in their original order (5000 + 1000 images, 28×28, one channel).
 */
export function loadEmbeddedFashionMnist(): DatasetSplits {
  return loadMnistStyleDir(embeddedFashionMnistDir(), 'fashion-mnist-embedded', FASHION_MNIST_CLASSES);
}
