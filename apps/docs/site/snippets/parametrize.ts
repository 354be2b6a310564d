// An example of site/guide/parametrizations.md, which shows the region below.
// #region example
import { add, mul, transpose, type Tensor } from '@wn/tensor';
import { Linear, Parametrization, isParametrized, parametrize, removeParametrization } from '@wn/layers';

class Symmetric extends Parametrization {
  forward(a: Tensor): Tensor { return mul(add(a, transpose(a)), 0.5); } // originals → weight
  // rightInverse(w) → originals; the default is w itself. Several originals: return an array.
}

const layer = new Linear(8, 8, { rng: 1 });
parametrize(layer, 'weight', new Symmetric());  // originals = rightInverse(current weight)
const keys = Object.keys(layer.stateDict());    // ['bias', 'parametrizations.weight.original']
const parametrized = isParametrized(layer, 'weight'); // true
removeParametrization(layer, 'weight');         // folds the current value back into a plain `weight`
// #endregion example

export { layer, keys, parametrized };
