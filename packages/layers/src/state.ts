/**
 * Model and optimizer state as safetensors bytes, with PyTorch's state-dict names (`conv.weight_g`,
 * `bn.running_var`, `bn.num_batches_tracked` stored as I64), so a file written by PyTorch loads
 * here and one written here loads in PyTorch (`safetensors.torch.load_file` + `load_state_dict`).
 */
import { dispose, FileFormatError, tensor, WnError, type Tensor } from '@wn/tensor';
import { prototypeKeySegment } from './names.js';
import type { Module } from './module.js';
import { Buffer } from './module.js';
import type { Optimizer, OptimizerState } from './optim/optimizer.js';
import { decodeSafetensors, encodeSafetensors, safetensorsToTensors, type SafetensorsInput } from './safetensors.js';

/** The model's state dict as safetensors bytes (metadata `format: pt` unless overridden). */
export function saveState(model: Module, metadata: Record<string, string> = {}): Uint8Array {
  const entries: Record<string, SafetensorsInput> = {};
  for (const [name, h] of model.stateEntries()) entries[name] = h instanceof Buffer && h.dtype === 'I64' ? { tensor: h.value, dtype: 'I64' } : h.value;
  return encodeSafetensors(entries, { format: 'pt', ...metadata });
}

/** Where the bytes came from (a path or a label), named in errors. */
export interface StateSource {
  /** The path or label named in errors. */
  source?: string;
}

/**
 * An error of the library as a FileFormatError naming the file (when known): what the file holds
 * does not fit the model or optimizer. A FileFormatError already says where.
 */
function inFile(op: string, source: string | undefined, error: unknown): unknown {
  if (error instanceof FileFormatError || !(error instanceof WnError)) return error;
  return new FileFormatError({ op, file: source, cause: error }, error.message);
}

/** A name that would reach a prototype when mapped onto objects is refused, never dropped. */
function checkName(op: string, source: string | undefined, field: string, name: string): void {
  const segment = prototypeKeySegment(name);
  if (segment !== undefined) {
    throw new FileFormatError({ op, file: source, field }, `refusing the name ${JSON.stringify(name)}: its segment '${segment}' could reach an object's prototype`);
  }
}

/**
 * Loads safetensors bytes into the model. Strict by default: a missing key, an unexpected key or a
 * shape mismatch throws a WnError naming the key (with expected and actual shapes); nothing is
 * changed unless all entries check out. Names with a `__proto__`, `constructor` or `prototype`
 * segment are refused. Errors are FileFormatErrors naming `options.source` when given. Returns
 * the file's metadata.
 */
export function loadState(model: Module, bytes: Uint8Array, options: { strict?: boolean } & StateSource = {}): Record<string, string> | null {
  const { source } = options;
  const file = decodeSafetensors(bytes, { source });
  for (const name of Object.keys(file.tensors)) checkName('loadState', source, name, name);
  const tensors = safetensorsToTensors(file);
  try {
    model.loadStateDict(tensors, options);
  } catch (error) {
    throw inFile('loadState', source, error);
  } finally {
    dispose(tensors);
  }
  return file.metadata;
}

/**
 * Optimizer state as safetensors: tensors named `<param name>.<state name>` (PyTorch's state
 * names: exp_avg, exp_avg_sq, exp_inf, square_avg, grad_avg, momentum_buffer); kind, step counts
 * and hyperparameters in the metadata.
 */
export function saveOptimizerState(optimizer: Optimizer): Uint8Array {
  const s = optimizer.stateDict();
  const entries: Record<string, Tensor> = {};
  const steps: Record<string, number> = {};
  for (const [name, st] of Object.entries(s.params)) {
    steps[name] = st.step;
    for (const [k, t] of Object.entries(st.tensors)) entries[`${name}.${k}`] = t;
  }
  return encodeSafetensors(entries, {
    format: 'wn-optimizer',
    kind: s.kind,
    stepCount: String(s.stepCount),
    hyper: JSON.stringify(s.hyper),
    steps: JSON.stringify(steps),
  });
}

/**
 * Restores optimizer state written by `saveOptimizerState`. Every metadata field is checked
 * against its schema and its range (see `Optimizer.loadStateDict`), names with a `__proto__`,
 * `constructor` or `prototype` segment are refused, and nothing changes unless all of it checks
 * out. Errors are FileFormatErrors naming `options.source` (when given) and the field.
 */
export function loadOptimizerState(optimizer: Optimizer, bytes: Uint8Array, options: { hyper?: boolean } & StateSource = {}): void {
  const { source } = options;
  const op = 'loadOptimizerState';
  const fail = (field: string | undefined, message: string, cause?: unknown): FileFormatError =>
    new FileFormatError({ op, file: source, field, cause }, message);
  const file = decodeSafetensors(bytes, { source });
  const meta = file.metadata;
  if (!meta || meta.format !== 'wn-optimizer') throw fail('metadata.format', `not an optimizer state file (metadata format ${meta?.format ?? 'missing'})`);
  const field = (key: string): string => {
    if (!Object.hasOwn(meta, key)) throw fail(`metadata.${key}`, 'missing');
    return meta[key];
  };
  const json = (key: string): Record<string, unknown> => {
    let value: unknown;
    try {
      value = JSON.parse(field(key));
    } catch (error) {
      throw fail(`metadata.${key}`, `not valid JSON: ${(error as Error).message}`, error);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail(`metadata.${key}`, `expected a JSON object, got ${field(key)}`);
    for (const k of Object.keys(value)) checkName(op, source, `metadata.${key}`, k);
    return value as Record<string, unknown>;
  };
  const kind = field('kind');
  const stepCountText = field('stepCount');
  const stepCount = /^\d{1,15}$/.test(stepCountText) ? Number(stepCountText) : NaN;
  if (!Number.isSafeInteger(stepCount)) throw fail('metadata.stepCount', `expected a decimal integer ≥ 0, got ${JSON.stringify(stepCountText)}`);
  const hyper = json('hyper');
  const steps = json('steps');
  // Untrusted names: a Map from parameter name to its state, filled from the metadata.
  const params = new Map<string, { step: number; tensors: Record<string, Tensor> }>();
  for (const [name, step] of Object.entries(steps)) {
    if (typeof step !== 'number') throw fail(`metadata.steps.${name}`, `expected a number, got ${JSON.stringify(step)}`);
    params.set(name, { step, tensors: Object.create(null) as Record<string, Tensor> });
  }
  for (const key of Object.keys(file.tensors)) {
    checkName(op, source, key, key);
    const dot = key.lastIndexOf('.');
    if (dot < 0 || !params.has(key.slice(0, dot))) throw fail(key, `tensor '${key}' belongs to no parameter listed in the metadata`);
  }
  const created: Tensor[] = [];
  try {
    for (const [key, t] of Object.entries(file.tensors)) {
      const dot = key.lastIndexOf('.');
      const x = tensor(t.values, t.shape);
      created.push(x);
      params.get(key.slice(0, dot))!.tensors[key.slice(dot + 1)] = x;
    }
    const state: OptimizerState = { kind, stepCount, hyper: hyper as OptimizerState['hyper'], params: Object.assign(Object.create(null) as OptimizerState['params'], Object.fromEntries(params)) };
    optimizer.loadStateDict(state, options);
  } catch (error) {
    throw inFile(op, source, error);
  } finally {
    for (const x of created) x.dispose();
  }
}
