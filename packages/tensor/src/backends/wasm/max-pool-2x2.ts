/**
 * The convnets' pooling layer, 2×2 max pooling with stride 2 and no padding, as straight-line
 * loops: four loads per window and a max that only branches on NaN (rare, so well predicted).
 * The generic window loop in host-kernels.ts branches on every comparison, which mispredicts on
 * activations (random signs) and costs several times more.
 *
 * Semantics are the reference backend's: a NaN in the window gives NaN; otherwise the first
 * maximum in row-major window order wins (a later value must be strictly greater), and the
 * gradient goes to that first maximum. A trailing odd row or column is dropped (floor output).
 */
import type { Pool2dAttrs } from '../../kernels.js';
import type { Shape } from '../../shape.js';

/** Whether pool2d with these attributes is the 2×2, stride 2, unpadded max pool handled here. */
export function isMaxPool2x2(attrs: Pool2dAttrs): boolean {
  const { mode, kernel, stride, pad } = attrs;
  return mode === 'max' && kernel[0] === 2 && kernel[1] === 2 && stride[0] === 2 && stride[1] === 2 && pad.every((p) => p === 0);
}

/** y[plane, oy, ox] = max of x[plane, 2oy..2oy+1, 2ox..2ox+1]; `x` is [N, C, H, W], `out` [N, C, H/2, W/2]. */
export function maxPool2x2(x: Float32Array, xShape: Shape, out: Shape, y: Float32Array): Float32Array {
  const [n, c, h, w] = xShape;
  const oh = out[2], ow = out[3];
  for (let plane = 0, yi = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < oh; oy++) {
      let i = base + 2 * oy * w;
      for (let ox = 0; ox < ow; ox++, yi++, i += 2) {
        const a = x[i], b = x[i + 1], d = x[i + w], e = x[i + w + 1];
        let m = b > a ? b : a;
        m = d > m ? d : m;
        m = e > m ? e : m;
        // NaN compares false everywhere above, so check once for it
        y[yi] = a !== a || b !== b || d !== d || e !== e ? NaN : m;
      }
    }
  }
  return y;
}

/**
 * dx (zeroed, x's shape) gets each window's dy at the window's first maximum. NaN windows follow
 * the reference: the first element wins unless a later one is strictly greater (NaN never is).
 */
export function maxPool2x2Backward(dy: Float32Array, x: Float32Array, xShape: Shape, dyShape: Shape, dx: Float32Array): Float32Array {
  const [n, c, h, w] = xShape;
  const oh = dyShape[2], ow = dyShape[3];
  for (let plane = 0, yi = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < oh; oy++) {
      let i = base + 2 * oy * w;
      for (let ox = 0; ox < ow; ox++, yi++, i += 2) {
        let best = i, m = x[i];
        const b = x[i + 1], d = x[i + w], e = x[i + w + 1];
        if (b > m) { best = i + 1; m = b; }
        if (d > m) { best = i + w; m = d; }
        if (e > m) best = i + w + 1;
        dx[best] += dy[yi];
      }
    }
  }
  return dx;
}
