/**
 * Parametrizations (PyTorch's `torch.nn.utils.parametrize` is the anchor): a layer's tensor slot
 * (`weight`) holds a `ParametrizedTensor`, which computes the tensor from trained originals with a
 * `Parametrization`'s `forward`. The layer reads `resolveSlot(slot)` where it would read a
 * parameter's value.
 *
 * Caching: inside `cached(() => …)` each parametrized tensor is computed once (gradients flow
 * through it as usual) and freed on exit, so an RNN unrolled over T steps computes its weights once,
 * not T times. Outside gradient recording — when no active tape watches the originals — the
 * computed tensor is kept and reused while the originals' versions are unchanged, so acting with a
 * trained network costs no recomputation.
 */
import { keep, reshape, tidy, Tensor, WnError, type Shape } from '@wn/tensor';
import { isTracked, noGrad } from '@wn/autograd';
import { Param } from './params.js';

/** Per-unit statistics of a layer's pre-activations, measured by data-dependent init. */
export interface PreActivationStats {
  /** mean per output unit */
  mean: Tensor;
  /** standard deviation per output unit */
  std: Tensor;
  /** the target std s the pre-activations should get */
  scale: number;
}

/**
 * A transform from trained originals to a tensor. `forward` must be built from differentiable ops;
 * `rightInverse(t)` returns originals that `forward` maps back to `t`, so parametrizing a trained
 * layer leaves its function unchanged.
 */
export abstract class Parametrization {
  /** The parametrized tensor from the originals' current values (a fresh tensor). */
  abstract forward(...originals: Tensor[]): Tensor;

  /**
   * Originals for a given value of the tensor: one tensor (stored as `original`) or a list
   * (`original0`, `original1`, …). Default: the value itself (`forward` must then accept it).
   */
  rightInverse(value: Tensor): Tensor | readonly Tensor[] {
    return value;
  }

  /**
   * State-dict names of the originals of slot `name`. Default, PyTorch's:
   * `parametrizations.<name>.original` for one, `parametrizations.<name>.original<i>` for several.
   */
  originalNames(name: string, count: number, single: boolean): string[] {
    if (single) return [`parametrizations.${name}.original`];
    return Array.from({ length: count }, (_, i) => `parametrizations.${name}.original${i}`);
  }

  /**
   * Optional: `forward(...originals)` recorded for gradients with its value already known (`value`,
   * computed by `forward` from these originals, unchanged since), without computing it again. A
   * parametrized tensor uses it when a gradient computation needs the value its cache holds — a
   * DQN's update right after an action, or the policy forward after the target's.
   */
  forwardKnown?(value: Tensor, ...originals: Tensor[]): Tensor;

  /**
   * Data-dependent init (optional, with `dataInit`): the tensor to measure pre-activations with,
   * one that leaves out each output unit's scale (weight norm: v/‖v‖).
   */
  dataInitWeight?(...originals: Tensor[]): Tensor;

  /**
   * Data-dependent init (optional, with `dataInitWeight`): given the statistics of the
   * pre-activations measured with `dataInitWeight`, update the originals so that each unit's
   * pre-activation gets std `stats.scale` (weight norm: g ← s/σ). The layer recentres its bias.
   */
  dataInit?(originals: readonly Param[], stats: PreActivationStats): void;
}

/** What a layer's slot holds when parametrized: the transform and its trained originals. */
export class ParametrizedTensor {
  private cache: { versions: number[]; value: Tensor } | null = null;

  constructor(
    /** The transform that computes the tensor from its originals. */
    readonly parametrization: Parametrization,
    /** The trained tensors the value is computed from (weight norm: g and v), as parameters. */
    readonly originals: readonly Param[],
    /** `rightInverse` gave one tensor rather than a list (PyTorch then names it `original`) */
    readonly single: boolean,
    /** shape of the computed tensor */
    readonly shape: Shape,
  ) {}

  /** [state-dict name, original] pairs for this slot's field name. */
  namedOriginals(name: string): [string, Param][] {
    const names = this.parametrization.originalNames(name, this.originals.length, this.single);
    if (names.length !== this.originals.length) {
      throw new WnError('ParametrizedTensor', `${this.parametrization.constructor.name}.originalNames gave ${names.length} names for ${this.originals.length} originals`);
    }
    return names.map((n, i) => [n, this.originals[i]]);
  }

  /** Whether the originals are trained (all of them). */
  get trainable(): boolean {
    return this.originals.every((p) => p.trainable);
  }

  /** The tensor computed afresh from the originals (a new tensor the caller owns; no cache). */
  compute(): Tensor {
    const values = this.originals.map((p) => p.value);
    const t = this.parametrization.forward(...values);
    if (!(t instanceof Tensor)) throw new WnError(`${this.parametrization.constructor.name}.forward`, `expected a Tensor, got ${t === null ? 'null' : typeof t}`);
    // a forward that returns an original as is still hands out its own handle: caches free it
    return values.includes(t) ? reshape(t, t.shape) : t;
  }

  /**
   * The tensor for use in a forward pass, owned by this slot or by the `cached` scope (never
   * dispose it): inside `cached`, computed once per scope; when no active gradient computation
   * tracks the originals, reused while their versions are unchanged; otherwise computed afresh.
   */
  value(): Tensor {
    if (scope) return scope.get(this);
    if (this.originals.some((p) => isTracked(p.value))) return this.computeForGradients();
    const versions = this.versions();
    if (this.cache && sameVersions(this.cache.versions, versions)) return this.cache.value;
    const value = keep(noGrad(() => tidy(() => this.compute())));
    this.clearCache();
    this.cache = { versions, value };
    return value;
  }

  /**
   * The tensor computed for a gradient computation (a new tensor the caller owns): the kept value
   * recorded as the computation (`forwardKnown`) when it is current and the parametrization can
   * do that, else computed afresh.
   */
  computeForGradients(): Tensor {
    const forwardKnown = this.parametrization.forwardKnown;
    if (!forwardKnown || !this.cache || !sameVersions(this.cache.versions, this.versions())) return this.compute();
    const t = forwardKnown.call(this.parametrization, this.cache.value, ...this.originals.map((p) => p.value));
    if (!(t instanceof Tensor)) throw new WnError(`${this.parametrization.constructor.name}.forwardKnown`, `expected a Tensor, got ${t === null ? 'null' : typeof t}`);
    return t;
  }

  /** Frees the tensor kept for reuse (it is recomputed on the next use). */
  clearCache(): void {
    this.cache?.value.dispose();
    this.cache = null;
  }

  /** @internal the originals' versions, the key of every cache */
  versions(): number[] {
    return this.originals.map((p) => p.version);
  }
}

const sameVersions = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** The parametrized tensors computed inside the running `cached` call. */
class CacheScope {
  private readonly entries = new Map<ParametrizedTensor, { versions: number[]; value: Tensor }>();
  private readonly made: Tensor[] = [];

  get(slot: ParametrizedTensor): Tensor {
    const versions = slot.versions();
    const hit = this.entries.get(slot);
    if (hit && sameVersions(hit.versions, versions)) return hit.value;
    // computed where it is first needed (recorded by an active tape), kept past the layers' scopes
    const value = keep(slot.computeForGradients());
    this.made.push(value);
    this.entries.set(slot, { versions, value });
    return value;
  }

  dispose(): void {
    // a tape that recorded these holds them until its backward pass is done
    for (const t of this.made) t.dispose();
    this.made.length = 0;
    this.entries.clear();
  }
}

let scope: CacheScope | null = null;

/**
 * Runs `fn` with every parametrized tensor computed at most once (PyTorch's
 * `parametrize.cached()`): the first use computes it — recorded for gradients like any op — and
 * later uses reuse it, across the layers' tidy scopes; everything cached is freed when `fn`
 * returns, so `fn` must be synchronous and must not return a cached tensor itself. A tensor is recomputed if its
 * originals change inside. Nested calls join the outer one.
 */
export function cached<T>(fn: () => T): T {
  if (scope) return fn();
  const own = new CacheScope();
  scope = own;
  try {
    const result = fn();
    if (result instanceof Promise) throw new WnError('cached', 'fn must be synchronous: the cache is freed when it returns, before a promise settles');
    return result;
  } finally {
    scope = null;
    own.dispose();
  }
}

/** A layer's weight field: a plain parameter or a parametrization of it. */
export type WeightSlot = Param | ParametrizedTensor;

/** The tensor a slot currently stands for (owned by the slot: do not dispose it). */
export function resolveSlot(slot: WeightSlot): Tensor {
  return slot instanceof Param ? slot.value : slot.value();
}
