/** Per-batch input preprocessing: the paper's pixel scaling and a way to chain transforms. */

/**
 * An in-place transform of `count` images laid out one after another in `x` (NCHW). Batching
 * and {@link mapImages} call it on float32 copies of the stored pixels.
 */
export type BatchTransform = (x: Float32Array, count: number) => void;

/** Pixel value mapped to 0 by {@link scalePixels}. */
export const PIXEL_CENTER = 127.5;
/** Divisor of {@link scalePixels}: 128 keeps the result inside (−1, 1). */
export const PIXEL_SCALE = 128;

/** The paper's input scaling, x ← (x − 127.5) / 128, applied in place to raw 0–255 values. */
export const scalePixels: BatchTransform = (x) => {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - PIXEL_CENTER) / PIXEL_SCALE;
};

/** Applies the transforms left to right. */
export function composeTransforms(...transforms: BatchTransform[]): BatchTransform {
  return (x, count) => {
    for (const transform of transforms) transform(x, count);
  };
}
