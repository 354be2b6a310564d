/**
 * The optimizers DQN setups use, by name: centered RMSprop with PyTorch semantics (MinAtar's
 * examples/dqn.py), the Nature DQN's RMSprop (ε inside the root), Adam (CleanRL) and Adamax
 * (the weight-norm paper, β1 = 0.5). All from @wn/layers.
 */
import { WnError } from '@wn/tensor';
import { Adam, Adamax, NatureRMSprop, RMSprop, type Optimizer, type ParamsInput } from '@wn/layers';

/** The optimizers the trainer can use: Adam, Adamax, PyTorch's centered RMSprop, and the Nature DQN's RMSprop. */
export const OPTIMIZERS = ['adam', 'adamax', 'rmsprop-centered', 'nature-rmsprop'] as const;
/** The name of an optimizer the trainer can use. */
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** The optimizer fields of the trainer's arguments. */
export interface OptimizerSettings {
  /** Which optimizer. */
  optimizer: OptimizerName;
  /** Learning rate. */
  lr: number;
  /** Adam / Adamax */
  beta1: number;
  /** Adam / Adamax β2. */
  beta2: number;
  /** ε of Adam/Adamax, and of the RMSprops (0.01 in MinAtar and Nature DQN) */
  optEps: number;
  /** RMSprop smoothing (0.95 in MinAtar and Nature DQN) */
  rmsAlpha: number;
}

/** Builds the named optimizer over `params` with the settings' hyperparameters. */
export function makeOptimizer(params: ParamsInput, s: OptimizerSettings): Optimizer {
  switch (s.optimizer) {
    case 'adam': return new Adam(params, { lr: s.lr, beta1: s.beta1, beta2: s.beta2, eps: s.optEps });
    case 'adamax': return new Adamax(params, { lr: s.lr, beta1: s.beta1, beta2: s.beta2, eps: s.optEps });
    case 'rmsprop-centered': return new RMSprop(params, { lr: s.lr, alpha: s.rmsAlpha, eps: s.optEps, centered: true, momentum: 0 });
    case 'nature-rmsprop': return new NatureRMSprop(params, { lr: s.lr, alpha: s.rmsAlpha, eps: s.optEps });
    default: throw new WnError('makeOptimizer', `optimizer must be one of ${OPTIMIZERS.join(', ')}, got '${String(s.optimizer)}'`);
  }
}
