/**
 * Parameter EMA (Polyak averaging): avg ← decay·avg + (1−decay)·param after each update. Swap the
 * averages into the model for evaluation and back for training.
 */
import { add, keep, mul, reshape, tidy, WnError, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { Module, type Param } from '../module.js';

/**
 * Parameter EMA (Polyak averaging): avg ← decay·avg + (1−decay)·param after each `update()`. `swapIn()` puts the
 * averages into the model for evaluation, `swapOut()` restores the trained values.
 */
export class ParamEMA {
  /** The averaged parameters. */
  readonly params: Param[];
  /** Their names (dotted module paths, or indices for a list). */
  readonly names: string[];
  /** The decay, in [0, 1) (default 0.999). */
  decay: number;
  /** How many times `update()` ran. */
  updates = 0;
  private averages: Tensor[];
  private stash: Tensor[] | null = null;

  /** `params`: a module (all its parameters, frozen ones too) or a list. Averages start at the current values. */
  constructor(params: Module | readonly Param[], options: { decay?: number } = {}) {
    const named = params instanceof Module ? params.namedParameters() : params.map((p, i): [string, Param] => [String(i), p]);
    this.params = named.map(([, p]) => p);
    this.names = named.map(([n]) => n);
    this.decay = options.decay ?? 0.999;
    if (!(this.decay >= 0 && this.decay < 1)) throw new WnError('ParamEMA', `decay must be in [0, 1), got ${this.decay}`);
    this.averages = noGrad(() => this.params.map((p) => keep(reshape(p.value, p.shape))));
  }

  /** Folds the current parameter values into the averages. */
  update(): void {
    if (this.stash) throw new WnError('ParamEMA.update', 'the averages are swapped in; call swapOut() first');
    const d = this.decay;
    noGrad(() => {
      this.averages = this.averages.map((a, i) => {
        const next = keep(tidy(() => add(mul(a, d), mul(this.params[i].value, 1 - d))));
        a.dispose();
        return next;
      });
    });
    this.updates++;
  }

  /** The averaged tensors (live; do not dispose). */
  get values(): readonly Tensor[] {
    return this.averages;
  }

  /** Puts the averages into the parameters, remembering the training values. */
  swapIn(): void {
    if (this.stash) throw new WnError('ParamEMA.swapIn', 'already swapped in');
    this.stash = this.params.map((p) => p.value);
    this.params.forEach((p, i) => (p.value = this.averages[i]));
  }

  /** Restores the training values. */
  swapOut(): void {
    if (!this.stash) throw new WnError('ParamEMA.swapOut', 'not swapped in');
    this.params.forEach((p, i) => (p.value = this.stash![i]));
    this.stash = null;
  }

  /** Runs `fn` with the averaged parameters in place (e.g. evaluation), then swaps back. */
  withAveraged<T>(fn: () => T): T {
    this.swapIn();
    try {
      return fn();
    } finally {
      this.swapOut();
    }
  }

  /** The averages by parameter name (for checkpoints). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.names.map((n, i) => [n, this.averages[i]]));
  }

  /**
   * Replaces the averages with copies of `dict`'s tensors (keys and shapes as `stateDict()`). Throws a `WnError`
   * naming a missing key or a mismatched shape.
   */
  loadStateDict(dict: Record<string, Tensor>): void {
    this.names.forEach((n, i) => {
      const t = Object.hasOwn(dict, n) ? dict[n] : undefined;
      if (!t) throw new WnError('ParamEMA.loadStateDict', `missing key '${n}'`);
      const s = this.params[i].shape;
      if (t.shape.length !== s.length || t.shape.some((d, k) => d !== s[k])) {
        throw new WnError('ParamEMA.loadStateDict', `'${n}': shape mismatch: expected [${s.join(', ')}], got [${t.shape.join(', ')}]`);
      }
    });
    noGrad(() => {
      this.averages = this.names.map((n, i) => {
        this.averages[i].dispose();
        return keep(reshape(dict[n], dict[n].shape));
      });
    });
  }

  /** Disposes the averages (swapping the trained values back first if needed). */
  dispose(): void {
    if (this.stash) this.swapOut();
    for (const a of this.averages) a.dispose();
  }
}
