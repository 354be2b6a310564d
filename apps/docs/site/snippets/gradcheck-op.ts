// An example of site/contributing.md, which shows the region below.
// #region example
import { gradcheck } from '@wn/autograd';
import { sum } from '@wn/tensor';
import { silu } from './add-composite-op.js';

const check = gradcheck((x) => sum(silu(x)), [{ values: [-3, -0.5, 0, 0.7, 4], shape: [5] }]); // float64 finite differences
// check.ok === true, check.maxAbsError ≈ 1e-10
// #endregion example

export { check };
