/**
 * DQN's TD targets and loss. Targets are computed on the host from the target network's (and,
 * for double DQN, the online network's) Q-values of the next observations:
 *   y = r + γ·(1 − terminated)·Q_target(s', a*),
 *   a* = argmax_a Q_target(s', a) (DQN) or argmax_a Q_online(s', a) (double DQN, van Hasselt 2016).
 * Truncated episodes bootstrap (Gymnasium's TimeLimit is not a terminal state).
 */
import { mul, oneHot, sum, tensor, WnError, type Tensor } from '@wn/tensor';
import { huberLoss, mseLoss } from '@wn/layers';

/** The TD loss: Huber (δ = 1, DQN's error clipping) or squared error. */
export type TdLoss = 'huber' | 'mse';

/** Index of the largest of `q[row·n .. row·n + n)`, the first on ties (as argmax). */
export function argmaxRow(q: ArrayLike<number>, row: number, n: number): number {
  let best = 0;
  let bestValue = q[row * n];
  for (let a = 1; a < n; a++) {
    const v = q[row * n + a];
    if (v > bestValue) {
      bestValue = v;
      best = a;
    }
  }
  return best;
}

/** What {@link tdTargets} takes: one batch of transitions. */
export interface TdTargetInput {
  /** Reward of every transition. */
  rewards: ArrayLike<number>;
  /** 1 where the transition ended the episode by termination (no bootstrap), else 0. */
  terminated: ArrayLike<number>;
  /** target network's Q(s', ·), row-major [batch, actions] */
  nextQTarget: ArrayLike<number>;
  /** online network's Q(s', ·) for double DQN; null for DQN's max */
  nextQOnline: ArrayLike<number> | null;
  /** Discount factor γ. */
  gamma: number;
  /** Number of actions (the rows' length). */
  actions: number;
}

/** y for each transition of a batch (float64 arithmetic, stored as float32). */
export function tdTargets(input: TdTargetInput): Float32Array {
  const { rewards, terminated, nextQTarget, nextQOnline, gamma, actions } = input;
  const b = rewards.length;
  if (!(gamma >= 0 && gamma <= 1)) throw new WnError('tdTargets', `gamma must be in [0, 1], got ${gamma}`);
  if (terminated.length !== b || nextQTarget.length !== b * actions || (nextQOnline && nextQOnline.length !== b * actions)) {
    throw new WnError('tdTargets', `expected ${b} terminal flags and ${b}×${actions} Q-values, got ${terminated.length} and ${nextQTarget.length}${nextQOnline ? ` / ${nextQOnline.length}` : ''}`);
  }
  const y = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    const a = argmaxRow(nextQOnline ?? nextQTarget, i, actions);
    y[i] = rewards[i] + (terminated[i] ? 0 : gamma * nextQTarget[i * actions + a]);
  }
  return y;
}

/** Q(s, a) of each row: the chosen action's entry of `q` [batch, actions]. */
export function selectActions(q: Tensor, actions: Int32Array): Tensor {
  return sum(mul(q, oneHot(actions, q.shape[1])), 1);
}

/** The batch-mean TD loss of Q(s, ·) against targets `y`: Huber (δ = 1, DQN's error clipping) or squared error. */
export function tdLoss(q: Tensor, actions: Int32Array, y: Float32Array, loss: TdLoss): Tensor {
  const chosen = selectActions(q, actions);
  const target = tensor(y, [y.length]);
  return loss === 'huber' ? huberLoss(chosen, target, { delta: 1 }) : mseLoss(chosen, target);
}
