import { WnError } from './errors.js';
import type { Backend } from './kernels.js';
import { sizeOf, type Shape } from './shape.js';

/** Backend storage shared by a tensor and its reshape views. */
export interface Storage {
  readonly data: unknown;
  readonly backend: Backend;
  readonly size: number;
  refs: number;
}

/** Lazily bound to avoid an import cycle (engine imports Tensor). */
let releaseHook: (t: Tensor) => void = () => {};
export function setReleaseHook(hook: (t: Tensor) => void): void {
  releaseHook = hook;
}

/**
 * An immutable float32 n-d array on one backend. Ops are free functions (`add(a, b)`); a tensor
 * is released by `dispose()` or by the `tidy` scope it was created in.
 */
export class Tensor {
  /** The number of elements (the product of the shape). */
  readonly size: number;
  /** Set by `keep`: survives enclosing tidy scopes. */
  kept = false;
  private disposed = false;
  /** Holds by the autograd tape: storage outlives `dispose()` until they are released. */
  private holds = 0;
  private freed = false;

  constructor(
    /** A process-unique id (shown in errors about disposed tensors). */
    readonly id: number,
    /** The size of every axis, outermost first. */
    readonly shape: Shape,
    /** @internal */ readonly storage: Storage,
    /** @internal the product of `shape`, when the caller has it already */
    size = sizeOf(shape),
  ) {
    this.size = size;
  }

  /** The number of axes (0 for a scalar). */
  get rank(): number {
    return this.shape.length;
  }

  /** The name of the backend holding the data. */
  get backend(): string {
    return this.storage.backend.name;
  }

  /** Whether `dispose()` was called (the storage may still be held by autograd's tape until backward is done). */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Values in row-major order (Float64Array on the float64 backend). */
  dataSync(): Float32Array | Float64Array {
    this.assertAlive('dataSync', 'tensor');
    return this.storage.backend.read(this.storage.data, this.size).slice(0, this.size);
  }

  /** Values as a plain number array (row-major, flat). */
  toArray(): number[] {
    return Array.from(this.dataSync());
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new WnError('item', `expected a tensor of one element, got shape [${this.shape.join(', ')}]`);
    return this.dataSync()[0];
  }

  /** Releases the tensor's storage (idempotent). Using a disposed tensor throws a `WnError`. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.holds === 0) this.free();
  }

  /** @internal autograd keeps inputs of recorded ops alive until the backward pass is done. */
  hold(): void {
    this.holds++;
  }

  /** @internal */
  unhold(): void {
    if (--this.holds === 0 && this.disposed) this.free();
  }

  private free(): void {
    if (this.freed) return;
    this.freed = true;
    releaseHook(this);
  }

  /** Throws a clear error when the storage is gone. */
  assertAlive(op: string, arg: string): void {
    if (this.freed) throw new WnError(op, `argument '${arg}' is a disposed tensor (id ${this.id}, shape [${this.shape.join(', ')}])`);
  }

  /** `Tensor(shape=[…], backend=…)`. */
  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], backend=${this.backend})`;
  }
}
