/**
 * Hostile safetensors and optimizer-state files: no name reaches a prototype, nothing is dropped,
 * every failure is the library's FileFormatError naming the file and the field, and every
 * metadata value is checked (not only its shape).
 */
import { describe, expect, it } from 'vitest';
import { FileFormatError, mean, mul, Rng, sub, tidy } from '@wn/tensor';
import {
  Adam, decodeSafetensors, encodeSafetensors, Linear, loadOptimizerState, loadState, prototypeKeySegment, saveOptimizerState, saveState, SGD, trainStep,
  type SafetensorsInput,
} from '../src/index.js';

/** A file from a raw header string (keys like "__proto__" survive only in JSON text) and data. */
function rawFile(json: string, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const protoNames = (): string[][] => [Object.getOwnPropertyNames(Object.prototype).sort(), Object.getOwnPropertyNames(Array.prototype).sort()];

/** The error `fn` throws, which must be a FileFormatError. */
function fileError(fn: () => unknown): FileFormatError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FileFormatError);
    return error as FileFormatError;
  }
  throw new Error('expected a FileFormatError');
}

describe('safetensors names', () => {
  it('a tensor named __proto__ (or constructor.x, __proto__.x) is kept, and no prototype changes', () => {
    const before = protoNames();
    const entry = (k: number) => `{"dtype":"F32","shape":[1],"data_offsets":[${4 * k},${4 * k + 4}]}`;
    const json = `{"__proto__":${entry(0)},"constructor.x":${entry(1)},"__proto__.polluted":${entry(2)}}`;
    const file = decodeSafetensors(rawFile(json, new Uint8Array(new Float32Array([1, 2, 3]).buffer)));
    expect(Object.keys(file.tensors).sort()).toEqual(['__proto__', '__proto__.polluted', 'constructor.x']);
    expect(Array.from(file.tensors['__proto__'].values)).toEqual([1]);
    expect(Object.getPrototypeOf(file.tensors)).toBeNull();
    expect(protoNames()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // …and the writer keeps such a name too.
    const again = decodeSafetensors(encodeSafetensors(Object.fromEntries([['__proto__', { values: [5], shape: [1] }]]) as Record<string, SafetensorsInput>));
    expect(Object.keys(again.tensors)).toEqual(['__proto__']);
  });

  it('dtypes are checked against own properties: constructor, toString, __proto__ are not dtypes', () => {
    for (const dtype of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const error = fileError(() => decodeSafetensors(rawFile(`{"a":{"dtype":"${dtype}","shape":[0],"data_offsets":[0,0]}}`, new Uint8Array(0)), { source: 'd.safetensors' }));
      expect(error.message).toBe(`d.safetensors: a.dtype: unsupported dtype "${dtype}"`);
      expect(error.field).toBe('a.dtype');
    }
  });

  it('loadState refuses __proto__/constructor/prototype segments, naming the file and the name', () => {
    const before = protoNames();
    const model = new Linear(1, 1, { rng: 1 });
    for (const name of ['__proto__.polluted', 'constructor.x', 'weight.prototype']) {
      const json = `{"${name}":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`;
      const error = fileError(() => loadState(model, rawFile(json, new Uint8Array(4)), { source: 'm.safetensors' }));
      expect(error.message).toMatch(new RegExp(`^m\\.safetensors: ${name.replace(/\./g, '\\.')}: refusing the name`));
    }
    expect(protoNames()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('raw failures become FileFormatErrors naming the file: 1 byte, a null header, bad JSON, model mismatch', () => {
    const model = new Linear(1, 1, { rng: 1 });
    expect(fileError(() => loadState(model, new Uint8Array(1), { source: 'one.bin' })).message).toBe('one.bin: file too short (1 bytes)');
    expect(fileError(() => loadState(model, rawFile('null', new Uint8Array(0)), { source: 'n.bin' })).message).toBe('n.bin: header: the header must be a JSON object');
    expect(fileError(() => loadState(model, rawFile('{"a":', new Uint8Array(0)), { source: 'j.bin' })).message).toMatch(/^j\.bin: header: the header is not valid UTF-8 JSON/);
    const other = saveState(new Linear(2, 1, { rng: 1 }));
    expect(fileError(() => loadState(model, other, { source: 'w.bin' })).message).toMatch(/^w\.bin: loadStateDict: key 'weight': shape mismatch/);
  });
});

describe('optimizer state files', () => {
  const x = new Rng(2).normal([8, 3]);
  const y = new Rng(3).normal([8, 1]);
  const model = new Linear(3, 1, { rng: 4 });
  const trained = new Adam(model, { lr: 0.01 });
  for (let i = 0; i < 2; i++) trainStep(trained, () => tidy(() => { const d = sub(model.forward(x), y); return mean(mul(d, d)); }));
  const good = saveOptimizerState(trained);

  /** `good` with its metadata edited and tensors renamed. */
  function edited(meta: Record<string, string>, rename: Record<string, string> = {}): Uint8Array {
    const file = decodeSafetensors(good);
    const entries: [string, SafetensorsInput][] = Object.entries(file.tensors).map(([k, t]) => [rename[k] ?? k, { values: t.values, shape: t.shape }]);
    return encodeSafetensors(Object.fromEntries(entries) as Record<string, SafetensorsInput>, { ...file.metadata, ...meta });
  }
  const load = (bytes: Uint8Array, options: { hyper?: boolean } = {}) => {
    const opt = new Adam(model, { lr: 0.5 });
    loadOptimizerState(opt, bytes, { ...options, source: 'opt.safetensors' });
    return opt;
  };

  it('a good file still loads', () => {
    const opt = load(good);
    expect([opt.lr, opt.stepCount, opt.paramState(0)!.step]).toEqual([0.01, 2, 2]);
  });

  it('a __proto__ hyperparameter record or parameter name is refused and the optimizer keeps its prototype', () => {
    const before = protoNames();
    const opt = new Adam(model, { lr: 0.5 });
    const bytes = edited({ hyper: '{"__proto__":{"lr":7},"lr":0.01}' });
    expect(fileError(() => loadOptimizerState(opt, bytes, { source: 'p.bin' })).message).toMatch(/^p\.bin: metadata\.hyper: refusing the name "__proto__"/);
    expect(Object.getPrototypeOf(opt)).toBe(Adam.prototype);
    expect(opt.lr).toBe(0.5);
    expect(fileError(() => load(edited({ steps: '{"__proto__":2,"weight_g":2}' }))).field).toBe('metadata.steps');
    for (const key of ['__proto__.exp_avg', 'constructor.exp_avg']) {
      // Before: "Cannot set properties of undefined (setting 'exp_avg')".
      expect(fileError(() => load(edited({}, { 'weight.exp_avg': key }))).message).toMatch(/^opt\.safetensors: .*refusing the name/);
    }
    // Optimizer.loadStateDict itself (what checkpoint readers call) checks hyperparameter names by own property.
    const direct = new Adam(model, { lr: 0.5 });
    const hyper = JSON.parse('{"__proto__":{"lr":7}}') as Record<string, number>;
    expect(() => direct.loadStateDict({ kind: 'adam', stepCount: 0, hyper, params: {} })).toThrow(/hyper\.__proto__: not a hyperparameter of adam/);
    expect(Object.getPrototypeOf(direct)).toBe(Adam.prototype);
    expect(protoNames()).toEqual(before);
  });

  it('every metadata value is checked: lr −1, another kind, params {}, a non-numeric step count, …', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ hyper: '{"lr":-1}' }, /hyper\.lr: expected a number finite and ≥ 0, got -1/],
      [{ hyper: '{"beta1":1.5}' }, /hyper\.beta1: expected a number in \[0, 1\), got 1\.5/],
      [{ hyper: '{"eps":"1e-8"}' }, /hyper\.eps: expected a number, got '1e-8'/],
      [{ hyper: '{"momentum":0.9}' }, /hyper\.momentum: not a hyperparameter of adam/],
      [{ kind: 'sgd' }, /state is for 'sgd', this optimizer is 'adam'/],
      [{ steps: '{}' }, /opt\.safetensors: .*belongs to no parameter listed in the metadata/],
      [{ stepCount: 'abc' }, /metadata\.stepCount: expected a decimal integer ≥ 0, got "abc"/],
      [{ stepCount: '1' }, /step must be an integer in 1\.\.stepCount \(1\), got 2/],
      [{ hyper: '[1]' }, /metadata\.hyper: expected a JSON object, got \[1\]/],
      [{ steps: '{"weight":"2","bias":2}' }, /metadata\.steps\.weight: expected a number, got "2"/],
      [{ format: 'pt' }, /metadata\.format: not an optimizer state file/],
    ];
    for (const [meta, message] of cases) expect(fileError(() => load(edited(meta))).message, JSON.stringify(meta)).toMatch(message);
    // params {} with steps taken: no tensors and no steps.
    const empty = encodeSafetensors({}, { format: 'wn-optimizer', kind: 'adam', stepCount: '2', hyper: '{}', steps: '{}' });
    expect(fileError(() => load(empty)).message).toMatch(/stepCount is 2 but no parameter has state/);
    // A missing state tensor.
    const file = decodeSafetensors(good);
    const partial = encodeSafetensors({ 'weight.exp_avg': { values: file.tensors['weight.exp_avg'].values, shape: file.tensors['weight.exp_avg'].shape } }, { ...file.metadata, steps: '{"weight":2}' });
    expect(fileError(() => load(partial)).message).toMatch(/'weight': state tensors \[exp_avg\] do not match the ones adam keeps with these hyperparameters: \[exp_avg, exp_avg_sq\]/);
    expect(() => loadOptimizerState(new SGD(model, { lr: 1 }), good)).toThrow(FileFormatError);
  });
});

describe('prototypeKeySegment', () => {
  it('finds __proto__, constructor and prototype as whole dotted segments only', () => {
    expect(prototypeKeySegment('__proto__')).toBe('__proto__');
    expect(prototypeKeySegment('a.constructor.b')).toBe('constructor');
    expect(prototypeKeySegment('net.prototype')).toBe('prototype');
    expect(prototypeKeySegment('conv.weight_g')).toBeUndefined();
    expect(prototypeKeySegment('prototypes.constructors')).toBeUndefined();
  });
});
