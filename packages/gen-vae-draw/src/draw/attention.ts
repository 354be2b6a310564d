/**
 * DRAW's selective attention (Gregor et al. 2015, §3; `shared/specs/draw.md` §1.5): an N×N grid of
 * isotropic Gaussian filters, placed by five numbers a linear layer reads off the decoder state —
 * grid centre (g̃_X, g̃_Y), log σ², log δ̃ (stride), log γ (intensity). Filterbanks are per example,
 * [batch, N, A] and [batch, N, B], and applied with @wn/tensor's batched matmul.
 */
import { add, concat, div, exp, gaussianFilterbank, matmul, mul, reshape, slice, WnError, type Tensor } from '@wn/tensor';

/** Image size: B rows (height) by A columns (width). */
export interface ImageSize {
  /** Rows (B), in pixels. */
  readonly height: number;
  /** Columns (A), in pixels. */
  readonly width: number;
}

/** The attention window of each example: grid centre, stride, variance and intensity, each [batch, 1]. */
export interface AttentionWindow {
  /** grid centre, column coordinate (pixels, 0 = first column's centre) */
  readonly gx: Tensor;
  /** grid centre, row coordinate */
  readonly gy: Tensor;
  /** distance between neighbouring filter centres, pixels */
  readonly delta: Tensor;
  /** the Gaussians' variance σ² */
  readonly sigma2: Tensor;
  /** intensity γ (read multiplies by it, write divides by it) */
  readonly gamma: Tensor;
}

/** Row sums are divided by max(sum, this): a window far off the image gives zero rows, not NaN. */
const ROW_SUM_FLOOR = 1e-8;

function checkPatch(op: string, n: number): void {
  if (!Number.isInteger(n) || n < 2) throw new WnError(op, `patch size N must be an integer ≥ 2 (the stride divides by N − 1), got ${n}`);
}

/**
 * The window from the five raw outputs [batch, 5] of the attention layer, in the order
 * (g̃_X, g̃_Y, log σ², log δ̃, log γ): g_X = (A+1)/2·(g̃_X+1), g_Y = (B+1)/2·(g̃_Y+1),
 * δ = (max(A, B) − 1)/(N − 1)·e^{log δ̃}, σ² = e^{log σ²}, γ = e^{log γ}.
 */
export function attentionWindow(raw: Tensor, n: number, size: ImageSize): AttentionWindow {
  checkPatch('attentionWindow', n);
  if (raw.rank !== 2 || raw.shape[1] !== 5) throw new WnError('attentionWindow', `raw must be [batch, 5] (g̃x, g̃y, log σ², log δ̃, log γ), got [${raw.shape.join(', ')}]`);
  const { height: B, width: A } = size;
  const col = (k: number) => slice(raw, [0, k], [raw.shape[0], 1]);
  return {
    gx: mul(add(col(0), 1), (A + 1) / 2),
    gy: mul(add(col(1), 1), (B + 1) / 2),
    sigma2: exp(col(2)),
    delta: mul(exp(col(3)), (Math.max(A, B) - 1) / (n - 1)),
    gamma: exp(col(4)),
  };
}

/**
 * One axis's filterbank [batch, N, L]: F[i, a] ∝ exp(−(a − μ_i)²/(2σ²)), μ_i = g + (i − N/2 + 0.5)·δ
 * for i = 0..N−1 (the 0-indexed form of the paper's formula), pixel coordinates a = 0..L−1, each row
 * divided by its sum (so it sums to 1 wherever the window touches the image).
 */
export function axisFilterbank(centre: Tensor, delta: Tensor, sigma2: Tensor, n: number, length: number): Tensor {
  checkPatch('axisFilterbank', n);
  // one op with a direct gradient (@wn/tensor's gaussianFilterbank), in place of ~15 ops and their gradients
  return gaussianFilterbank(centre, delta, sigma2, n, length, ROW_SUM_FLOOR);
}

/** Both filterbanks of a window: F_X [batch, N, A] and F_Y [batch, N, B]. */
export function filterbanks(w: AttentionWindow, n: number, size: ImageSize): { fx: Tensor; fy: Tensor } {
  return {
    fx: axisFilterbank(w.gx, w.delta, w.sigma2, n, size.width),
    fy: axisFilterbank(w.gy, w.delta, w.sigma2, n, size.height),
  };
}

/** F_Y · img · F_Xᵀ for images [batch, B·A]: the N×N glimpse, flattened to [batch, N²]. */
export function glimpse(images: Tensor, fx: Tensor, fy: Tensor, size: ImageSize): Tensor {
  const batch = images.shape[0], n = fx.shape[1];
  const img = reshape(images, [batch, size.height, size.width]);
  return reshape(matmul(matmul(fy, img), fx, { transposeB: true }), [batch, n * n]);
}

/** read(x, x̂) = γ · [F_Y x F_Xᵀ, F_Y x̂ F_Xᵀ]: [batch, 2N²]. Images are [batch, B·A]. */
export function attentiveRead(x: Tensor, xHat: Tensor, w: AttentionWindow, n: number, size: ImageSize): Tensor {
  const { fx, fy } = filterbanks(w, n, size);
  return mul(concat([glimpse(x, fx, fy, size), glimpse(xHat, fx, fy, size)], 1), w.gamma);
}

/** write(patch) = (1/γ) · F_Yᵀ · patch · F_X, for patches [batch, N²]: the image-space [batch, B·A]. */
export function attentiveWrite(patch: Tensor, w: AttentionWindow, n: number, size: ImageSize): Tensor {
  const { fx, fy } = filterbanks(w, n, size);
  const batch = patch.shape[0];
  if (patch.rank !== 2 || patch.shape[1] !== n * n) throw new WnError('attentiveWrite', `patch must be [batch, ${n * n}] (N = ${n}), got [${patch.shape.join(', ')}]`);
  const img = matmul(matmul(fy, reshape(patch, [batch, n, n]), { transposeA: true }), fx); // [batch, B, A]
  return div(reshape(img, [batch, size.height * size.width]), w.gamma);
}
