/**
 * Model and optimizer state as safetensors bytes, with PyTorch's state-dict names (`conv.weight_g`,
 * `bn.running_var`, `bn.num_batches_tracked` stored as I64), so a file written by PyTorch loads
 * here and one written here loads in PyTorch (`safetensors.torch.load_file` + `load_state_dict`).
 */
import { dispose, tensor, WnError, type Tensor } from '@wn/tensor';
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

/**
 * Loads safetensors bytes into the model. Strict by default: a missing key, an unexpected key or a
 * shape mismatch throws a WnError naming the key (with expected and actual shapes); nothing is
 * changed unless all entries check out. Returns the file's metadata.
 */
export function loadState(model: Module, bytes: Uint8Array, options: { strict?: boolean } = {}): Record<string, string> | null {
  const file = decodeSafetensors(bytes);
  const tensors = safetensorsToTensors(file);
  try {
    model.loadStateDict(tensors, options);
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

/** Restores optimizer state written by `saveOptimizerState` (checks kind, names and shapes). */
export function loadOptimizerState(optimizer: Optimizer, bytes: Uint8Array, options: { hyper?: boolean } = {}): void {
  const file = decodeSafetensors(bytes);
  const meta = file.metadata;
  if (!meta || meta.format !== 'wn-optimizer') throw new WnError('loadOptimizerState', `not an optimizer state file (metadata format ${meta?.format ?? 'missing'})`);
  const steps = JSON.parse(meta.steps ?? '{}') as Record<string, number>;
  const params: OptimizerState['params'] = {};
  for (const [name, step] of Object.entries(steps)) params[name] = { step, tensors: {} };
  const created: Tensor[] = [];
  for (const [key, t] of Object.entries(file.tensors)) {
    const dot = key.lastIndexOf('.');
    const name = key.slice(0, dot);
    if (dot < 0 || !params[name]) throw new WnError('loadOptimizerState', `tensor '${key}' belongs to no parameter listed in the metadata`);
    const x = tensor(t.values, t.shape);
    created.push(x);
    params[name].tensors[key.slice(dot + 1)] = x;
  }
  try {
    optimizer.loadStateDict({ kind: meta.kind ?? '', stepCount: Number(meta.stepCount ?? 0), hyper: JSON.parse(meta.hyper ?? '{}'), params }, options);
  } finally {
    for (const x of created) x.dispose();
  }
}
