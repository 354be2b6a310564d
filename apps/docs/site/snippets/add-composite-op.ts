// An example of site/contributing.md, which shows the region below.
// #region example
import { mul, sigmoid, tidy, type Tensor } from '@wn/tensor';

/** x · σ(x) (SiLU / swish): composed of primitives, so every backend runs it and autograd differentiates it. */
export function silu(x: Tensor): Tensor {
  return tidy(() => mul(x, sigmoid(x)));
}
// #endregion example

