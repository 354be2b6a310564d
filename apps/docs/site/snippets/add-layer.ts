// An example of site/contributing.md, which shows the region below.
// #region example
import { mul, ones, reshape, type Tensor } from '@wn/tensor';
import { Layer, Param } from '@wn/layers';

/** y = x · γ per channel of NCHW input; γ is saved as `weight`, as PyTorch would name it. */
export class ChannelScale extends Layer {
  weight: Param;
  constructor(readonly channels: number) {
    super();
    this.weight = new Param(ones([channels]));
  }
  protected compute(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.channels) throw this.error(`expected input [N, ${this.channels}, H, W], got [${x.shape.join(', ')}]`);
    return mul(x, reshape(this.weight.value, [1, this.channels, 1, 1]));
  }
}
// #endregion example

