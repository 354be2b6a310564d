/** LSTMCell with PyTorch's parameter names, layouts, gate order (i, f, g, o) and init. */
import { add, lstmCell, matmul, reshape, zeros, type Tensor } from '@wn/tensor';
import { uniformInit } from '../init.js';
import { Module, Param, resolveSlot, type WeightSlot } from '../module.js';
import { resolveRng, type RngOption } from '../rng.js';

/** The recurrent state of an {@link LSTMCell}: both [N, hiddenSize]. */
export interface LSTMState {
  /** The hidden state h (the cell's output). */
  h: Tensor;
  /** The cell state c. */
  c: Tensor;
}

const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * One LSTM step: gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, split as (i, f, g, o);
 * c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c'). weight_ih [4h, in], weight_hh [4h, h]; every
 * parameter starts U(−1/√h, 1/√h). `weightNorm(cell)` normalizes both weights per gate unit
 * (axis 0); data-dependent init refuses recurrent weights.
 */
export class LSTMCell extends Module {
  /** Size of the input x, the last axis of [N, inputSize]. */
  readonly inputSize: number;
  /** Size of h and c. */
  readonly hiddenSize: number;
  /**
   * Input-to-hidden weight [4·hidden, input], gates stacked (i, f, g, o); a plain parameter or a parametrization
   * (weight norm).
   */
  weight_ih: WeightSlot;
  /** Hidden-to-hidden weight [4·hidden, hidden], gates stacked (i, f, g, o). */
  weight_hh: WeightSlot;
  /** Input-to-hidden bias [4·hidden], or null when built with `bias: false`. */
  bias_ih: Param | null = null;
  /** Hidden-to-hidden bias [4·hidden], or null when built with `bias: false`. */
  bias_hh: Param | null = null;

  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean; rng?: RngOption } = {}) {
    super();
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const rng = resolveRng(options.rng);
    const bound = 1 / Math.sqrt(hiddenSize);
    this.weight_ih = new Param(uniformInit([4 * hiddenSize, inputSize], bound, rng));
    this.weight_hh = new Param(uniformInit([4 * hiddenSize, hiddenSize], bound, rng));
    if (options.bias ?? true) {
      this.bias_ih = new Param(uniformInit([4 * hiddenSize], bound, rng));
      this.bias_hh = new Param(uniformInit([4 * hiddenSize], bound, rng));
    }
  }

  /** The weight-norm axis of the cell's weights: 0, one g per gate unit. */
  weightNormDim(_name: string): number {
    return 0;
  }

  /** Zero state for a batch. */
  initialState(batch: number): LSTMState {
    return { h: zeros([batch, this.hiddenSize]), c: zeros([batch, this.hiddenSize]) };
  }

  /** One step; `state` defaults to zeros. Returns the new (h, c). */
  forward(x: Tensor, state?: LSTMState): LSTMState {
    const inputs = state ? [x, state.h, state.c] : [x];
    return this.guard(inputs, () => {
      const n = x.shape[0];
      if (x.rank !== 2 || x.shape[1] !== this.inputSize) throw this.error(`expected input [N, ${this.inputSize}], got ${shapeStr(x.shape)}`);
      const hs = this.hiddenSize;
      const s = state ?? this.initialState(n);
      for (const [k, t] of [['h', s.h], ['c', s.c]] as const) {
        if (t.rank !== 2 || t.shape[0] !== n || t.shape[1] !== hs) throw this.error(`expected state ${k} [${n}, ${hs}], got ${shapeStr(t.shape)}`);
      }
      let gates = add(matmul(x, resolveSlot(this.weight_ih), { transposeB: true }), matmul(s.h, resolveSlot(this.weight_hh), { transposeB: true }));
      if (this.bias_ih) gates = add(gates, reshape(this.bias_ih.value, [1, 4 * hs]));
      if (this.bias_hh) gates = add(gates, reshape(this.bias_hh.value, [1, 4 * hs]));
      // c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'): two fused ops with direct gradients
      return lstmCell(gates, s.c);
    });
  }
}
