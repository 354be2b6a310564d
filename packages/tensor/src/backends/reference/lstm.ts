/**
 * The LSTM cell kernels and concat as plain loops (the reference backends', at either precision).
 * Each output element is computed in float64 from the stored inputs, with the reference's sigmoid
 * and tanh, and rounded once when stored; the wasm backend uses these where its SIMD loops do not
 * apply (a hidden size that is not a multiple of 4).
 */
import type { Shape } from '../../shape.js';
import { sizeOf } from '../../shape.js';
import { unaryFns } from './elementwise.js';
import type { HostArray } from './index.js';

const sigmoid = unaryFns.sigmoid;
const tanh = unaryFns.tanh;

type Alloc = (n: number) => HostArray;

/** c' = σ(f)·c + σ(i)·tanh(g) for gates [N, 4H] and c [N, H]. */
export function lstmStateLoop(gates: HostArray, c: HostArray, [rows, h]: Shape, alloc: Alloc): HostArray {
  const y = alloc(rows * h);
  for (let n = 0; n < rows; n++) {
    const gi = 4 * h * n, ci = h * n;
    for (let j = 0; j < h; j++) {
      y[ci + j] = sigmoid(gates[gi + h + j]) * c[ci + j] + sigmoid(gates[gi + j]) * tanh(gates[gi + 2 * h + j]);
    }
  }
  return y;
}

/** The gradient of {@link lstmStateLoop} given dy = dc': the gates' [N, 4H] (o block 0) or c's [N, H]. */
export function lstmStateGradient(dy: HostArray, gates: HostArray, c: HostArray, [rows, h]: Shape, wrt: 'gates' | 'c', alloc: Alloc): HostArray {
  const y = alloc(wrt === 'gates' ? 4 * rows * h : rows * h);
  for (let n = 0; n < rows; n++) {
    const gi = 4 * h * n, ci = h * n;
    for (let j = 0; j < h; j++) {
      const d = dy[ci + j], sf = sigmoid(gates[gi + h + j]);
      if (wrt === 'c') {
        y[ci + j] = d * sf;
        continue;
      }
      const si = sigmoid(gates[gi + j]), tg = tanh(gates[gi + 2 * h + j]);
      y[gi + j] = d * tg * (si * (1 - si));
      y[gi + h + j] = d * c[ci + j] * (sf * (1 - sf));
      y[gi + 2 * h + j] = d * si * (1 - tg * tg);
      y[gi + 3 * h + j] = 0;
    }
  }
  return y;
}

/** h' = σ(o)·tanh(c') for gates [N, 4H] and c' [N, H]. */
export function lstmOutputLoop(gates: HostArray, c: HostArray, [rows, h]: Shape, alloc: Alloc): HostArray {
  const y = alloc(rows * h);
  for (let n = 0; n < rows; n++) {
    const gi = 4 * h * n, ci = h * n;
    for (let j = 0; j < h; j++) y[ci + j] = sigmoid(gates[gi + 3 * h + j]) * tanh(c[ci + j]);
  }
  return y;
}

/** The gradient of {@link lstmOutputLoop} given dy = dh': the gates' [N, 4H] (only the o block is non-zero) or c''s [N, H]. */
export function lstmOutputGradient(dy: HostArray, gates: HostArray, c: HostArray, [rows, h]: Shape, wrt: 'gates' | 'c', alloc: Alloc): HostArray {
  const y = alloc(wrt === 'gates' ? 4 * rows * h : rows * h);
  if (wrt === 'gates') y.fill(0);
  for (let n = 0; n < rows; n++) {
    const gi = 4 * h * n, ci = h * n;
    for (let j = 0; j < h; j++) {
      const d = dy[ci + j], so = sigmoid(gates[gi + 3 * h + j]), tc = tanh(c[ci + j]);
      if (wrt === 'c') y[ci + j] = d * so * (1 - tc * tc);
      else y[gi + 3 * h + j] = d * tc * (so * (1 - so));
    }
  }
  return y;
}

/**
 * xs joined along `axis`: for each index of the axes before it, each input's contiguous block
 * (its extent on `axis` times the trailing size) is copied in turn.
 */
export function concatBlocks(xs: readonly { data: HostArray; shape: Shape }[], axis: number, out: Shape, alloc: Alloc): HostArray {
  const y = alloc(sizeOf(out));
  const outer = sizeOf(out.slice(0, axis)), inner = sizeOf(out.slice(axis + 1));
  const rowLength = out[axis] * inner;
  let offset = 0;
  for (const x of xs) {
    const block = x.shape[axis] * inner;
    if (block > 0) {
      for (let o = 0; o < outer; o++) y.set(x.data.subarray(o * block, (o + 1) * block), o * rowLength + offset);
    }
    offset += block;
  }
  return y;
}
