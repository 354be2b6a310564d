/**
 * The embedded Fashion-MNIST subset (embedded/README.md) as files next to this module, readable
 * without a file system: `fetchEmbeddedFashionMnist()` fetches, gunzips and parses them in a
 * browser (or any runtime with `fetch` and `DecompressionStream`).
 *
 * The URLs are written `new URL('<literal path>', import.meta.url)`, the pattern bundlers (Vite,
 * webpack 5, Parcel, esbuild's and Rollup's URL plugins) recognize: they copy the four .gz files
 * (2.6 MB) into the build as assets and rewrite the URLs, instead of inlining the bytes into
 * JavaScript.
 */
import { WnError } from '@wn/tensor';
import { FASHION_MNIST_CLASSES } from './classes.js';
import type { DatasetSplits } from './dataset.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, gunzipIdx, idxSplit, parseIdxImages, parseIdxLabels } from './idx-format.js';

/** Train images per class in the embedded subset (5000 in all). */
export const EMBEDDED_TRAIN_PER_CLASS = 500;
/** Test images per class in the embedded subset (1000 in all). */
export const EMBEDDED_TEST_PER_CLASS = 100;

/** Where the four files of the embedded subset are. */
export interface EmbeddedFashionMnistUrls {
  /** The 5000 training images. */
  readonly trainImages: URL;
  /** Their labels. */
  readonly trainLabels: URL;
  /** The 1000 test images. */
  readonly testImages: URL;
  /** Their labels. */
  readonly testLabels: URL;
}

/**
 * URLs of the embedded subset's four gzipped IDX files. src/ and dist/ sit at the same depth below
 * the package root, so the relative paths hold from either; a bundler rewrites them to its copies.
 */
export function embeddedFashionMnistUrls(): EmbeddedFashionMnistUrls {
  return {
    trainImages: new URL('../embedded/fashion-mnist/train-images-idx3-ubyte.gz', import.meta.url),
    trainLabels: new URL('../embedded/fashion-mnist/train-labels-idx1-ubyte.gz', import.meta.url),
    testImages: new URL('../embedded/fashion-mnist/t10k-images-idx3-ubyte.gz', import.meta.url),
    testLabels: new URL('../embedded/fashion-mnist/t10k-labels-idx1-ubyte.gz', import.meta.url),
  };
}

/** Reads the bytes at a URL. */
export type FetchBytes = (url: URL) => Promise<Uint8Array>;

/** The default `FetchBytes`: the platform's `fetch`; a failed request or a non-2xx status is a WnError naming the URL. */
export async function fetchBytes(url: URL): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new WnError('fetchBytes', `cannot fetch ${url.href}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new WnError('fetchBytes', `fetching ${url.href} failed: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Options of {@link fetchEmbeddedFashionMnist}: how bytes are read and from where. */
export interface FetchEmbeddedOptions {
  /** reads a URL's bytes (default: `fetchBytes`, i.e. `fetch`); tests read the files from disk */
  readonly fetchBytes?: FetchBytes;
  /** where the files are (default: `embeddedFashionMnistUrls()`) */
  readonly urls?: EmbeddedFashionMnistUrls;
}

/**
 * The embedded class-balanced Fashion-MNIST subset, fetched: the first 500 train and first 100
 * test images of every class, in their original order (5000 + 1000 images, 28×28, one channel) —
 * the same data as the Node entry's `loadEmbeddedFashionMnist()`.
 */
export async function fetchEmbeddedFashionMnist(options: FetchEmbeddedOptions = {}): Promise<DatasetSplits> {
  const urls = options.urls ?? embeddedFashionMnistUrls();
  const read = options.fetchBytes ?? fetchBytes;
  const file = async (url: URL, magic: number) => gunzipIdx(await read(url), url.href, magic);
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    file(urls.trainImages, IDX_IMAGES_MAGIC),
    file(urls.trainLabels, IDX_LABELS_MAGIC),
    file(urls.testImages, IDX_IMAGES_MAGIC),
    file(urls.testLabels, IDX_LABELS_MAGIC),
  ]);
  const split = (name: string, images: Uint8Array, labels: Uint8Array, imagesUrl: URL, labelsUrl: URL) =>
    idxSplit({
      name, classes: FASHION_MNIST_CLASSES,
      images: parseIdxImages(images, imagesUrl.href), labels: parseIdxLabels(labels, labelsUrl.href),
      imagesSource: imagesUrl.href, labelsSource: labelsUrl.href,
    });
  return {
    train: split('fashion-mnist-embedded-train', trainImages, trainLabels, urls.trainImages, urls.trainLabels),
    test: split('fashion-mnist-embedded-test', testImages, testLabels, urls.testImages, urls.testLabels),
  };
}
