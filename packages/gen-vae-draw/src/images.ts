/** Image grids of pixel probabilities as PNG bytes (@wn/runs' encoder): samples, reconstructions. */
import { WnError, type Tensor } from '@wn/tensor';
import { encodePng } from '@wn/runs';

/**
 * A grid of grey images [N, 1, H, W] (values in [0, 1], 1 = white ink drawn black on white) with
 * `columns` per row, a 1-pixel gap, each pixel scaled up `scale` times.
 */
export function imageGridPng(images: Tensor, options: { columns?: number; scale?: number } = {}): Uint8Array {
  if (images.rank !== 4 || images.shape[1] !== 1) throw new WnError('imageGridPng', `images: expected [N, 1, H, W], got [${images.shape.join(', ')}]`);
  const [n, , h, w] = images.shape;
  const columns = options.columns ?? Math.ceil(Math.sqrt(n));
  const scale = options.scale ?? 2;
  const rows = Math.ceil(n / columns);
  const gap = 1;
  const width = (columns * (w + gap) + gap) * scale;
  const height = (rows * (h + gap) + gap) * scale;
  const rgb = new Uint8Array(width * height * 3).fill(160);
  const values = images.dataSync();
  for (let k = 0; k < n; k++) {
    const ox = (gap + (k % columns) * (w + gap)) * scale;
    const oy = (gap + Math.floor(k / columns) * (h + gap)) * scale;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = Math.round(255 * (1 - Math.min(1, Math.max(0, values[k * h * w + y * w + x]))));
        for (let dy = 0; dy < scale; dy++) {
          const row = (oy + y * scale + dy) * width;
          for (let dx = 0; dx < scale; dx++) rgb.fill(v, (row + ox + x * scale + dx) * 3, (row + ox + x * scale + dx) * 3 + 3);
        }
      }
    }
  }
  return encodePng(width, height, rgb);
}
