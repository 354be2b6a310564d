/**
 * Seeded data augmentation on a batch of float images (NCHW), in place: random translation by
 * cropping a zero-padded image, and random horizontal flips. Zero is the padding value of the
 * batch's current representation, so pad after centring (scaling or ZCA) to pad with the mean.
 */
import { WnError, type Rng } from '@wn/tensor';

/** Options of {@link augmentBatch} (and of a batcher's `augment`). */
export interface AugmentOptions {
  /** Zero padding on each side before a random crop back to the original size (0: no crop). */
  cropPadding?: number;
  /** Mirror each image left-right with probability 1/2. */
  horizontalFlip?: boolean;
}

/** The shape of one image of a batch. */
export interface ImageShape {
  /** Channels per image. */
  channels: number;
  /** Rows per image, in pixels. */
  height: number;
  /** Columns per image, in pixels. */
  width: number;
}

export function checkAugmentOptions(options: AugmentOptions, where: string): void {
  const pad = options.cropPadding ?? 0;
  if (!Number.isInteger(pad) || pad < 0) {
    throw new WnError(where, `cropPadding must be a non-negative integer, got ${pad}`);
  }
}

/**
 * Augments `count` images in `x`. Random draws per image, in order: the horizontal offset and
 * vertical offset (each uniform in −pad..pad, if cropping), then the flip bit (if flipping).
 */
export function augmentBatch(x: Float32Array, count: number, shape: ImageShape, options: AugmentOptions, rng: Pick<Rng, 'nextInt' | 'nextBool'>): void {
  checkAugmentOptions(options, 'augmentBatch');
  const { channels, height, width } = shape;
  const size = channels * height * width;
  if (x.length < count * size) {
    throw new WnError('augmentBatch', `x has ${x.length} values, ${count} images of ${channels}×${height}×${width} need ${count * size}`);
  }
  const pad = options.cropPadding ?? 0;
  const flip = options.horizontalFlip ?? false;
  const scratch = new Float32Array(size);
  for (let b = 0; b < count; b++) {
    const image = x.subarray(b * size, (b + 1) * size);
    if (pad > 0) {
      const dx = rng.nextInt(2 * pad + 1) - pad;
      const dy = rng.nextInt(2 * pad + 1) - pad;
      if (dx !== 0 || dy !== 0) translate(image, scratch, shape, dx, dy);
    }
    if (flip && rng.nextBool()) flipHorizontal(image, shape);
  }
}

/**
 * out(y, x) = in(y + dy, x + dx), zero outside: the crop at offset (pad + dx, pad + dy) of the
 * image padded by `pad` zeros on each side.
 */
function translate(image: Float32Array, scratch: Float32Array, shape: ImageShape, dx: number, dy: number): void {
  const { channels, height, width } = shape;
  scratch.fill(0);
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(width, width - dx);
  for (let c = 0; c < channels; c++) {
    const plane = c * height * width;
    for (let y = Math.max(0, -dy); y < Math.min(height, height - dy); y++) {
      const to = plane + y * width;
      const from = plane + (y + dy) * width + dx;
      if (x1 > x0) scratch.set(image.subarray(from + x0, from + x1), to + x0);
    }
  }
  image.set(scratch);
}

function flipHorizontal(image: Float32Array, shape: ImageShape): void {
  const { channels, height, width } = shape;
  for (let row = 0; row < channels * height; row++) {
    const o = row * width;
    for (let i = 0, j = width - 1; i < j; i++, j--) {
      const t = image[o + i];
      image[o + i] = image[o + j];
      image[o + j] = t;
    }
  }
}
