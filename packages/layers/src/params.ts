/** Holders of a model's tensors: trainable parameters and state buffers, each with a version. */
import { keep, Tensor, WnError, type Shape } from '@wn/tensor';

/** One clock for every holder, so a (holder, version) pair never repeats. */
let versionClock = 0;

/** A mutable holder of one tensor; the tensor is `keep`-ed so tidy scopes never free it. */
abstract class Holder {
  private current: Tensor;
  private stamp = ++versionClock;

  constructor(value: Tensor) {
    if (!(value instanceof Tensor)) throw new WnError(new.target.name, `expected a Tensor, got ${value === null ? 'null' : typeof value}`);
    this.current = keep(value);
  }

  /** The current tensor. Assigning keeps the new tensor and leaves the old one alone. */
  get value(): Tensor {
    return this.current;
  }

  /** Holds `t` instead (kept; the previous tensor is not disposed) and bumps the version. */
  set value(t: Tensor) {
    this.current = keep(t);
    this.stamp = ++versionClock;
  }

  /**
   * Changes whenever the tensor is replaced (assignment, `update`, optimizer steps, state
   * loading): values computed from this holder (a parametrized weight) key their caches on it.
   */
  get version(): number {
    return this.stamp;
  }

  /** Replaces the tensor and disposes the previous one (what optimizers and running statistics do). */
  update(t: Tensor): void {
    const old = this.current;
    this.current = keep(t);
    this.stamp = ++versionClock;
    if (old !== t) old.dispose();
  }

  /** The shape of the current tensor. */
  get shape(): Shape {
    return this.current.shape;
  }
}

/** A parameter: trained unless `trainable` is false (a frozen parameter is still saved and loaded). */
export class Param extends Holder {
  /** Whether optimizers update it (a frozen parameter is still saved and loaded). */
  trainable: boolean;
  constructor(value: Tensor, options: { trainable?: boolean } = {}) {
    super(value);
    this.trainable = options.trainable ?? true;
  }
}

/** Storage type a buffer is written with in state files (PyTorch keeps counters as int64). */
export type BufferDtype = 'F32' | 'I64';

/** Non-trainable state, e.g. running statistics. */
export class Buffer extends Holder {
  /** How state files store it: `'F32'`, or `'I64'` for counters. */
  readonly dtype: BufferDtype;
  constructor(value: Tensor, options: { dtype?: BufferDtype } = {}) {
    super(value);
    this.dtype = options.dtype ?? 'F32';
  }
}
