/**
 * `@wn/autograd` — reverse-mode differentiation over @wn/tensor's op dispatch.
 *
 * @module @wn/autograd
 */
export { valueAndGrad, valueAndGrads, grad, type ValueAndGrads } from './gradients.js';
export { noGrad, isRecording, isTracked } from './tape.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
export { GRAD_RULES, NON_DIFFERENTIABLE, type DifferentiableOp, type GradRule } from './rules.js';
export { unbroadcast } from './unbroadcast.js';
