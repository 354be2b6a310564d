// An example of site/guide/mean-only-batch-norm.md, which shows the region below.
// #region example
import { randn } from '@wn/tensor';
import { MeanOnlyBatchNorm } from '@wn/layers';

const bn = new MeanOnlyBatchNorm(4);
const batch = randn([32, 4], { seed: 1, mean: 3 });
const trained = bn.forward(batch);     // training mode: x − μ_batch + b, per channel
const running = bn.running_mean.value; // updated: 0.9 · 0 + 0.1 · μ_batch
bn.eval();
const evaluated = bn.forward(batch);   // evaluation mode: x − running_mean + b
// #endregion example

export { bn, batch, trained, running, evaluated };
