/**
 * Reading IDX files (MNIST, Fashion-MNIST) from disk; the format itself is idx-format.ts.
 * Files may be gzip-compressed; that is detected from the content.
 */
import { type ImageDataset } from './dataset.js';
import { gunzipPrefix, isGzip, maybeGunzip, readBytes } from './files.js';
import {
  type IdxArray, type IdxImages, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, MAX_IDX_HEADER, idxSplit, parseIdx, parseIdxHeader, parseIdxImages, parseIdxLabels,
} from './idx-format.js';

export { type IdxArray, type IdxImages, IDX_UBYTE, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, encodeIdx } from './idx-format.js';

/**
 * The IDX file's bytes, gunzipped when compressed. Decompression reads the header first and
 * stops at the size it declares, so a small compressed file cannot expand beyond that.
 */
function readIdxBytes(path: string, expectedMagic?: number): Uint8Array {
  const raw = readBytes(path);
  if (!isGzip(raw)) return raw;
  const { expected } = parseIdxHeader(gunzipPrefix(raw, path, MAX_IDX_HEADER), path, expectedMagic);
  return maybeGunzip(raw, path, expected, `the size its IDX header declares`);
}

/** Reads an IDX file (gzipped or not). */
export function readIdx(path: string, expectedMagic?: number): IdxArray {
  return parseIdx(readIdxBytes(path, expectedMagic), path, expectedMagic);
}

/** Reads an images file (magic 0x00000803: count, rows, columns). */
export function readIdxImages(path: string): IdxImages {
  return parseIdxImages(readIdxBytes(path, IDX_IMAGES_MAGIC), path);
}

/** Reads a labels file (magic 0x00000801). */
export function readIdxLabels(path: string): Uint8Array {
  return parseIdxLabels(readIdxBytes(path, IDX_LABELS_MAGIC), path);
}

/** The two IDX files of one split of an MNIST-style dataset. */
export interface IdxDatasetFiles {
  /** Dataset name used in errors and as the dataset's name. */
  name: string;
  /** The images file (`*-images-idx3-ubyte`, optionally gzipped). */
  imagesPath: string;
  /** The labels file (`*-labels-idx1-ubyte`, optionally gzipped). */
  labelsPath: string;
  /** Class names, indexed by label. */
  classes: readonly string[];
}

/** One split from an images file and a labels file, checking that they agree. */
export function loadIdxDataset({ name, imagesPath, labelsPath, classes }: IdxDatasetFiles): ImageDataset {
  return idxSplit({ name, images: readIdxImages(imagesPath), labels: readIdxLabels(labelsPath), classes, imagesSource: imagesPath, labelsSource: labelsPath });
}
