/**
 * Checkpoints as bytes (no file system: this runs in a browser too). One safetensors file holds
 * - tensors `module.<name>.<key>` (each module's state dict, PyTorch names),
 *   `optim.<name>.<param>.<state>` (optimizer state), `ema.<name>.<param>` (parameter averages),
 *   `tensor.<bag name>` and `array.<bag name>` (the state bag's tensors and typed arrays);
 * - metadata: `format`, `version`, `kind` (which program wrote it), `settings` (the run's settings
 *   as JSON; a resume must use the same), `records` (the bag's JSON records), `optimizers`,
 *   `emas` and `arrays` (step counts, hyperparameters, array kinds).
 *
 * Decoding checks everything before it changes anything: the container, each metadata field
 * (values, not only shapes), every tensor name against the live modules/optimizers/averages and
 * every shape; each failure is a `CorruptFileError` naming the file and the field.
 */
import { dispose, tensor, WnError, type Tensor } from '@wn/tensor';
import { Buffer as StateBuffer, decodeSafetensors, encodeSafetensors, type Module, type Optimizer, type OptimizerState, type ParamEMA, type SafetensorsInput, type SafetensorsTensor } from '@wn/layers';
import { emptyRecord, FieldReader, type JsonValue } from './checked.js';
import { CorruptFileError } from './errors.js';
import { checkBagName, STORED_ARRAY_KINDS, StateBag, storedArrayKind, type StoredArray, type StoredArrayKind } from './state-bag.js';

/** The `format` metadata of a checkpoint file; other values are refused. */
export const CHECKPOINT_FORMAT = 'wn-runs-checkpoint';
/** The checkpoint layout version this code writes and reads. */
export const CHECKPOINT_VERSION = '1';

/** The live objects a checkpoint saves and restores, by name (e.g. `{ model }`, or `{ online, target }` for DQN). */
export interface CheckpointParts {
  /** Modules whose state dicts (parameters and buffers) are saved. */
  modules?: Readonly<Record<string, Module>>;
  /** Optimizers whose state (step counts, hyperparameters, moment tensors) is saved. */
  optimizers?: Readonly<Record<string, Optimizer>>;
  /** Parameter averages to save; a null entry is a part this run does not use. */
  emas?: Readonly<Record<string, ParamEMA | null | undefined>>;
}

/** Everything one checkpoint holds. */
export interface CheckpointContents {
  /** which program wrote it (e.g. 'wn-classify'); loading with another kind is refused */
  kind: string;
  /** the run's settings (JSON); compared on resume */
  settings: JsonValue;
  /** The live objects saved (on write) or restored in place (on read). */
  parts: CheckpointParts;
  /** Everything else: JSON records, tensors and typed arrays. */
  bag: StateBag;
}

/** A checkpoint's header, readable without restoring anything. */
export interface CheckpointHeader {
  /** Which program wrote it. */
  kind: string;
  /** The run's settings when it was written. */
  settings: JsonValue;
  /** the bag's records (null-prototype object) */
  records: Record<string, JsonValue>;
}

/** Part names become tensor-name segments: one segment each. */
const PART_NAME = /^[A-Za-z0-9_-]+$/;

function partEntries<T>(group: string, parts: Readonly<Record<string, T | null | undefined>> | undefined): [string, T][] {
  const out: [string, T][] = [];
  for (const [name, p] of Object.entries(parts ?? {})) {
    if (!PART_NAME.test(name) || name === '__proto__' || name === 'constructor' || name === 'prototype') throw new WnError('encodeCheckpoint', `${group} name ${JSON.stringify(name)}: use letters, digits, _ and -`);
    if (p) out.push([name, p]);
  }
  return out;
}

/** Bytes stay bytes (U8: a bit-packed replay memory costs what it weighs); Float32 holds the other small integer kinds exactly; the 32-bit ones go to int64. */
const ARRAY_DTYPE: Record<StoredArrayKind, 'F32' | 'I64' | 'U8'> = { Float32Array: 'F32', Uint8Array: 'U8', Int8Array: 'F32', Uint16Array: 'F32', Int16Array: 'F32', Int32Array: 'I64', Uint32Array: 'I64' };
const ARRAY_RANGE: Record<StoredArrayKind, [number, number] | null> = {
  Float32Array: null, Uint8Array: [0, 255], Int8Array: [-128, 127], Uint16Array: [0, 65535], Int16Array: [-32768, 32767], Int32Array: [-2147483648, 2147483647], Uint32Array: [0, 4294967295],
};

/** Serializes a checkpoint to safetensors bytes. */
export function encodeCheckpoint(contents: CheckpointContents): Uint8Array {
  const { parts, bag } = contents;
  const entries = emptyRecord<SafetensorsInput>();
  for (const [name, m] of partEntries('module', parts.modules)) {
    for (const [k, h] of m.stateEntries()) entries[`module.${name}.${k}`] = h instanceof StateBuffer && h.dtype === 'I64' ? { tensor: h.value, dtype: 'I64' } : h.value;
  }
  const optimizers = emptyRecord<JsonValue>();
  for (const [name, o] of partEntries('optimizer', parts.optimizers)) {
    const s = o.stateDict();
    const steps = emptyRecord<number>();
    for (const [param, st] of Object.entries(s.params)) {
      steps[param] = st.step;
      for (const [k, t] of Object.entries(st.tensors)) entries[`optim.${name}.${param}.${k}`] = t;
    }
    optimizers[name] = { kind: s.kind, stepCount: s.stepCount, hyper: s.hyper, steps };
  }
  const emas = emptyRecord<JsonValue>();
  for (const [name, e] of partEntries('ema', parts.emas)) {
    for (const [k, t] of Object.entries(e.stateDict())) entries[`ema.${name}.${k}`] = t;
    emas[name] = { updates: e.updates, decay: e.decay };
  }
  for (const name of bag.tensorNames) entries[`tensor.${name}`] = bag.tensor(name)!;
  const arrays = emptyRecord<string>();
  for (const name of bag.arrayNames) {
    const a = bag.array(name)!;
    const kind = storedArrayKind(a)!;
    arrays[name] = kind;
    entries[`array.${name}`] = { values: a, shape: [a.length], dtype: ARRAY_DTYPE[kind] };
  }
  return encodeSafetensors(entries, {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    kind: contents.kind,
    settings: JSON.stringify(contents.settings),
    records: JSON.stringify(bag.records()),
    optimizers: JSON.stringify(optimizers),
    emas: JSON.stringify(emas),
    arrays: JSON.stringify(arrays),
  });
}

// ---- reading -----------------------------------------------------------------------------------

interface RawHeader {
  metadata: Record<string, string>;
  names: string[];
}

/**
 * The safetensors header of untrusted bytes, checked: 8-byte length inside the file, UTF-8 JSON
 * object, string metadata, tensor names free of prototype segments.
 */
function readRawHeader(bytes: Uint8Array, r: FieldReader): RawHeader {
  if (!(bytes instanceof Uint8Array)) r.fail('', 'expected bytes (a Uint8Array)');
  if (bytes.length === 0) r.fail('', 'the file is empty (0 bytes): an interrupted copy or a full disk? A checkpoint starts with an 8-byte header length');
  if (bytes.length < 8) r.fail('header length', `the file is truncated (${bytes.length} bytes; a checkpoint starts with an 8-byte header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) r.fail('header length', `the header claims ${n64} bytes but the file has only ${bytes.length - 8} after the length: truncated or not a checkpoint`);
  const n = Number(n64);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return r.fail('header', 'not valid UTF-8');
  }
  const header = r.object(r.json(text, 'header'), 'header');
  const names: string[] = [];
  let metadata = emptyRecord<string>();
  for (const key of Object.keys(header)) {
    if (key === '__metadata__') {
      const m = r.object(header[key], '__metadata__');
      for (const k of Object.keys(m)) metadata[k] = r.string(m[k], `__metadata__.${k}`);
      continue;
    }
    names.push(r.name(key, `tensor '${key}'`));
  }
  if (Object.keys(metadata).length === 0) metadata = emptyRecord<string>();
  return { metadata, names };
}

function readHeader(bytes: Uint8Array, file: string, expectedKind: string | null): CheckpointHeader & { raw: RawHeader; r: FieldReader } {
  const r = new FieldReader(file);
  const raw = readRawHeader(bytes, r);
  const meta = raw.metadata;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(meta, k);
  if (!has('format') || meta.format !== CHECKPOINT_FORMAT) r.fail('__metadata__.format', `not a @wn/runs checkpoint (format ${has('format') ? JSON.stringify(meta.format) : 'missing'}, expected '${CHECKPOINT_FORMAT}')`);
  if (!has('version') || meta.version !== CHECKPOINT_VERSION) r.fail('__metadata__.version', `version ${has('version') ? JSON.stringify(meta.version) : 'missing'} is not one this library reads (${CHECKPOINT_VERSION})`);
  const kind = has('kind') ? meta.kind : r.fail('__metadata__.kind', 'missing');
  if (expectedKind !== null && kind !== expectedKind) r.fail('__metadata__.kind', `written by '${kind}', not by '${expectedKind}'`);
  for (const k of ['settings', 'records', 'optimizers', 'emas', 'arrays']) if (!has(k)) r.fail(`__metadata__.${k}`, 'missing');
  const settings = r.jsonValue(r.json(meta.settings, '__metadata__.settings'), 'settings');
  const records = r.object(r.jsonValue(r.json(meta.records, '__metadata__.records'), 'records'), 'records') as Record<string, JsonValue>;
  // the names a bag accepts, checked here so a bad one is named with the file
  for (const name of Object.keys(records)) checkName(r, `records.${name}`, name);
  return { kind, settings, records, raw, r };
}

/**
 * The kind, settings and records of checkpoint bytes, from the header alone (nothing restored).
 * `kind`: the expected writer, or null to accept any.
 */
export function readCheckpointHeader(bytes: Uint8Array, file = 'checkpoint', kind: string | null = null): CheckpointHeader {
  const { kind: k, settings, records } = readHeader(bytes, file, kind);
  return { kind: k, settings, records };
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Splits `<part>.<rest>` of a tensor name. */
function splitPart(r: FieldReader, full: string, rest: string): [string, string] {
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1) r.fail(`tensor '${full}'`, 'expected <part>.<name>');
  return [rest.slice(0, dot), rest.slice(dot + 1)];
}

/**
 * Restores `parts` in place from checkpoint bytes and returns the saved state bag (its tensors are
 * new: take them with `bag.takeTensor`, and `bag.dispose()` the rest). `kind` must match the
 * writer's. Nothing is changed unless the whole file checks out.
 */
export function decodeCheckpoint(bytes: Uint8Array, options: { kind: string; parts: CheckpointParts; file?: string }): { bag: StateBag; settings: JsonValue } {
  const file = options.file ?? 'checkpoint';
  const { settings, records, raw, r } = readHeader(bytes, file, options.kind);
  const modules = new Map(partEntries('module', options.parts.modules));
  const optimizers = new Map(partEntries('optimizer', options.parts.optimizers));
  const emas = new Map(partEntries('ema', options.parts.emas));

  // 1. metadata records, checked against the live parts
  const optMeta = r.object(r.json(raw.metadata.optimizers, '__metadata__.optimizers'), 'optimizers');
  const emaMeta = r.object(r.json(raw.metadata.emas, '__metadata__.emas'), 'emas');
  const arrayMeta = r.object(r.json(raw.metadata.arrays, '__metadata__.arrays'), 'arrays');
  const optStates = new Map<string, { opt: Optimizer; kind: string; stepCount: number; hyper: Record<string, number | boolean>; steps: Map<string, number> }>();
  for (const name of new Set([...Object.keys(optMeta), ...optimizers.keys()])) {
    const field = `optimizers.${name}`;
    const opt = optimizers.get(name) ?? r.fail(field, `the checkpoint has optimizer '${name}' but the run has ${[...optimizers.keys()].map((n) => `'${n}'`).join(', ') || 'none'}`);
    if (!(name in optMeta)) r.fail(field, 'missing');
    const o = r.object(optMeta[name], field);
    const kind = r.field(o, 'kind', field, (v, f) => r.string(v, f));
    if (kind !== opt.kind) r.fail(`${field}.kind`, `the checkpoint's optimizer is '${kind}', the run's is '${opt.kind}'`);
    const stepCount = r.field(o, 'stepCount', field, (v, f) => r.count(v, f));
    const liveHyper = opt.hyper();
    const hyperObj = r.field(o, 'hyper', field, (v, f) => r.object(v, f));
    const hyper = emptyRecord<number | boolean>();
    for (const k of new Set([...Object.keys(hyperObj), ...Object.keys(liveHyper)])) {
      const f = `${field}.hyper.${k}`;
      if (!Object.hasOwn(liveHyper, k)) r.fail(f, `not a hyperparameter of ${opt.kind} (${Object.keys(liveHyper).join(', ')})`);
      if (!Object.hasOwn(hyperObj, k)) r.fail(f, 'missing');
      // hyperparameters (learning rate, betas, eps, decay, momentum) are finite and non-negative
      hyper[k] = typeof liveHyper[k] === 'boolean' ? r.boolean(hyperObj[k], f) : r.number(hyperObj[k], f, { min: 0 });
    }
    const stepsObj = r.field(o, 'steps', field, (v, f) => r.object(v, f));
    const steps = new Map<string, number>();
    const known = new Set(opt.names);
    for (const p of Object.keys(stepsObj)) {
      if (!known.has(p)) r.fail(`${field}.steps.${p}`, `no such parameter in the run's optimizer`);
      steps.set(p, r.count(stepsObj[p], `${field}.steps.${p}`));
    }
    optStates.set(name, { opt, kind, stepCount, hyper, steps });
  }
  const emaStates = new Map<string, { ema: ParamEMA; updates: number }>();
  for (const name of new Set([...Object.keys(emaMeta), ...emas.keys()])) {
    const field = `emas.${name}`;
    const ema = emas.get(name) ?? r.fail(field, `the checkpoint has parameter averages '${name}' but the run keeps ${[...emas.keys()].map((n) => `'${n}'`).join(', ') || 'none'}`);
    if (!(name in emaMeta)) r.fail(field, 'missing (the run keeps parameter averages, the checkpoint has none)');
    const o = r.object(emaMeta[name], field);
    emaStates.set(name, { ema, updates: r.field(o, 'updates', field, (v, f) => r.count(v, f)) });
    r.field(o, 'decay', field, (v, f) => r.number(v, f, { min: 0, max: 1 }));
  }
  const arrayKinds = new Map<string, StoredArrayKind>();
  for (const name of Object.keys(arrayMeta)) arrayKinds.set(checkName(r, `arrays.${name}`, name), r.oneOf(arrayMeta[name], `arrays.${name}`, STORED_ARRAY_KINDS));

  // 2. tensor names and shapes against the live parts (from the header; values read later)
  const decoded = decodeValues(bytes, r);
  const moduleTensors = new Map<string, Map<string, SafetensorsTensor>>([...modules.keys()].map((n) => [n, new Map()]));
  const optTensors = new Map<string, Map<string, Map<string, SafetensorsTensor>>>([...optimizers.keys()].map((n) => [n, new Map()]));
  const emaTensors = new Map<string, Map<string, SafetensorsTensor>>([...emas.keys()].map((n) => [n, new Map()]));
  const bagTensors = new Map<string, SafetensorsTensor>();
  const bagArrays = new Map<string, SafetensorsTensor>();
  for (const full of raw.names) {
    const t = decoded.get(full)!;
    const dot = full.indexOf('.');
    const group = dot > 0 ? full.slice(0, dot) : '';
    const rest = full.slice(dot + 1);
    const field = `tensor '${full}'`;
    if (group === 'module') {
      const [name, key] = splitPart(r, full, rest);
      const m = moduleTensors.get(name) ?? r.fail(field, `the run has no module '${name}' (has ${[...modules.keys()].join(', ') || 'none'})`);
      m.set(key, t);
    } else if (group === 'optim') {
      const [name, key] = splitPart(r, full, rest);
      const o = optTensors.get(name) ?? r.fail(field, `the run has no optimizer '${name}'`);
      const last = key.lastIndexOf('.');
      if (last <= 0) r.fail(field, 'expected optim.<optimizer>.<parameter>.<state>');
      const param = key.slice(0, last);
      if (!optStates.get(name)!.steps.has(param)) r.fail(field, `parameter '${param}' has no step count in optimizers.${name}.steps`);
      if (!o.has(param)) o.set(param, new Map());
      o.get(param)!.set(key.slice(last + 1), t);
    } else if (group === 'ema') {
      const [name, key] = splitPart(r, full, rest);
      (emaTensors.get(name) ?? r.fail(field, `the run keeps no parameter averages '${name}'`)).set(key, t);
    } else if (group === 'tensor') {
      bagTensors.set(checkName(r, field, rest), t);
    } else if (group === 'array') {
      if (!arrayKinds.has(rest)) r.fail(field, 'its kind is missing from the arrays metadata');
      bagArrays.set(rest, t);
    } else {
      r.fail(field, `unexpected group '${group}' (module, optim, ema, tensor, array)`);
    }
  }
  for (const [name, m] of modules) {
    const saved = moduleTensors.get(name)!;
    const entries = m.stateEntries();
    const own = new Set(entries.map(([k]) => k));
    const missing = entries.filter(([k]) => !saved.has(k)).map(([k]) => k);
    const unexpected = [...saved.keys()].filter((k) => !own.has(k));
    if (missing.length) r.fail(`module.${name}.${missing[0]}`, `missing${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}: the checkpoint is of another model or settings`);
    if (unexpected.length) r.fail(`module.${name}.${unexpected[0]}`, `not in the run's model${unexpected.length > 1 ? ` (and ${unexpected.length - 1} more)` : ''}`);
    for (const [k, h] of entries) {
      const t = saved.get(k)!;
      if (!sameShape(t.shape, h.shape)) r.fail(`module.${name}.${k}`, `shape ${shapeText(t.shape)}, the model's is ${shapeText(h.shape)}`);
    }
  }
  for (const [name, st] of optStates) {
    const shapes = new Map(st.opt.names.map((n, i) => [n, st.opt.params[i].shape]));
    for (const [param, ts] of optTensors.get(name)!) {
      for (const [k, t] of ts) {
        checkName(r, `optim.${name}.${param}.${k}`, k);
        if (!sameShape(t.shape, shapes.get(param)!)) r.fail(`optim.${name}.${param}.${k}`, `shape ${shapeText(t.shape)}, the parameter's is ${shapeText(shapes.get(param)!)}`);
      }
    }
  }
  for (const [name, { ema }] of emaStates) {
    const saved = emaTensors.get(name)!;
    ema.names.forEach((n, i) => {
      const t = saved.get(n) ?? r.fail(`ema.${name}.${n}`, 'missing');
      if (!sameShape(t.shape, ema.params[i].shape)) r.fail(`ema.${name}.${n}`, `shape ${shapeText(t.shape)}, the parameter's is ${shapeText(ema.params[i].shape)}`);
    });
    const extra = [...saved.keys()].find((k) => !ema.names.includes(k));
    if (extra !== undefined) r.fail(`ema.${name}.${extra}`, 'not a parameter of the run');
  }
  const arrays = new Map<string, StoredArray>();
  for (const [name, kind] of arrayKinds) {
    const t = bagArrays.get(name) ?? r.fail(`array.${name}`, 'missing (named in the arrays metadata)');
    if (t.shape.length !== 1) r.fail(`array.${name}`, `expected a 1-d array, got shape ${shapeText(t.shape)}`);
    const range = ARRAY_RANGE[kind];
    if (range) for (const v of t.values) if (!Number.isInteger(v) || v < range[0] || v > range[1]) r.fail(`array.${name}`, `${v} does not fit a ${kind}`);
    arrays.set(name, new globalThis[kind](t.values));
  }

  // 3. everything checks out: restore
  const bag = new StateBag();
  bag.source = file;
  for (const [k, v] of Object.entries(records)) bag.setRecord(k, v);
  for (const [k, a] of arrays) bag.setArray(k, a);
  const made: Tensor[] = [];
  const toTensor = (t: SafetensorsTensor) => {
    const x = tensor(t.values, t.shape);
    made.push(x);
    return x;
  };
  try {
    for (const [name, m] of modules) {
      const dict = emptyRecord<Tensor>();
      for (const [k, t] of moduleTensors.get(name)!) dict[k] = toTensor(t);
      m.loadStateDict(dict);
    }
    for (const [name, st] of optStates) {
      const params = emptyRecord<OptimizerState['params'][string]>();
      for (const [p, step] of st.steps) params[p] = { step, tensors: emptyRecord<Tensor>() };
      for (const [p, ts] of optTensors.get(name)!) for (const [k, t] of ts) params[p].tensors[k] = toTensor(t);
      st.opt.loadStateDict({ kind: st.kind, stepCount: st.stepCount, hyper: st.hyper, params });
    }
    for (const [name, { ema, updates }] of emaStates) {
      const dict = emptyRecord<Tensor>();
      for (const [k, t] of emaTensors.get(name)!) dict[k] = toTensor(t);
      ema.loadStateDict(dict);
      ema.updates = updates;
    }
  } catch (e) {
    if (e instanceof CorruptFileError) throw e;
    throw new CorruptFileError(file, 'tensors', `could not be restored: ${(e as Error).message}`);
  } finally {
    dispose(made);
  }
  for (const [k, t] of bagTensors) bag.setTensor(k, tensor(t.values, t.shape));
  return { bag, settings };
}

function checkName(r: FieldReader, field: string, name: string): string {
  try {
    return checkBagName('saved', name);
  } catch (e) {
    return r.fail(field, (e as Error).message.replace(/^StateBag: /, ''));
  }
}

/** The tensors' values, with the container's own checks (offsets, dtypes) reported as this file's errors. */
function decodeValues(bytes: Uint8Array, r: FieldReader): Map<string, SafetensorsTensor> {
  let tensors: Record<string, SafetensorsTensor>;
  try {
    tensors = decodeSafetensors(bytes).tensors;
  } catch (e) {
    return r.fail('tensors', (e as Error).message);
  }
  return new Map(Object.entries(tensors));
}
