/** Glue between autograd and parameters. */
import { dispose, type Tensor } from '@wn/tensor';
import { valueAndGrads } from '@wn/autograd';
import type { Param } from './module.js';
import type { Optimizer } from './optim/optimizer.js';
import { clipGradNorm } from './optim/clip.js';

/**
 * Runs `f` (a scalar loss built from the model) and returns the loss and its gradient with respect
 * to each parameter, in the order given. The caller owns `loss` and `grads`.
 */
export function paramGrads(params: readonly Param[], f: () => Tensor): { loss: Tensor; grads: Tensor[] } {
  const { value, grads } = valueAndGrads(f, params.map((p) => p.value));
  return { loss: value, grads };
}

/**
 * One training step: gradients of `f` for the optimizer's parameters, optional clipping by global
 * norm, the update. Returns the loss value (and the gradient norm when clipping).
 */
export function trainStep(optimizer: Optimizer, f: () => Tensor, options: { clipNorm?: number } = {}): { loss: number; gradNorm?: number } {
  const { loss, grads } = paramGrads(optimizer.params, f);
  const value = loss.item();
  loss.dispose();
  if (options.clipNorm === undefined) {
    optimizer.step(grads);
    dispose(grads);
    return { loss: value };
  }
  const c = clipGradNorm(grads, options.clipNorm);
  dispose(grads);
  optimizer.step(c.grads);
  dispose(c.grads);
  return { loss: value, gradNorm: c.norm };
}
