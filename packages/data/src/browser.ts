/**
 * @wn/data/browser — the part of @wn/data that runs in a browser (or a Web Worker): no file
 * system, no `node:*` module anywhere in its module graph (a test walks it). IDX parsing works on
 * bytes (`Uint8Array` in), gzip goes through the platform's `DecompressionStream`, and the
 * embedded Fashion-MNIST subset is fetched from URLs a bundler copies into the build
 * (`fetchEmbeddedFashionMnist`). Datasets, batching, augmentation and pixel scaling are the same
 * modules as the main entry's.
 *
 * The main entry stays Node-oriented (files, downloads with checksums, worker-thread ZCA); this
 * entry is the subset a bundle can take, so the Node API stays as it is.
 */
export {
  type ImageDataset,
  type DatasetSplits,
  createImageDataset,
  imageSize,
  classCounts,
  subset,
  firstPerClass,
  mapImages,
} from './dataset.js';
export { FASHION_MNIST_CLASSES, MNIST_CLASSES } from './classes.js';
export {
  type IdxArray,
  type IdxImages,
  type IdxSplitParts,
  IDX_UBYTE,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  parseIdx,
  parseIdxImages,
  parseIdxLabels,
  idxSplit,
  encodeIdx,
  gunzipIdx,
} from './idx-format.js';
export { type GunzipLimit, isGzip, gunzipAsync } from './gzip.js';
export {
  type EmbeddedFashionMnistUrls,
  type FetchBytes,
  type FetchEmbeddedOptions,
  EMBEDDED_TRAIN_PER_CLASS,
  EMBEDDED_TEST_PER_CLASS,
  embeddedFashionMnistUrls,
  fetchBytes,
  fetchEmbeddedFashionMnist,
} from './embedded-files.js';
export { permutation } from './permutation.js';
export { type BatchOptions, type Batch, batchCount, epochOrder, batches } from './batches.js';
export { type AugmentOptions, type ImageShape, augmentBatch } from './augment.js';
export { type BatchTransform, PIXEL_CENTER, PIXEL_SCALE, scalePixels, composeTransforms } from './preprocess.js';
