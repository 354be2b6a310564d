/**
 * `@wn/data` — the experiments' datasets: IDX (MNIST, Fashion-MNIST) and CIFAR-10 readers, the
 * embedded Fashion-MNIST subset, batching, augmentation, ZCA whitening and checked downloads.
 *
 * @module @wn/data
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
export { MAX_DECOMPRESSED_BYTES, isGzip, maybeGunzip, gunzipPrefix, readMaybeGzip, findDataFile } from './files.js';
export { type GunzipLimit, gunzipAsync } from './gzip.js';
export {
  type IdxArray,
  type IdxImages,
  type IdxDatasetFiles,
  IDX_UBYTE,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  parseIdx,
  encodeIdx,
  readIdx,
  readIdxImages,
  readIdxLabels,
  loadIdxDataset,
} from './idx.js';
export { type IdxSplitParts, parseIdxImages, parseIdxLabels, idxSplit, gunzipIdx } from './idx-format.js';
export {
  type LoadMnistOptions,
  FASHION_MNIST_CLASSES,
  MNIST_CLASSES,
  DEBIAN_FASHION_MNIST_DIR,
  MNIST_FILE_NAMES,
  loadMnistStyleDir,
  loadFashionMnist,
  loadMnist,
} from './mnist.js';
export {
  type LoadCifar10Options,
  CIFAR10_CLASSES,
  CIFAR10_IMAGE_BYTES,
  CIFAR10_RECORD_BYTES,
  CIFAR10_BATCH_RECORDS,
  CIFAR10_TRAIN_FILES,
  CIFAR10_TEST_FILES,
  CIFAR10_ARCHIVE_DIR,
  parseCifar10Batch,
  readCifar10Batch,
  loadCifar10Files,
  loadCifar10,
} from './cifar10.js';
export {
  EMBEDDED_TRAIN_PER_CLASS,
  EMBEDDED_TEST_PER_CLASS,
  embeddedFashionMnistDir,
  loadEmbeddedFashionMnist,
} from './embedded.js';
export {
  type EmbeddedFashionMnistUrls,
  type FetchBytes,
  type FetchEmbeddedOptions,
  embeddedFashionMnistUrls,
  fetchBytes,
  fetchEmbeddedFashionMnist,
} from './embedded-files.js';
export { type TarEntry, parseTar, extractTar } from './tar.js';
export {
  type Checksum,
  type RemoteFile,
  type DatasetSource,
  type DownloadOptions,
  FASHION_MNIST_SOURCE,
  MNIST_SOURCE,
  CIFAR10_SOURCE,
  DEFAULT_MAX_UNPACKED_BYTES,
  defaultCacheDir,
  hashFile,
  downloadFile,
  downloadDataset,
} from './download.js';
export { permutation } from './permutation.js';
export { type BatchOptions, type Batch, batchCount, epochOrder, batches } from './batches.js';
export { type AugmentOptions, type ImageShape, augmentBatch } from './augment.js';
export { type BatchTransform, PIXEL_CENTER, PIXEL_SCALE, scalePixels, composeTransforms } from './preprocess.js';
export { type SymmetricEigen, type EighOptions, type EighParallelOptions, eigh, eighParallel } from './eigh.js';
export { KernelPool, defaultThreads } from './parallel.js';
export {
  type ZcaWhitening,
  type FitZcaOptions,
  type ZcaGeometry,
  fitZca,
  applyZca,
  zcaTransform,
  encodeZca,
  decodeZca,
  saveZca,
  loadZca,
} from './zca.js';
