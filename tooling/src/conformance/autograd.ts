/**
 * The conformance suite differentiates every case, so it needs @wn/autograd. tooling/package.json
 * lists only @wn/tensor (adding @wn/autograd there needs a workspace install), so this one file
 * reaches the autograd sources by path. When `"@wn/autograd": "workspace:*"` is added to
 * tooling's dependencies, replace the path with '@wn/autograd'; nothing else changes.
 */
export { gradcheck, valueAndGrads, type GradcheckResult } from '../../../packages/autograd/src/index.js';
