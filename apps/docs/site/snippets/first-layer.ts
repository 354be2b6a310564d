// An example of site/guide/getting-started.md, which shows the region below.
// #region example
import { randn } from '@wn/tensor';
import { Linear, weightNorm, weightNormOf } from '@wn/layers';

const layer = weightNorm(new Linear(784, 10, { rng: 0 })); // w = g · v / ‖v‖, one g per output unit
const { g, v } = weightNormOf(layer);                        // g: [10, 1], starts at ‖v‖; v: [10, 784], starts at w
const y = layer.forward(randn([32, 784], { seed: 1 }));      // [32, 10]: the same outputs as before wrapping
// #endregion example

export { layer, g, v, y };
