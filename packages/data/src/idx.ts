/**
 * The IDX format of MNIST and Fashion-MNIST: a 4-byte magic (two zero bytes, an element-type
 * code, the number of dimensions), one big-endian uint32 per dimension, then the elements in
 * row-major order. Only unsigned-byte elements (type 0x08), the type of every (Fashion-)MNIST
 * file, are supported. Files may be gzip-compressed; that is detected from the content.
 */
import { FileFormatError, WnError } from '@wn/tensor';
import { type ImageDataset, createImageDataset } from './dataset.js';
import { gunzipPrefix, isGzip, maybeGunzip, readBytes } from './files.js';

/** Element-type code of unsigned bytes. */
export const IDX_UBYTE = 0x08;
/** Magic of an unsigned-byte IDX file with 3 dimensions (images: count, rows, columns). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic of an unsigned-byte IDX file with 1 dimension (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** A parsed IDX file: its dimension sizes and its unsigned-byte data. */
export interface IdxArray {
  /** Size of every dimension, outermost first. */
  dims: number[];
  /** The values, row-major. */
  data: Uint8Array;
}

const hex = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;

/**
 * Parses IDX bytes (already gunzipped). With `expectedMagic` the magic must match exactly;
 * otherwise any unsigned-byte IDX is accepted. `source` names the file in error messages.
 */
export function parseIdx(bytes: Uint8Array, source: string, expectedMagic?: number): IdxArray {
  const { dims, headerBytes, expected } = parseIdxHeader(bytes, source, expectedMagic);
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated file' : 'unexpected trailing data';
    throw new FileFormatError(
      { op: 'parseIdx', file: source },
      `${what}: expected ${expected} bytes (header ${headerBytes} + ${dims.join('×')} elements) got ${bytes.length}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** The most header bytes an IDX file can have (255 dimensions). */
const MAX_IDX_HEADER = 4 + 4 * 255;

/**
 * Checks the IDX header at the start of `bytes` (the whole file or at least its header) and
 * returns the dimensions, the header length and the file size the header declares.
 */
function parseIdxHeader(bytes: Uint8Array, source: string, expectedMagic?: number): { dims: number[]; headerBytes: number; expected: number } {
  const fail = (message: string): FileFormatError => new FileFormatError({ op: 'parseIdx', file: source }, message);
  if (bytes.length < 4) {
    throw fail(`truncated file: expected at least a 4-byte IDX header, got ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    throw fail(`wrong magic: expected ${hex(expectedMagic)} got ${hex(magic)}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw fail(`not an IDX file: magic ${hex(magic)} does not start with two zero bytes`);
  }
  if (bytes[2] !== IDX_UBYTE) {
    throw fail(`unsupported IDX element type 0x${bytes[2].toString(16).padStart(2, '0')}; only unsigned bytes (0x08) are supported`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw fail('IDX header declares 0 dimensions');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw fail(`truncated file: expected at least ${headerBytes} header bytes (${ndims} dimensions), got ${bytes.length}`);
  }
  const dims: number[] = [];
  let count = 1;
  for (let k = 0; k < ndims; k++) {
    const dim = view.getUint32(4 + 4 * k);
    dims.push(dim);
    count *= dim;
  }
  return { dims, headerBytes, expected: headerBytes + count };
}

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

/** IDX bytes (uncompressed) for an unsigned-byte array of the given dimensions. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > 255) throw new WnError('encodeIdx', `need 1 to 255 dimensions, got ${dims.length}`);
  let count = 1;
  for (const dim of dims) {
    if (!Number.isInteger(dim) || dim < 0 || dim > 0xffffffff) {
      throw new WnError('encodeIdx', `dimensions must be integers in [0, 2^32), got ${dims.join(', ')}`);
    }
    count *= dim;
  }
  if (data.length !== count) {
    throw new WnError('encodeIdx', `data has ${data.length} elements, dimensions ${dims.join('×')} need ${count}`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count);
  const view = new DataView(out.buffer);
  view.setUint32(0, (IDX_UBYTE << 8) | dims.length);
  dims.forEach((dim, k) => view.setUint32(4 + 4 * k, dim));
  out.set(data, header);
  return out;
}

/** Reads an IDX file (gzipped or not). */
export function readIdx(path: string, expectedMagic?: number): IdxArray {
  return parseIdx(readIdxBytes(path, expectedMagic), path, expectedMagic);
}

/** A parsed IDX image file. */
export interface IdxImages {
  /** Number of images. */
  n: number;
  /** Rows per image, in pixels. */
  height: number;
  /** Columns per image, in pixels. */
  width: number;
  /** n × height × width bytes. */
  pixels: Uint8Array;
}

/** Reads an images file (magic 0x00000803: count, rows, columns). */
export function readIdxImages(path: string): IdxImages {
  const { dims, data } = readIdx(path, IDX_IMAGES_MAGIC);
  const [n, height, width] = dims;
  if (height === 0 || width === 0) {
    throw new FileFormatError({ op: 'readIdxImages', file: path }, `images must be at least 1×1, got ${height}×${width}`);
  }
  return { n, height, width, pixels: data };
}

/** Reads a labels file (magic 0x00000801). */
export function readIdxLabels(path: string): Uint8Array {
  return readIdx(path, IDX_LABELS_MAGIC).data;
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
  const images = readIdxImages(imagesPath);
  const labels = readIdxLabels(labelsPath);
  if (labels.length !== images.n) {
    throw new WnError(
      name,
      `images/labels count mismatch: ${imagesPath} has ${images.n} images but ${labelsPath} has ${labels.length} labels`,
    );
  }
  const bad = labels.findIndex((label) => label >= classes.length);
  if (bad >= 0) {
    throw new FileFormatError({ op: 'loadIdxDataset', file: labelsPath }, `label out of range: label ${labels[bad]} at record ${bad}, expected 0..${classes.length - 1}`);
  }
  return createImageDataset({
    name,
    images: images.pixels,
    labels,
    channels: 1,
    height: images.height,
    width: images.width,
    classes,
  });
}
