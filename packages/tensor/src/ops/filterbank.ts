/**
 * A Gaussian filterbank as one op with a direct gradient (DRAW's selective attention, Gregor et
 * al. 2015 §3.2): for each example b, N filters along an axis of L pixels, filter i centred at
 * μ = centre_b + (i − N/2 + 0.5)·delta_b with variance sigma2_b, each row divided by max(its sum,
 * floor). Backends with the optional `filterbank` kernels compute a bank in one pass and all
 * three inputs' gradients in another, in place of ~15 primitive ops and ~40 gradient ops; the
 * others run the decomposition below, which is also the definition the kernels are checked against.
 */
import { ENGINE } from '../engine.js';
import { argError } from '../errors.js';
import type { FilterbankAttrs } from '../kernels.js';
import type { Tensor } from '../tensor.js';
import { arange } from './creation.js';
import { add, div, exp, maximum, mul, sub } from './elementwise.js';
import { square } from './nn.js';
import { sum } from './reduce.js';
import { reshape } from './shape-ops.js';
import { assertTensor } from './util.js';

const INPUTS = ['centre', 'delta', 'sigma2'] as const;

function check(op: string, inputs: readonly Tensor[], n: number, length: number, floor: number): FilterbankAttrs {
  inputs.forEach((t, k) => assertTensor(op, INPUTS[k], t));
  const batch = inputs[0].size;
  inputs.forEach((t, k) => {
    if (t.size !== batch || (t.rank === 2 && t.shape[1] !== 1) || t.rank > 2 || t.rank === 0) {
      throw argError(op, INPUTS[k], `one value per example, [${batch}] or [${batch}, 1] (as centre [${inputs[0].shape.join(', ')}])`, `[${t.shape.join(', ')}]`);
    }
  });
  if (!Number.isInteger(n) || n < 2) throw argError(op, 'n', 'an integer ≥ 2', n);
  if (!Number.isInteger(length) || length < 1) throw argError(op, 'length', 'an integer ≥ 1', length);
  if (!(floor > 0 && Number.isFinite(floor))) throw argError(op, 'floor', 'a positive finite number', floor);
  return { n, length, floor };
}

/**
 * The filterbank [B, N, L]: F[b, i, a] = e / max(Σ_a e, floor) with e = exp(−(a − μ)²/(2·sigma2_b)),
 * μ = centre_b + (i − N/2 + 0.5)·delta_b and pixel coordinates a = 0..L−1. centre, delta and sigma2
 * hold one value per example ([B] or [B, 1]); `floor` (default 1e-8) keeps a row far off the image
 * zero rather than NaN. Differentiable in all three.
 */
export function gaussianFilterbank(centre: Tensor, delta: Tensor, sigma2: Tensor, n: number, length: number, floor = 1e-8): Tensor {
  const inputs = [centre, delta, sigma2];
  const attrs = check('gaussianFilterbank', inputs, n, length, floor);
  const batch = centre.size, out = [batch, n, length];
  const backend = ENGINE.backendOf('gaussianFilterbank', inputs);
  if (backend.kernels.filterbank) {
    return ENGINE.runKernel('filterbank', inputs, attrs, out, (b, c, d, s) => b.kernels.filterbank!(c, d, s, attrs, out));
  }
  return ENGINE.tidy(() => {
    const col = (t: Tensor) => reshape(t, [batch, 1, 1]);
    const offsets = reshape(sub(arange(0, n), n / 2 - 0.5), [1, n, 1]);
    const pixels = reshape(arange(0, length), [1, 1, length]);
    const mu = add(col(centre), mul(offsets, col(delta)));
    const f = exp(div(square(sub(pixels, mu)), mul(col(sigma2), -2)));
    return div(f, maximum(sum(f, 2, true), floor));
  });
}

/**
 * The gradients of `gaussianFilterbank(centre, delta, sigma2, n, length, floor)` given dy = ∂L/∂F
 * [B, N, L], as the rows of a [3, B] tensor: centre's, delta's and sigma2's (one pass for all
 * three). Not itself differentiable; backends without the kernel differentiate the decomposition.
 */
export function gaussianFilterbankBackward(dy: Tensor, centre: Tensor, delta: Tensor, sigma2: Tensor, n: number, length: number, floor = 1e-8): Tensor {
  const op = 'gaussianFilterbankBackward';
  const inputs = [centre, delta, sigma2];
  const attrs = check(op, inputs, n, length, floor);
  const batch = centre.size, out = [3, batch];
  assertTensor(op, 'dy', dy);
  if (dy.rank !== 3 || dy.shape[0] !== batch || dy.shape[1] !== n || dy.shape[2] !== length) throw argError(op, 'dy', `[${batch}, ${n}, ${length}]`, `[${dy.shape.join(', ')}]`);
  const backend = ENGINE.backendOf(op, [dy, ...inputs]);
  if (!backend.kernels.filterbankBackward) {
    throw argError(op, 'backend', 'a backend with the filterbankBackward kernel (elsewhere gaussianFilterbank differentiates through its decomposition)', backend.name);
  }
  return ENGINE.runKernel('filterbankBackward', [dy, ...inputs], attrs, out, (b, d, c, de, s) => b.kernels.filterbankBackward!(d, c, de, s, attrs, out));
}
