/**
 * Optimizers over a list of `Param`s with PyTorch's (1.13) update formulas. `step(grads)` takes
 * the gradients in the order of `optimizer.params` (e.g. from `paramGrads`), swaps each
 * parameter's tensor for the updated one, and never records for autograd. Hyperparameters are
 * plain mutable fields (`opt.lr = schedule(t)`, `adam.beta1 = 0.5`). State is exportable.
 *
 * The update math runs as fused elementwise programs (./update-programs.ts): one pass per state
 * tensor and one for the parameter, with the same float32 results as the composed ops.
 */
import { fusedElementwise, keep, reshape, Tensor, tidy, WnError } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { Module, Param } from '../module.js';
import {
  adamaxNorm, adamStep, emaProgram, natureRmspropStep, rmspropMomentum, rmspropStep, sgdMomentum, sgdStep, subScaled, subScaledRatio,
} from './update-programs.js';

/** What an optimizer can be built from: a module (its trainable parameters), params, or [name, param] pairs. */
export type ParamsInput = Module | readonly Param[] | readonly (readonly [string, Param])[];

/** One parameter's state: its step count and state tensors under PyTorch's names. */
export interface ParamState {
  /** How many updates this parameter has had. */
  step: number;
  /** The state tensors, e.g. `exp_avg`, `exp_avg_sq`. */
  tensors: Record<string, Tensor>;
}

/** An optimizer's exportable state (tensors are the live ones; `loadStateDict` copies). */
export interface OptimizerState {
  /** The optimizer's kind, e.g. `'adam'`. */
  kind: string;
  /** How many `step` calls were made. */
  stepCount: number;
  /** The hyperparameters at export time. */
  hyper: Record<string, number | boolean>;
  /** by parameter name */
  params: Record<string, ParamState>;
}

function resolveParams(input: ParamsInput): { names: string[]; params: Param[] } {
  if (input instanceof Module) {
    const named = input.namedTrainableParameters();
    return { names: named.map(([n]) => n), params: named.map(([, p]) => p) };
  }
  const list = [...input];
  if (list.every((p) => p instanceof Param)) return { names: list.map((_, i) => String(i)), params: list as Param[] };
  if (list.every((e) => Array.isArray(e) && e.length === 2 && e[1] instanceof Param)) {
    const pairs = list as (readonly [string, Param])[];
    return { names: pairs.map(([n]) => n), params: pairs.map(([, p]) => p) };
  }
  throw new WnError('Optimizer', 'params must be a Module, an array of Param, or an array of [name, Param] pairs');
}

const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const describe = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : typeof v === 'object' && v !== null ? JSON.stringify(v) ?? String(v) : String(v));

/** The allowed range of each hyperparameter (PyTorch's checks, plus finiteness). */
const HYPER_RANGES: Record<string, { min: number; below?: number }> = {
  lr: { min: 0 },
  weightDecay: { min: 0 },
  momentum: { min: 0 },
  dampening: { min: -Infinity },
  beta1: { min: 0, below: 1 },
  beta2: { min: 0, below: 1 },
  eps: { min: 0 },
  alpha: { min: 0 },
};

/** Why `value` cannot be hyperparameter `name` (whose current value has type `type`), or '' if it can. */
function checkHyper(name: string, value: unknown, type: string): string {
  if (typeof value !== type) return `expected a ${type}, got ${describe(value)}`;
  if (type !== 'number') return '';
  const v = value as number;
  const range = Object.hasOwn(HYPER_RANGES, name) ? HYPER_RANGES[name] : { min: -Infinity };
  if (!Number.isFinite(v) || v < range.min || (range.below !== undefined && v >= range.below)) {
    const bounds = range.below !== undefined ? `in [${range.min}, ${range.below})` : range.min === -Infinity ? 'finite' : `finite and ≥ ${range.min}`;
    return `expected a number ${bounds}, got ${v}`;
  }
  return '';
}

/**
 * The base of every optimizer: the parameters, the learning rate and weight decay, the per-parameter state,
 * `step(grads)`, and state export and import under PyTorch's names. Hyperparameters are plain fields, settable
 * between steps (schedules).
 */
export abstract class Optimizer {
  /** The optimizer's name in exported state, e.g. `'adam'`. */
  abstract readonly kind: string;
  /** The parameters updated, in the order `step` takes their gradients. */
  readonly params: Param[];
  /** names of `params` (dotted module paths, or indices) */
  readonly names: string[];
  /** The learning rate. */
  lr: number;
  /** L2 weight decay, added to the gradient as wd·p (PyTorch's `weight_decay`). */
  weightDecay: number;
  /** number of `step` calls so far */
  stepCount = 0;
  /** Per-parameter state, created at a parameter's first step. */
  protected readonly state = new Map<Param, ParamState>();

  constructor(params: ParamsInput, lr: number, weightDecay: number) {
    const r = resolveParams(params);
    if (r.params.length === 0) throw new WnError(new.target.name, 'no parameters to optimize');
    if (new Set(r.params).size !== r.params.length) throw new WnError(new.target.name, 'a parameter appears twice in the list');
    this.params = r.params;
    this.names = r.names;
    this.lr = lr;
    this.weightDecay = weightDecay;
  }

  /** Current hyperparameters (for export and logging). */
  abstract hyper(): Record<string, number | boolean>;

  /** The new value of one parameter; update state through `setState`. Runs under noGrad and tidy. */
  protected abstract updateParam(p: Tensor, g: Tensor, st: ParamState): Tensor;

  /**
   * Applies one update. `grads[i]` is the gradient for `params[i]` (same shape); frozen
   * parameters (trainable false) are skipped. The caller keeps ownership of `grads`.
   */
  step(grads: readonly Tensor[]): void {
    if (grads.length !== this.params.length) {
      throw new WnError(`${this.kind}.step`, `expected ${this.params.length} gradients (one per parameter, in the order of optimizer.params), got ${grads.length}`);
    }
    const params = this.params;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i], shape = params[i].shape;
      if (!g || !sameShape(g.shape, shape)) {
        throw new WnError(`${this.kind}.step`, `gradient ${i} ('${this.names[i]}') has shape ${g ? shapeStr(g.shape) : 'none'}, expected ${shapeStr(shape)}`);
      }
    }
    noGrad(() => {
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        if (!p.trainable) continue;
        let st = this.state.get(p);
        if (!st) this.state.set(p, (st = { step: 0, tensors: {} }));
        st.step++;
        const state = st, g = grads[i];
        const next = tidy(() => this.updateParam(p.value, g, state));
        p.update(next);
      }
    });
    this.stepCount++;
  }

  /** Stores a state tensor (kept across tidy scopes), disposing the one it replaces. */
  protected setState(st: ParamState, name: string, t: Tensor): Tensor {
    const old = st.tensors[name];
    st.tensors[name] = keep(t);
    if (old && old !== t) old.dispose();
    return t;
  }

  /** The state of one parameter (undefined before its first step). */
  paramState(p: Param | number): ParamState | undefined {
    return this.state.get(typeof p === 'number' ? this.params[p] : p);
  }

  /**
   * The state to export: kind, step count, hyperparameters, and each parameter's step and state tensors by
   * parameter name. The tensors are the live ones.
   */
  stateDict(): OptimizerState {
    const params: Record<string, ParamState> = {};
    this.params.forEach((p, i) => {
      const st = this.state.get(p);
      if (st) params[this.names[i]] = { step: st.step, tensors: { ...st.tensors } };
    });
    return { kind: this.kind, stepCount: this.stepCount, hyper: this.hyper(), params };
  }

  /**
   * The state tensor names one parameter has after a step under hyperparameters `hyper`
   * (PyTorch's names), e.g. Adam's `exp_avg` and `exp_avg_sq`.
   */
  abstract stateNames(hyper: Record<string, number | boolean>): string[];

  /**
   * Restores state (copies the tensors) and hyperparameters. Checks everything before changing
   * anything: the kind; the step count (an integer ≥ 0); the hyperparameters (this optimizer's
   * names only, each of its type and in its range: lr ≥ 0, betas in [0, 1), …); per parameter a
   * known name, a step in 1..stepCount and exactly the state tensors the saved hyperparameters
   * imply, of the parameter's shape; and state for some parameter once steps were taken.
   */
  loadStateDict(s: OptimizerState, options: { hyper?: boolean } = {}): void {
    const op = `${this.kind}.loadStateDict`;
    const fail = (message: string): WnError => new WnError(op, message);
    if (!isRecord(s)) throw fail(`expected an optimizer state object, got ${describe(s)}`);
    if (s.kind !== this.kind) throw fail(`state is for '${String(s.kind)}', this optimizer is '${this.kind}'`);
    if (!Number.isSafeInteger(s.stepCount) || s.stepCount < 0) throw fail(`stepCount must be an integer ≥ 0, got ${describe(s.stepCount)}`);
    if (!isRecord(s.hyper)) throw fail(`hyper must be an object, got ${describe(s.hyper)}`);
    const own = this.hyper();
    for (const [k, v] of Object.entries(s.hyper)) {
      if (!Object.hasOwn(own, k)) throw fail(`hyper.${k}: not a hyperparameter of ${this.kind} (expected one of ${Object.keys(own).join(', ')})`);
      const problem = checkHyper(k, v, typeof own[k]);
      if (problem) throw fail(`hyper.${k}: ${problem}`);
    }
    if (!isRecord(s.params)) throw fail(`params must be an object, got ${describe(s.params)}`);
    const index = new Map(this.names.map((n, i) => [n, i]));
    const entries = Object.entries(s.params);
    if (s.stepCount > 0 && entries.length === 0) throw fail(`stepCount is ${s.stepCount} but no parameter has state`);
    const expected = this.stateNames({ ...own, ...s.hyper }).sort();
    for (const [name, st] of entries) {
      const i = index.get(name);
      if (i === undefined) throw fail(`state for unknown parameter '${name}' (known: ${this.names.join(', ')})`);
      if (!isRecord(st) || !isRecord(st.tensors)) throw fail(`'${name}': expected { step, tensors }, got ${describe(st)}`);
      if (!Number.isSafeInteger(st.step) || st.step < 1 || st.step > s.stepCount) {
        throw fail(`'${name}': step must be an integer in 1..stepCount (${s.stepCount}), got ${describe(st.step)}`);
      }
      const names = Object.keys(st.tensors).sort();
      if (names.join() !== expected.join()) {
        throw fail(`'${name}': state tensors [${names.join(', ')}] do not match the ones ${this.kind} keeps with these hyperparameters: [${expected.join(', ')}]`);
      }
      const shape = this.params[i].shape;
      for (const [k, t] of Object.entries(st.tensors)) {
        if (!(t instanceof Tensor)) throw fail(`'${name}.${k}': expected a Tensor, got ${describe(t)}`);
        if (t.shape.length !== shape.length || t.shape.some((d, j) => d !== shape[j])) {
          throw fail(`'${name}.${k}': shape mismatch: expected ${shapeStr(shape)}, got ${shapeStr(t.shape)}`);
        }
      }
    }
    for (const st of this.state.values()) for (const t of Object.values(st.tensors)) t.dispose();
    this.state.clear();
    noGrad(() => {
      for (const [name, st] of entries) {
        const p = this.params[index.get(name)!];
        const tensors: Record<string, Tensor> = {};
        for (const [k, t] of Object.entries(st.tensors)) tensors[k] = keep(reshape(t, t.shape));
        this.state.set(p, { step: st.step, tensors });
      }
    });
    this.stepCount = s.stepCount;
    if (options.hyper ?? true) {
      const self = this as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(s.hyper)) self[k] = v; // names and types checked above
    }
  }

  /** Disposes every state tensor. */
  dispose(): void {
    for (const st of this.state.values()) for (const t of Object.values(st.tensors)) t.dispose();
    this.state.clear();
  }
}

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** The learning rate (required). */
  lr: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum?: number;
  /** Dampening of the momentum (default 0). */
  dampening?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** L2 weight decay (default 0). */
  weightDecay?: number;
}

/**
 * SGD: g ← g + wd·p; with momentum, buf ← g at the first step, else momentum·buf + (1−dampening)·g,
 * then g ← g + momentum·buf (Nesterov) or buf; p ← p − lr·g. State: `momentum_buffer`.
 */
export class SGD extends Optimizer {
  /** Always `'sgd'`. */
  readonly kind = 'sgd';
  /** Momentum factor. */
  momentum: number;
  /** Dampening of the momentum. */
  dampening: number;
  /** Whether the momentum is Nesterov's. */
  nesterov: boolean;

  constructor(params: ParamsInput, options: SGDOptions) {
    super(params, options.lr, options.weightDecay ?? 0);
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new WnError('SGD', 'Nesterov momentum requires momentum > 0 and dampening 0');
  }

  hyper() {
    return { lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }

  stateNames(hyper: Record<string, number | boolean>): string[] {
    return hyper.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected updateParam(p: Tensor, g: Tensor, st: ParamState): Tensor {
    const wd = this.weightDecay, decay = wd !== 0, momentum = this.momentum !== 0;
    let buf: Tensor | number = 0;
    if (momentum) {
      const prev = st.tensors.momentum_buffer;
      const next = fusedElementwise(sgdMomentum(!prev, decay), [prev ?? 0, g, p, this.momentum, 1 - this.dampening, wd]);
      buf = this.setState(st, 'momentum_buffer', next);
    }
    return fusedElementwise(sgdStep(momentum, this.nesterov, decay), [p, g, buf, this.lr, this.momentum, wd]);
  }
}

/** Options of {@link Adam} and {@link Adamax}. */
export interface AdamOptions {
  /** The learning rate (default 1e-3; Adamax 2e-3). */
  lr?: number;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 weight decay (default 0). */
  weightDecay?: number;
}

/**
 * Adam: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr/(1−β1ᵗ) · m/(√v/√(1−β2ᵗ) + eps),
 * with the current β1 (settable per step: the paper switches 0.9 → 0.5). State: `exp_avg`,
 * `exp_avg_sq`.
 */
export class Adam extends Optimizer {
  /** `'adam'` (or `'adamax'` in the subclass). */
  readonly kind: string = 'adam';
  /** Decay of the first moment; settable between steps (the paper anneals it). */
  beta1: number;
  /** Decay of the second moment. */
  beta2: number;
  /** Added to the denominator. */
  eps: number;

  constructor(params: ParamsInput, options: AdamOptions = {}) {
    super(params, options.lr ?? 1e-3, options.weightDecay ?? 0);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
  }

  /** [beta1, beta2], PyTorch's `betas`. */
  get betas(): [number, number] {
    return [this.beta1, this.beta2];
  }
  /** Sets beta1 and beta2 from a pair. */
  set betas(b: readonly [number, number]) {
    [this.beta1, this.beta2] = b;
  }

  hyper(): Record<string, number | boolean> {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }

  stateNames(_hyper: Record<string, number | boolean>): string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected updateParam(p: Tensor, g: Tensor, st: ParamState): Tensor {
    const t = st.step;
    const m = this.setState(st, 'exp_avg', ema(st.tensors.exp_avg, g, p, this.beta1, this.weightDecay, false));
    const v = this.setState(st, 'exp_avg_sq', ema(st.tensors.exp_avg_sq, g, p, this.beta2, this.weightDecay, true));
    const stepSize = this.lr / (1 - this.beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    return fusedElementwise(adamStep, [p, m, v, bc2Sqrt, this.eps, stepSize]);
  }
}

/**
 * β·prev + (1−β)·x with x the decayed gradient (its square when `square`), prev = 0 at the first
 * step: one fused pass.
 */
function ema(prev: Tensor | undefined, g: Tensor, p: Tensor, beta: number, weightDecay: number, square: boolean): Tensor {
  return fusedElementwise(emaProgram(!prev, weightDecay !== 0, square), [prev ?? 0, g, p, beta, 1 - beta, weightDecay]);
}

/**
 * Adamax: m ← β1·m + (1−β1)·g; u ← max(β2·u, |g| + eps); p ← p − lr/(1−β1ᵗ) · m/u (PyTorch adds
 * eps inside the max). Default lr 0.002. State: `exp_avg`, `exp_inf`.
 */
export class Adamax extends Adam {
  /** Always `'adamax'`. */
  override readonly kind: string = 'adamax';

  constructor(params: ParamsInput, options: AdamOptions = {}) {
    super(params, { ...options, lr: options.lr ?? 2e-3 });
  }

  override stateNames(_hyper: Record<string, number | boolean>): string[] {
    return ['exp_avg', 'exp_inf'];
  }

  protected override updateParam(p: Tensor, g: Tensor, st: ParamState): Tensor {
    const wd = this.weightDecay;
    const m = this.setState(st, 'exp_avg', ema(st.tensors.exp_avg, g, p, this.beta1, wd, false));
    const prev = st.tensors.exp_inf;
    const u = this.setState(st, 'exp_inf', fusedElementwise(adamaxNorm(!prev, wd !== 0), [prev ?? 0, g, p, this.beta2, this.eps, wd]));
    const clr = this.lr / (1 - this.beta1 ** st.step);
    return fusedElementwise(subScaledRatio, [p, m, u, clr]);
  }
}

/** Options of {@link RMSprop}. */
export interface RMSpropOptions {
  /** The learning rate (default 1e-2). */
  lr?: number;
  /** Decay of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 weight decay (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Whether to divide by the centered second moment (variance) rather than the raw one (default false). */
  centered?: boolean;
}

/**
 * RMSprop: s ← α·s + (1−α)·g²; centered: a ← α·a + (1−α)·g, denom = √(s − a²) + eps, else
 * √s + eps; with momentum buf ← momentum·buf + g/denom, p ← p − lr·buf, else p ← p − lr·g/denom.
 * State: `square_avg`, `grad_avg` (centered), `momentum_buffer` (momentum).
 */
export class RMSprop extends Optimizer {
  /** Always `'rmsprop'`. */
  readonly kind = 'rmsprop';
  /** Decay of the squared-gradient average. */
  alpha: number;
  /** Added to the denominator. */
  eps: number;
  /** Momentum factor. */
  momentum: number;
  /** Whether the second moment is centered. */
  centered: boolean;

  constructor(params: ParamsInput, options: RMSpropOptions = {}) {
    super(params, options.lr ?? 1e-2, options.weightDecay ?? 0);
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.momentum = options.momentum ?? 0;
    this.centered = options.centered ?? false;
  }

  hyper() {
    return { lr: this.lr, alpha: this.alpha, eps: this.eps, weightDecay: this.weightDecay, momentum: this.momentum, centered: this.centered };
  }

  stateNames(hyper: Record<string, number | boolean>): string[] {
    return ['square_avg', ...(hyper.centered === true ? ['grad_avg'] : []), ...((hyper.momentum as number) > 0 ? ['momentum_buffer'] : [])];
  }

  protected updateParam(p: Tensor, g: Tensor, st: ParamState): Tensor {
    const wd = this.weightDecay, decay = wd !== 0, centered = this.centered;
    const s = this.setState(st, 'square_avg', ema(st.tensors.square_avg, g, p, this.alpha, wd, true));
    const a = centered ? this.setState(st, 'grad_avg', ema(st.tensors.grad_avg, g, p, this.alpha, wd, false)) : 0;
    if (this.momentum > 0) {
      const prev = st.tensors.momentum_buffer;
      const next = fusedElementwise(rmspropMomentum(centered, decay, !prev), [g, p, s, a, this.eps, wd, prev ?? 0, this.momentum]);
      const buf = this.setState(st, 'momentum_buffer', next);
      return fusedElementwise(subScaled, [p, buf, this.lr]);
    }
    return fusedElementwise(rmspropStep(centered, decay), [p, g, s, a, this.eps, wd, this.lr]);
  }
}

/** Options of {@link NatureRMSprop}. */
export interface NatureRMSpropOptions {
  /** The learning rate (default 2.5e-4). */
  lr?: number;
  /** decay of both moving averages (the "gradient" and "squared-gradient momentum", 0.95 in DQN) */
  alpha?: number;
  /** the "min squared gradient", added inside the square root */
  eps?: number;
  /** L2 weight decay (default 0). */
  weightDecay?: number;
}

/**
 * The RMSprop of the Nature DQN (Graves 2013; DeepMind's Lua code, deep_q_rl's
 * `deepmind_rmsprop`): a ← α·a + (1−α)·g; s ← α·s + (1−α)·g²; p ← p − lr·g/√(s − a² + eps), with
 * eps **inside** the root (PyTorch's centered RMSprop adds it outside). Both averages start at 0.
 * Defaults are DQN's: lr 2.5e-4, α 0.95, eps 0.01. State: `square_avg`, `grad_avg`.
 */
export class NatureRMSprop extends Optimizer {
  /** Always `'nature-rmsprop'`. */
  readonly kind = 'nature-rmsprop';
  /** Decay of both moving averages. */
  alpha: number;
  /** Added inside the square root. */
  eps: number;

  constructor(params: ParamsInput, options: NatureRMSpropOptions = {}) {
    super(params, options.lr ?? 2.5e-4, options.weightDecay ?? 0);
    this.alpha = options.alpha ?? 0.95;
    this.eps = options.eps ?? 0.01;
    if (!(this.alpha >= 0 && this.alpha < 1)) throw new WnError('NatureRMSprop', `alpha must be in [0, 1), got ${this.alpha}`);
    if (!(this.eps > 0)) throw new WnError('NatureRMSprop', `eps must be > 0 (it keeps the root away from 0), got ${this.eps}`);
  }

  hyper() {
    return { lr: this.lr, alpha: this.alpha, eps: this.eps, weightDecay: this.weightDecay };
  }

  stateNames(_hyper: Record<string, number | boolean>): string[] {
    return ['square_avg', 'grad_avg'];
  }

  protected updateParam(p: Tensor, g: Tensor, st: ParamState): Tensor {
    const wd = this.weightDecay;
    const s = this.setState(st, 'square_avg', ema(st.tensors.square_avg, g, p, this.alpha, wd, true));
    const a = this.setState(st, 'grad_avg', ema(st.tensors.grad_avg, g, p, this.alpha, wd, false));
    return fusedElementwise(natureRmspropStep(wd !== 0), [p, g, s, a, this.eps, wd, this.lr]);
  }
}
