// An example of site/guide/mean-only-batch-norm.md, which shows the region below.
// #region example
import { Conv2d, LeakyReLU, MeanOnlyBatchNorm, Sequential, convUnit, weightNorm } from '@wn/layers';

// by hand: a bias-free weight-normalized conv, then mean-only BN (which carries the bias)
const unit = new Sequential([
  weightNorm(new Conv2d(3, 96, 3, { padding: 'same', bias: false })),
  new MeanOnlyBatchNorm(96),
  new LeakyReLU(0.1),
]);

// or with the preset
const same = convUnit(3, 96, 3, { variant: 'weightnorm+meanonlybn', padding: 'same', activation: new LeakyReLU(0.1) });
// #endregion example

export { unit, same };
