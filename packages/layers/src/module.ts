/**
 * Modules: plain object trees of parameters (trainable or frozen), state buffers (running
 * statistics) and child modules. Names are the dotted field paths (`block1.conv.weight_v`), the
 * same names PyTorch's `state_dict()` uses when fields are named like PyTorch's attributes.
 */
import { ENGINE, Tensor, WnError, keep, reshape, type Shape } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { Buffer, Param } from './params.js';
import { ParametrizedTensor } from './parametrization.js';

export { Buffer, Param, type BufferDtype } from './params.js';
export { Parametrization, ParametrizedTensor, cached, resolveSlot, type PreActivationStats, type WeightSlot } from './parametrization.js';

/** Raised by layers: names the layer by its dotted path within the model whose forward was called. */
export class LayerError extends WnError {
  constructor(
    /** dotted path from the root module ('' for the root itself) */
    readonly path: string,
    /** the layer's class name */
    readonly layer: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(path ? `${path} (${layer})` : layer, message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

// ---- call frames: paths, finite checks, data init ---------------------------------------------

interface CallFrame {
  readonly root: Module;
  readonly paths: Map<Module, string>;
  readonly checkFinite: boolean;
}

let frame: CallFrame | null = null;
let globalCheckFinite = false;

/** Turns on NaN/Inf checks of every layer output for all forward passes (a debugging aid; reads data back). */
export function setCheckFinite(on: boolean): void {
  globalCheckFinite = on;
}

function collectTensors(value: unknown, out: Tensor[]): void {
  if (value instanceof Tensor) out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, out);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out);
  }
}

function firstNonFinite(t: Tensor): { index: number; value: number } | null {
  const d = t.dataSync();
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return { index: i, value: d[i] };
  return null;
}

const fmtShape = (s: Shape): string => `[${s.join(', ')}]`;

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * The base of every module. Subclasses declare fields: a `Param` (or a `ParametrizedTensor`)
 * is a parameter, a `Buffer` is state, a `Module` (or an array / plain record of modules) is a
 * child. Field declaration order is the naming order.
 */
export abstract class Module {
  /** Training mode: batch statistics, dropout and noise are active. Set through `train()`/`eval()`. */
  training = true;
  /** When set on the module whose forward is called, every layer output is checked for NaN/Inf. */
  checkFinite = false;

  // ---- tree walking -----------------------------------------------------------------------------

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Module) out.push([k, v]);
      else if (Array.isArray(v) && v.length > 0 && v.every((m) => m instanceof Module)) v.forEach((m: Module, i) => out.push([`${k}.${i}`, m]));
      else if (isPlainRecord(v) && Object.keys(v).length > 0 && Object.values(v).every((m) => m instanceof Module)) {
        for (const [kk, m] of Object.entries(v)) out.push([`${k}.${kk}`, m as Module]);
      }
    }
    return out;
  }

  /** This module's own parameters (parametrizations expanded into their originals). */
  ownParameters(): [string, Param][] {
    const out: [string, Param][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Param) out.push([k, v]);
      else if (v instanceof ParametrizedTensor) out.push(...v.namedOriginals(k));
    }
    return out;
  }

  /** This module's own buffers (not its children's), with their property names. */
  ownBuffers(): [string, Buffer][] {
    return Object.entries(this).filter((e): e is [string, Buffer] => e[1] instanceof Buffer);
  }

  /** Every module in the tree, pre-order, this one first with name ''. Shared modules appear once. */
  namedModules(prefix = ''): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    const walk = (m: Module, name: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [k, c] of m.namedChildren()) walk(c, name ? `${name}.${k}` : k);
    };
    walk(this, prefix);
    return out;
  }

  /** Every parameter (trainable and frozen) with its dotted name. */
  namedParameters(): [string, Param][] {
    const seen = new Set<Param>();
    const out: [string, Param][] = [];
    for (const [path, m] of this.namedModules()) {
      for (const [k, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([path ? `${path}.${k}` : k, p]);
      }
    }
    return out;
  }

  /** Alias of `namedParameters()`. */
  params(): [string, Param][] {
    return this.namedParameters();
  }

  /** Every parameter (trainable and frozen), in `namedParameters()` order. */
  parameters(): Param[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** The parameters an optimizer should update (trainable ones), with names. */
  namedTrainableParameters(): [string, Param][] {
    return this.namedParameters().filter(([, p]) => p.trainable);
  }

  /** The parameters an optimizer should update (those with `trainable` true). */
  trainableParameters(): Param[] {
    return this.namedTrainableParameters().map(([, p]) => p);
  }

  /** Every buffer (running statistics, counters) with its dotted name. */
  namedBuffers(): [string, Buffer][] {
    const out: [string, Buffer][] = [];
    for (const [path, m] of this.namedModules()) for (const [k, b] of m.ownBuffers()) out.push([path ? `${path}.${k}` : k, b]);
    return out;
  }

  /** Every buffer, in `namedBuffers()` order. */
  buffers(): Buffer[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Number of scalar parameters (trainable and frozen). */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.value.size, 0);
  }

  // ---- state ------------------------------------------------------------------------------------

  /**
   * Parameters and buffers by dotted name, in PyTorch's order (per module: parameters, then
   * buffers; parents before children). The tensors are the live ones, not copies.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, e] of this.stateEntries()) out[name] = e.value;
    return out;
  }

  /** Like `stateDict()` but with the holders (to know dtypes or to assign). */
  stateEntries(): [string, Param | Buffer][] {
    const out: [string, Param | Buffer][] = [];
    const seen = new Set<Param | Buffer>();
    for (const [path, m] of this.namedModules()) {
      for (const [k, h] of [...m.ownParameters(), ...m.ownBuffers()] as [string, Param | Buffer][]) {
        if (seen.has(h)) continue;
        seen.add(h);
        out.push([path ? `${path}.${k}` : k, h]);
      }
    }
    return out;
  }

  /**
   * Copies values into the parameters and buffers. With `strict` (default) a missing key, an
   * unexpected key or a shape mismatch is an error naming the key; nothing is changed unless
   * every entry checks out. Tensors are copied (the caller keeps ownership of `dict`).
   */
  loadStateDict(dict: Record<string, Tensor>, options: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    const strict = options.strict ?? true;
    const entries = this.stateEntries();
    const own = new Map(entries);
    const missing = entries.map(([k]) => k).filter((k) => !Object.hasOwn(dict, k)); // own keys only: dict may come from a file
    const unexpected = Object.keys(dict).filter((k) => !own.has(k));
    if (strict && (missing.length || unexpected.length)) {
      const parts: string[] = [];
      if (missing.length) parts.push(`missing key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')}`);
      if (unexpected.length) parts.push(`unexpected key${unexpected.length > 1 ? 's' : ''} ${unexpected.map((k) => `'${k}'`).join(', ')}`);
      let hint = '';
      const wnMissing = missing.some((k) => /_[gv]$/.test(k)) && unexpected.some((k) => missing.includes(`${k}_g`));
      const wnExtra = unexpected.some((k) => /_[gv]$/.test(k)) && missing.some((k) => unexpected.includes(`${k}_g`));
      if (wnMissing) hint = ' (the model is weight-normalized but the state is not: call removeWeightNorm on the model, or load into an unnormalized model and then apply weightNorm)';
      if (wnExtra) hint = ' (the state is weight-normalized but the model is not: apply weightNorm to the matching layers first)';
      throw new WnError('loadStateDict', parts.join('; ') + hint);
    }
    for (const [k, h] of entries) {
      const t = Object.hasOwn(dict, k) ? dict[k] : undefined;
      if (!t) continue;
      if (!(t instanceof Tensor)) throw new WnError('loadStateDict', `key '${k}': expected a Tensor, got ${typeof t}`);
      if (t.shape.length !== h.shape.length || t.shape.some((d, i) => d !== h.shape[i])) {
        throw new WnError('loadStateDict', `key '${k}': shape mismatch: expected ${fmtShape(h.shape)}, got ${fmtShape(t.shape)}`);
      }
    }
    noGrad(() => {
      for (const [k, h] of entries) {
        const t = Object.hasOwn(dict, k) ? dict[k] : undefined;
        if (t) h.update(reshape(t, t.shape));
      }
    });
    return { missing, unexpected };
  }

  // ---- modes, copies -----------------------------------------------------------------------------

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode on this module and every descendant (`train(false)`); returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * A deep copy: new parameter and buffer holders over copies of the tensors, copied options and
   * random generators (a cloned dropout layer draws the same masks as the original would).
   */
  clone(): this {
    return deepClone(this, new Map()) as this;
  }

  /** Disposes every parameter and buffer tensor (and the parametrized tensors kept for reuse). */
  dispose(): void {
    for (const [, m] of this.namedModules()) for (const v of Object.values(m)) if (v instanceof ParametrizedTensor) v.clearCache();
    for (const [, h] of this.stateEntries()) h.value.dispose();
  }

  /** A one-line-per-module summary. */
  summary(): string {
    return this.namedModules()
      .map(([name, m]) => {
        const ps = m.ownParameters().map(([k, p]) => `${k}${fmtShape(p.shape)}${p.trainable ? '' : ' (frozen)'}`);
        const bs = m.ownBuffers().map(([k, b]) => `${k}${fmtShape(b.shape)}`);
        return `${name || '(root)'}: ${m.constructor.name}${ps.length ? ' ' + ps.join(' ') : ''}${bs.length ? ' | ' + bs.join(' ') : ''}`;
      })
      .join('\n');
  }

  // ---- call machinery ----------------------------------------------------------------------------

  /** This module's dotted path in the forward pass now running ('' when it is the root or not found). */
  protected currentPath(): string {
    return frame?.paths.get(this) ?? '';
  }

  /** An error that names this layer by its path in the model whose forward is running. */
  protected error(message: string): LayerError {
    return new LayerError(this.currentPath(), this.constructor.name, message);
  }

  /**
   * Runs one forward computation of this module: inside a tidy scope (intermediates are freed),
   * with errors annotated with the layer's dotted path and, when enabled, a NaN/Inf check of the
   * outputs. Every module's forward goes through here.
   */
  protected guard<T>(inputs: readonly Tensor[], fn: () => T): T {
    const isRoot = frame === null;
    if (isRoot) {
      const paths = new Map<Module, string>();
      for (const [name, m] of this.namedModules()) paths.set(m, name);
      frame = { root: this, paths, checkFinite: this.checkFinite || globalCheckFinite };
    }
    const f = frame!;
    try {
      if (isRoot && f.checkFinite) this.checkInputsFinite(inputs);
      const out = ENGINE.tidy(fn);
      if (f.checkFinite) this.checkOutputsFinite(inputs, out);
      return out;
    } catch (e) {
      if (e instanceof LayerError || !(e instanceof WnError)) throw e;
      throw new LayerError(this.currentPath(), this.constructor.name, e.message, { cause: e });
    } finally {
      if (isRoot) frame = null;
    }
  }

  private checkInputsFinite(inputs: readonly Tensor[]): void {
    inputs.forEach((x, i) => {
      const bad = firstNonFinite(x);
      if (bad) throw this.error(`non-finite input ${inputs.length > 1 ? i + ' ' : ''}to the model: ${bad.value} at flat index ${bad.index} of shape ${fmtShape(x.shape)}`);
    });
  }

  private checkOutputsFinite(inputs: readonly Tensor[], out: unknown): void {
    const outs: Tensor[] = [];
    collectTensors(out, outs);
    for (const y of outs) {
      const bad = firstNonFinite(y);
      if (!bad) continue;
      const notes: string[] = [];
      const badInput = inputs.find((x) => !x.isDisposed && firstNonFinite(x));
      notes.push(badInput ? 'its input was already non-finite' : 'its input was finite');
      const badParams = [...this.ownParameters(), ...this.ownBuffers()].filter(([, h]) => firstNonFinite(h.value)).map(([k]) => k);
      if (badParams.length) notes.push(`non-finite ${badParams.join(', ')}`);
      throw this.error(`non-finite output during the forward pass (${bad.value} at flat index ${bad.index} of shape ${fmtShape(y.shape)}); ${notes.join('; ')}`);
    }
  }
}

/** A module with one tensor in and one tensor out: `layer.forward(x)`. Implement `compute`. */
export abstract class Layer extends Module {
  /**
   * Applies the layer to one input tensor; intermediate tensors are disposed. A `WnError` raised inside
   * becomes a `LayerError` naming the layer's dotted path; with `checkFinite` on, a non-finite output
   * throws one too.
   */
  forward(x: Tensor): Tensor {
    return this.guard([x], () => this.compute(x));
  }

  /** The forward computation proper; called by `forward` inside its scope. */
  protected abstract compute(x: Tensor): Tensor;
}

function copyTensor(t: Tensor): Tensor {
  return keep(noGrad(() => reshape(t, t.shape)));
}

function deepClone(v: unknown, memo: Map<object, unknown>): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (memo.has(v)) return memo.get(v);
  if (v instanceof Tensor) {
    const c = copyTensor(v);
    memo.set(v, c);
    return c;
  }
  if (ArrayBuffer.isView(v)) {
    const c = (v as unknown as Float32Array).slice();
    memo.set(v, c);
    return c;
  }
  if (Array.isArray(v)) {
    const c: unknown[] = [];
    memo.set(v, c);
    for (const x of v) c.push(deepClone(x, memo));
    return c;
  }
  if (v instanceof Map) {
    const c = new Map();
    memo.set(v, c);
    for (const [k, x] of v) c.set(k, deepClone(x, memo));
    return c;
  }
  if (v instanceof Set) {
    const c = new Set();
    memo.set(v, c);
    for (const x of v) c.add(deepClone(x, memo));
    return c;
  }
  const c = Object.create(Object.getPrototypeOf(v)) as Record<string, unknown>;
  memo.set(v, c);
  for (const k of Object.getOwnPropertyNames(v)) {
    const d = Object.getOwnPropertyDescriptor(v, k)!;
    if ('value' in d) d.value = deepClone(d.value, memo);
    Object.defineProperty(c, k, d);
  }
  return c;
}
