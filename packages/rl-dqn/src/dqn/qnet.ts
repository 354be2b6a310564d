/**
 * The Q-networks: CleanRL's MLP for classic control (obs → 120 → 84 → |A|, ReLU) and MinAtar's
 * network (conv 16 3×3 valid → ReLU → FC 128 → ReLU → |A|), each built from @wn/layers' units
 * under a parameterization: `standard`, `weightnorm` (same function as standard at init), or
 * `weightnorm+init` (v ~ N(0, 0.05²), then data-dependent init from replay states, as the paper).
 *
 * Both take observations as flat float rows [N, obsSize] (MinAtar's in the 'chw' layout).
 */
import { noGrad } from '@wn/autograd';
import { tensor, tidy, WnError, type Rng } from '@wn/tensor';
import { convUnit, denseUnit, Flatten, ReLU, Reshape, Sequential, type Layer } from '@wn/layers';
import { argmaxRow } from './targets.js';

/** The Q-network parameterizations: standard, weight norm, and weight norm with data-dependent init. */
export const Q_VARIANTS = ['standard', 'weightnorm', 'weightnorm+init'] as const;
/** A Q-network parameterization. */
export type QVariant = (typeof Q_VARIANTS)[number];
/** The Q-network architectures: an MLP for vector observations, MinAtar's conv net for its grids. */
export const Q_NETWORKS = ['mlp', 'minatar'] as const;
/** A Q-network architecture. */
export type QNetworkKind = (typeof Q_NETWORKS)[number];

/** What {@link buildQNetwork} builds. */
export interface QNetworkSpec {
  /** The architecture. */
  kind: QNetworkKind;
  /** the observation's shape: [size] for the MLP, [C, 10, 10] for MinAtar's network */
  obsShape: readonly number[];
  /** Number of actions (outputs). */
  actions: number;
  /** The parameterization. */
  variant: QVariant;
  /** The generator of the initial weights. */
  rng: Rng;
}

/**
 * Builds a Q-network: one Q-value per action for an observation batch. Throws a `WnError` for an unknown variant
 * or kind, or an observation shape the architecture cannot take.
 */
export function buildQNetwork(spec: QNetworkSpec): Sequential {
  const { kind, obsShape, actions, variant, rng } = spec;
  if (!(Q_VARIANTS as readonly string[]).includes(variant)) throw new WnError('buildQNetwork', `variant must be one of ${Q_VARIANTS.join(', ')}, got '${String(variant)}'`);
  const size = obsShape.reduce((a, b) => a * b, 1);
  const unit = { variant, rng } as const;
  if (kind === 'mlp') {
    return new Sequential({
      fc1: denseUnit(size, 120, { ...unit, activation: new ReLU() }),
      fc2: denseUnit(120, 84, { ...unit, activation: new ReLU() }),
      q: denseUnit(84, actions, unit),
    });
  }
  if (kind === 'minatar') {
    if (obsShape.length !== 3) throw new WnError('buildQNetwork', `MinAtar's network takes [C, H, W] observations, got [${obsShape.join(', ')}]`);
    const [c, h, w] = obsShape;
    const layers: Record<string, Layer> = {
      image: new Reshape([c, h, w]),
      conv: convUnit(c, 16, 3, { ...unit, activation: new ReLU() }),
      flat: new Flatten(1),
      fc: denseUnit(16 * (h - 2) * (w - 2), 128, { ...unit, activation: new ReLU() }),
      q: denseUnit(128, actions, unit),
    };
    return new Sequential(layers);
  }
  throw new WnError('buildQNetwork', `kind must be one of ${Q_NETWORKS.join(', ')}, got '${String(kind)}'`);
}

/**
 * Q-values of a batch of observations (rows of `obs`), without gradients. Weight-normalized
 * weights are reused from the layers' version-keyed cache while the parameters are unchanged.
 */
export function qValues(net: Sequential, obs: Float32Array, obsSize: number): Float32Array {
  return noGrad(() => tidy(() => net.forward(tensor(obs, [obs.length / obsSize, obsSize])).dataSync() as Float32Array)).slice();
}

/**
 * The greedy action for one observation (first on ties): one forward pass without gradients;
 * a weight-normalized network reuses its cached weights (no renormalization per action).
 */
export function greedyAction(net: Sequential, obs: ArrayLike<number>, actions: number): number {
  return noGrad(() => tidy(() => argmaxRow(net.forward(tensor(obs, [1, obs.length])).dataSync(), 0, actions)));
}
