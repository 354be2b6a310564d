/**
 * Checkpoints: one safetensors file holding the model state (`model.*`), the optimizer state
 * (`optim.<param>.<state>`), the parameter averages (`ema.*`) and, in the metadata, a JSON record
 * of where training stands (epoch, step within it, partial sums, metrics so far). One file means
 * one atomic rename: a crash leaves either the previous checkpoint or the new one, never a mix.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { dispose, tensor, WnError, type Tensor } from '@wn/tensor';
import { Buffer as StateBuffer, decodeSafetensors, encodeSafetensors, type Module, type Optimizer, type ParamEMA, type SafetensorsInput } from '@wn/layers';

/** Writes `path` via a temp file in the same folder, fsync and rename (atomic on POSIX). */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export interface TrainingParts {
  model: Module;
  optimizer: Optimizer;
  ema?: ParamEMA | null;
}

const META_KEY = 'wn-classify-checkpoint';
const OPTIM_KEY = 'optimizer';

/** Serializes the model, optimizer, EMA and a JSON-serializable `state` into safetensors bytes. */
export function encodeCheckpoint<S>(parts: TrainingParts, state: S): Uint8Array {
  const entries: Record<string, SafetensorsInput> = {};
  for (const [name, h] of parts.model.stateEntries()) {
    entries[`model.${name}`] = h instanceof StateBuffer && h.dtype === 'I64' ? { tensor: h.value, dtype: 'I64' } : h.value;
  }
  const opt = parts.optimizer.stateDict();
  const steps: Record<string, number> = {};
  for (const [name, st] of Object.entries(opt.params)) {
    steps[name] = st.step;
    for (const [k, t] of Object.entries(st.tensors)) entries[`optim.${name}.${k}`] = t;
  }
  if (parts.ema) for (const [name, t] of Object.entries(parts.ema.stateDict())) entries[`ema.${name}`] = t;
  return encodeSafetensors(entries, {
    format: 'wn-classify-checkpoint',
    [META_KEY]: JSON.stringify(state),
    [OPTIM_KEY]: JSON.stringify({ kind: opt.kind, stepCount: opt.stepCount, hyper: opt.hyper, steps, emaUpdates: parts.ema?.updates ?? 0 }),
  });
}

/** Restores model, optimizer and EMA from checkpoint bytes in place; returns the saved `state`. */
export function restoreCheckpoint<S>(bytes: Uint8Array, parts: TrainingParts): S {
  const file = decodeSafetensors(bytes);
  const meta = file.metadata;
  if (!meta || meta.format !== 'wn-classify-checkpoint' || !meta[META_KEY]) {
    throw new WnError('restoreCheckpoint', `not a wn-classify checkpoint (metadata format ${meta?.format ?? 'missing'})`);
  }
  const groups: Record<'model' | 'optim' | 'ema', Record<string, Tensor>> = { model: {}, optim: {}, ema: {} };
  for (const [key, t] of Object.entries(file.tensors)) {
    const dot = key.indexOf('.');
    const group = key.slice(0, dot) as keyof typeof groups;
    if (!(group in groups)) throw new WnError('restoreCheckpoint', `unexpected tensor '${key}'`);
    groups[group][key.slice(dot + 1)] = tensor(t.values, t.shape);
  }
  try {
    parts.model.loadStateDict(groups.model);
    const o = JSON.parse(meta[OPTIM_KEY]) as { kind: string; stepCount: number; hyper: Record<string, number | boolean>; steps: Record<string, number>; emaUpdates: number };
    const params: Record<string, { step: number; tensors: Record<string, Tensor> }> = {};
    for (const [name, step] of Object.entries(o.steps)) params[name] = { step, tensors: {} };
    for (const [key, t] of Object.entries(groups.optim)) {
      const dot = key.lastIndexOf('.');
      const name = key.slice(0, dot);
      if (!params[name]) throw new WnError('restoreCheckpoint', `optimizer tensor '${key}' belongs to no parameter in the metadata`);
      params[name].tensors[key.slice(dot + 1)] = t;
    }
    parts.optimizer.loadStateDict({ kind: o.kind, stepCount: o.stepCount, hyper: o.hyper, params });
    if (parts.ema) {
      parts.ema.loadStateDict(groups.ema);
      parts.ema.updates = o.emaUpdates;
    }
  } finally {
    dispose(groups);
  }
  return JSON.parse(meta[META_KEY]) as S;
}

export function saveCheckpoint<S>(path: string, parts: TrainingParts, state: S): void {
  writeFileAtomic(path, encodeCheckpoint(parts, state));
}

/** The saved `state` of a checkpoint file, read from its header alone (nothing is restored). */
export function readCheckpointState<S>(path: string): S {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as { __metadata__?: Record<string, string> };
  const meta = header.__metadata__;
  if (!meta || meta.format !== 'wn-classify-checkpoint' || !meta[META_KEY]) throw new WnError('readCheckpointState', `${path} is not a wn-classify checkpoint`);
  return JSON.parse(meta[META_KEY]) as S;
}

/** Loads a checkpoint file if it exists; returns its state, or null when there is none. */
export function loadCheckpoint<S>(path: string, parts: TrainingParts): S | null {
  if (!existsSync(path)) return null;
  return restoreCheckpoint<S>(new Uint8Array(readFileSync(path)), parts);
}
