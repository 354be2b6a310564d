/**
 * The engine: current backend, tensor bookkeeping (tidy scopes, live counts) and the single
 * dispatch point through which every op runs. Listeners (autograd's tape, the bench profiler)
 * hear about each op as it runs.
 */
import { argError, WnError } from './errors.js';
import type { Backend, KernelAttrs, KernelInput, KernelName } from './kernels.js';
import { sizeOf, type Shape } from './shape.js';
import { Tensor, type Storage } from './tensor.js';

/** Ops that the engine dispatches without a kernel (views). */
export interface ViewAttrs {
  reshape: { from: Shape };
}
/** Everything a listener can hear: kernels (primitive and optional) and views. */
export type OpName = KernelName | keyof ViewAttrs;
/** Attribute types of every op a listener can hear, keyed by op name. */
export type OpAttrs = KernelAttrs & ViewAttrs;

/** What listeners hear: one op, its inputs, attributes and output. */
export interface OpRecord<K extends OpName = OpName> {
  /** The op's name. */
  readonly op: K;
  /** The op's input tensors, in kernel argument order. */
  readonly inputs: readonly Tensor[];
  /** The op's attributes (axes, strides, padding, …). */
  readonly attrs: OpAttrs[K];
  /** The tensor the op produced. */
  readonly output: Tensor;
}
/** Hears every op the engine dispatches (see {@link onOp}). */
export type OpListener = (record: OpRecord) => void;

/** Creates a backend; called once, on the first use of its registered name. */
export type BackendFactory = () => Backend;

interface Registration {
  factory: BackendFactory;
  priority: number;
  instance?: Backend;
}

/**
 * The dispatch point of @wn/tensor: the backend registry, the current backend, tidy scopes, live tensor counts and op
 * listeners. There is one per process, {@link ENGINE}; the free functions (`setBackend`, `tidy`, …) delegate to it.
 */
export class Engine {
  private readonly registry = new Map<string, Registration>();
  private current: Backend | undefined;
  private readonly scopes: Set<Tensor>[] = [];
  private readonly listeners = new Set<OpListener>();
  private nextId = 0;
  /** Tensors whose storage has not been released. */
  liveTensors = 0;
  /** Distinct storages alive (reshape views share one). */
  liveStorages = 0;

  /**
   * Registers a backend factory under `name` (replacing one of the same name). When no backend is set, the highest
   * `priority` wins (or the name in the `WN_BACKEND` environment variable).
   */
  registerBackend(name: string, factory: BackendFactory, priority = 0): void {
    this.registry.set(name, { factory, priority });
  }

  /** The names of the registered backends, in registration order. */
  registeredBackends(): string[] {
    return [...this.registry.keys()];
  }

  /** Returns the backend registered as `name`, creating it on first use. */
  findBackend(name: string): Backend {
    const reg = this.registry.get(name);
    if (!reg) throw argError('setBackend', 'name', `one of ${[...this.registry.keys()].map((k) => `'${k}'`).join(', ')}`, name);
    reg.instance ??= reg.factory();
    return reg.instance;
  }

  /**
   * Makes `name` the current backend, creating it on first use. Throws a `WnError` listing the registered names when
   * `name` is unknown.
   */
  setBackend(name: string): void {
    this.current = this.findBackend(name);
  }

  /**
   * The current backend: the one set, else `WN_BACKEND`'s, else the registered backend of highest priority. Throws a
   * `WnError` when none is registered.
   */
  get backend(): Backend {
    if (!this.current) {
      // WN_BACKEND names the default (e.g. WN_BACKEND=reference to debug against the spec)
      const requested = typeof process !== 'undefined' ? process.env?.WN_BACKEND : undefined;
      if (requested) return (this.current = this.findBackend(requested));
      const best = [...this.registry.entries()].sort((a, b) => b[1].priority - a[1].priority)[0];
      if (!best) throw new WnError('engine', 'no backend registered');
      this.current = this.findBackend(best[0]);
    }
    return this.current;
  }

  /** Runs `fn` with `name` as the current backend, restoring the previous one afterwards. */
  withBackend<T>(name: string, fn: () => T): T {
    const previous = this.current;
    this.current = this.findBackend(name);
    let result: T;
    try {
      result = fn();
    } finally {
      this.current = previous;
    }
    // an async fn would run its awaited part on the previous backend: silently wrong, so refuse
    if (result && typeof (result as { then?: unknown }).then === 'function') {
      throw new WnError('withBackend', `argument 'fn' returned a Promise; the backend switch ends when fn returns, so use setBackend('${name}') around async work`);
    }
    return result;
  }

  // ---- tensors -------------------------------------------------------------------------------

  /** Wraps freshly computed storage in a tracked tensor. */
  makeTensor(data: unknown, shape: Shape, backend: Backend): Tensor {
    const size = sizeOf(shape);
    const storage: Storage = { data, backend, refs: 1, size };
    this.liveStorages++;
    return this.track(new Tensor(this.nextId++, shape, storage, size));
  }

  /** A new tensor sharing `source`'s storage (reshape). */
  makeView(source: Tensor, shape: Shape): Tensor {
    const storage = source.storage;
    storage.refs++;
    return this.track(new Tensor(this.nextId++, shape, storage));
  }

  private track(t: Tensor): Tensor {
    this.liveTensors++;
    const depth = this.scopes.length;
    if (depth > 0) this.scopes[depth - 1].add(t);
    return t;
  }

  /** Called by Tensor when its last hold is gone. */
  release(t: Tensor): void {
    this.liveTensors--;
    const s = t.storage;
    if (--s.refs === 0) {
      s.backend.free(s.data);
      this.liveStorages--;
    }
  }

  // ---- scopes --------------------------------------------------------------------------------

  /**
   * Runs `fn` and disposes every tensor created inside it, except those it returns (found in
   * arrays and plain objects) and those passed to `keep`.
   */
  tidy<T>(fn: () => T): T {
    const scope = new Set<Tensor>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } catch (error) {
      // nothing is returned, so nothing is kept: an exception must not strand the scope's tensors
      for (const t of scope) if (!t.kept) t.dispose();
      throw error;
    } finally {
      this.scopes.pop();
    }
    const kept = new Set<Tensor>();
    collectTensors(result, kept);
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope) {
      if (kept.has(t)) parent?.add(t);
      else if (!t.kept) t.dispose();
    }
    return result;
  }

  /** Excludes a tensor from every enclosing tidy scope. */
  keep<T extends Tensor>(t: T): T {
    t.kept = true;
    for (const s of this.scopes) s.delete(t);
    return t;
  }

  // ---- dispatch ------------------------------------------------------------------------------

  /** Subscribes `listener` to every op dispatched from now on; returns the function that unsubscribes it. */
  addListener(listener: OpListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Common backend of an op's inputs; mixing backends is an error that names them. */
  backendOf(op: string, inputs: readonly Tensor[]): Backend {
    // an indexed loop: this runs once per op, where an iterator's allocations show in the profile
    let backend: Backend | undefined;
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i];
      t.assertAlive(op, `input ${i}`);
      const b = t.storage.backend;
      if (backend && b !== backend) {
        throw new WnError(op, `inputs live on different backends ('${backend.name}' and '${b.name}'); move one with toBackend()`);
      }
      backend = b;
    }
    return backend ?? this.backend;
  }

  /**
   * Runs kernel `op`: calls it on the inputs' backend, wraps the output and announces
   * the op. Front-ends validate arguments and compute `outShape` before calling this.
   */
  runKernel<K extends KernelName>(
    op: K,
    inputs: readonly Tensor[],
    attrs: KernelAttrs[K],
    outShape: Shape,
    kernel: (backend: Backend, ...inputs: KernelInput<unknown>[]) => unknown,
  ): Tensor {
    const backend = this.backendOf(op, inputs);
    const n = inputs.length;
    let data: unknown;
    // the common arities without building an argument array for a spread call
    if (n === 1) data = kernel(backend, kernelInput(inputs[0]));
    else if (n === 2) data = kernel(backend, kernelInput(inputs[0]), kernelInput(inputs[1]));
    else if (n === 3) data = kernel(backend, kernelInput(inputs[0]), kernelInput(inputs[1]), kernelInput(inputs[2]));
    else {
      const ins = new Array<KernelInput<unknown>>(n);
      for (let i = 0; i < n; i++) ins[i] = kernelInput(inputs[i]);
      data = kernel(backend, ...ins);
    }
    const output = this.makeTensor(data, outShape, backend);
    if (this.listeners.size > 0) this.announce({ op, inputs, attrs, output } as OpRecord);
    return output;
  }

  /** Tells every listener about an op (called by `runKernel`, and by views such as `reshape`). */
  announce(record: OpRecord): void {
    for (const l of this.listeners) l(record);
  }
}

/** What a kernel sees of a tensor: its storage's data and its shape. */
function kernelInput(t: Tensor): KernelInput<unknown> {
  return { data: t.storage.data, shape: t.shape };
}

function collectTensors(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into);
  }
}

/** The process-wide engine. */
export const ENGINE = new Engine();
