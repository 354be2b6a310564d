// An example of site/guide/parametrizations.md, which shows the region below.
// #region example
import { randn, sum, tanh, type Tensor } from '@wn/tensor';
import { LSTMCell, cached, paramGrads, weightNorm, type LSTMState } from '@wn/layers';

const cell = weightNorm(new LSTMCell(6, 12, { rng: 2 })); // weight_ih and weight_hh, normalized per gate unit
const inputs = Array.from({ length: 16 }, (_, t) => randn([4, 6], { seed: 10 + t })); // 16 steps of a batch of 4

// the loss of a sequence: the cell unrolled over the 16 steps, reading its weights at every step
function sequenceLoss(): Tensor {
  let state: LSTMState | undefined;
  for (const x of inputs) state = cell.forward(x, state);
  return sum(tanh(state!.h));
}

const params = cell.trainableParameters();
const once = paramGrads(params, () => cached(() => sequenceLoss())); // each weight normalized once
const everyStep = paramGrads(params, sequenceLoss);                  // each weight normalized 16 times
// #endregion example

export { cell, once, everyStep };
