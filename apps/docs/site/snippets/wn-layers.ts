// An example of site/guide/weight-normalization.md, which shows the region below.
// #region example
import { Conv2d, ConvTranspose2d, Linear, ReLU, Sequential, removeWeightNorm, weightNorm, weightNormAll, weightNormOf } from '@wn/layers';

const fc = weightNorm(new Linear(128, 10));           // g: [10, 1], v: [10, 128]
const conv = weightNorm(new Conv2d(3, 16, 3));        // g: [16, 1, 1, 1]
const up = weightNorm(new ConvTranspose2d(16, 8, 4)); // g: [1, 8, 1, 1] (dim 1, see below)

const net = weightNormAll(new Sequential([new Linear(4, 8), new ReLU(), new Linear(8, 2)]));
const { g, v, dim } = weightNormOf(fc);               // the parameters (PyTorch's weight_g, weight_v) and the axis
const plain = removeWeightNorm(weightNorm(new Linear(4, 2))); // folds w back into a plain `weight`
// #endregion example

export { fc, conv, up, net, g, v, dim, plain };
