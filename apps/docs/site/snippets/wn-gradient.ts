// An example of site/guide/weight-normalization.md, which shows the region below.
// #region example
import { mul, randn, sqrt, square, sum } from '@wn/tensor';
import { Linear, paramGrads, weightNorm, weightNormOf } from '@wn/layers';

const layer = weightNorm(new Linear(5, 3, { rng: 1 }));
const x = randn([8, 5], { seed: 2 });
const wn = weightNormOf(layer);
// any loss will do; the gradients land on g and v, the trained parameters
const { grads: [gradG, gradV] } = paramGrads([wn.g, wn.v], () => sum(mul(layer.forward(x), layer.forward(x))));
// ∇v L is orthogonal to v, unit by unit: a gradient step never shortens v
const vDotGrad = sum(mul(wn.v.value, gradV), 1).toArray(); // [0, 0, 0] up to rounding
const vNorms = sqrt(sum(square(wn.v.value), 1)).toArray(); // ‖v‖ per output unit, = g after weightNorm's default init
// #endregion example

export { layer, x, gradG, gradV, vDotGrad, vNorms };
