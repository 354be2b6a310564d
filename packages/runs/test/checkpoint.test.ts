import { describe, expect, it } from 'vitest';
import { FileFormatError, memory, tensor, WnError } from '@wn/tensor';
import { decodeSafetensors, encodeSafetensors, Linear, Sequential, BatchNorm, SGD } from '@wn/layers';
import { CorruptFileError, decodeCheckpoint, encodeCheckpoint, readCheckpointHeader, StateBag, type CheckpointParts } from '../src/index.js';
import { prototypeNames } from './helpers.js';
import { trained } from './trained-run.js';

const bagOf = () =>
  new StateBag()
    .setRecord('position', { epoch: 2, step: 5, metrics: [{ loss: 0.5 }] })
    .setGenerator('dropout', { seed: 9, stream: 41 })
    .setArray('replay', Uint8Array.from([0, 7, 255]))
    .setArray('envs', Float32Array.from([0.25, -1.5]))
    .setArray('actions', Int32Array.from([-2147483648, 3]));

function encoded() {
  const a = trained(1);
  const bag = bagOf();
  const t = tensor([1, 2, 3, 4], [2, 2]);
  bag.setTensor('ema-weights', t);
  const bytes = encodeCheckpoint({ kind: 'test-run', settings: { lr: 0.01, width: 1 / 3 }, parts: a.parts, bag });
  t.dispose();
  return { a, bytes };
}

const values = (parts: CheckpointParts) => {
  const m = parts.modules!.model;
  const o = parts.optimizers!.adam.stateDict();
  return {
    model: Object.fromEntries(m.stateEntries().map(([k, h]) => [k, h.value.toArray()])),
    optim: { step: o.stepCount, hyper: o.hyper, params: Object.fromEntries(Object.entries(o.params).map(([k, s]) => [k, { step: s.step, m: s.tensors.exp_avg.toArray(), v: s.tensors.exp_avg_sq.toArray() }])) },
    ema: Object.fromEntries(Object.entries(parts.emas!.ema!.stateDict()).map(([k, t]) => [k, t.toArray()])),
    updates: parts.emas!.ema!.updates,
  };
};

/** Decodes `bytes` into a fresh model and returns the error it throws (or null). */
function tryDecode(bytes: Uint8Array, kind = 'test-run'): unknown {
  const b = trained(2, 0);
  try {
    decodeCheckpoint(bytes, { kind, parts: b.parts, file: 'ck.safetensors' }).bag.dispose();
    return null;
  } catch (e) {
    return e;
  } finally {
    b.dispose();
  }
}

/** Re-encodes a checkpoint with its JSON header edited by `edit` (tensor bytes kept). */
function withHeader(bytes: Uint8Array, edit: (h: any) => void): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}
const editMeta = (bytes: Uint8Array, key: string, edit: (v: any) => any) => withHeader(bytes, (h) => { h.__metadata__[key] = JSON.stringify(edit(JSON.parse(h.__metadata__[key]))); });

describe('checkpoint round trip', () => {
  it('restores modules (with int64 buffers), optimizer state, averages and the state bag exactly', () => {
    const before = memory().tensors;
    const { a, bytes } = encoded();
    const b = trained(2, 0);
    const { bag, settings } = decodeCheckpoint(bytes, { kind: 'test-run', parts: b.parts });
    expect(values(b.parts)).toEqual(values(a.parts));
    expect(settings).toEqual({ lr: 0.01, width: 1 / 3 });
    expect(bag.record('position')).toEqual({ epoch: 2, step: 5, metrics: [{ loss: 0.5 }] });
    expect(bag.generator('dropout')).toEqual({ seed: 9, stream: 41 });
    expect(bag.array('replay')).toEqual(Uint8Array.from([0, 7, 255]));
    expect(bag.array('envs')).toEqual(Float32Array.from([0.25, -1.5]));
    expect(bag.array('actions')).toEqual(Int32Array.from([-2147483648, 3]));
    // bytes are stored as bytes (U8), not widened to F32
    expect(decodeSafetensors(bytes).tensors['array.replay']).toMatchObject({ dtype: 'U8', shape: [3] });
    const t = bag.takeTensor('ema-weights');
    expect(t.shape).toEqual([2, 2]);
    expect(t.toArray()).toEqual([1, 2, 3, 4]);
    t.dispose();
    bag.dispose();
    a.dispose();
    b.dispose();
    expect(memory().tensors).toBe(before);
  });

  it('reads the header alone', () => {
    const { a, bytes } = encoded();
    const h = readCheckpointHeader(bytes, 'ck', 'test-run');
    expect(h.kind).toBe('test-run');
    expect(h.records).toMatchObject({ position: { epoch: 2, step: 5 } });
    expect(Object.getPrototypeOf(h.records)).toBe(null);
    a.dispose();
  });

  it('refuses records that JSON cannot hold, and names that could reach a prototype', () => {
    expect(() => new StateBag().setRecord('loss', NaN)).toThrow(/'loss' holds NaN/);
    expect(() => new StateBag().setRecord('x', { t: new Float32Array(2) } as any)).toThrow(/plain JSON/);
    expect(() => new StateBag().setRecord('__proto__', 1)).toThrow(WnError);
    expect(() => new StateBag().setTensor('a.constructor', tensor([1]))).toThrow(/not allowed/);
    expect(() => new StateBag().setRecord('x', JSON.parse('{"__proto__": {"polluted": 1}}'))).toThrow(/'__proto__'/);
    expect(() => new StateBag().setArray('u8', Uint8Array.from([1])).setArray('bad', [1, 2] as any)).toThrow(/expected one of Float32Array/);
  });
});

describe('a checkpoint that is empty, truncated or corrupt gets CorruptFileError naming the file and the field', () => {
  const { a, bytes } = encoded();
  a.dispose();

  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /^ck\.safetensors: the file is empty/],
    ['1 byte', bytes.subarray(0, 1), /^ck\.safetensors: field 'header length': the file is truncated \(1 bytes/],
    ['header cut', bytes.subarray(0, 40), /field 'header length': the header claims \d+ bytes but the file has only 32/],
    ['data cut', bytes.subarray(0, bytes.length - 4), /field 'tensors': .*data/],
    ['header not JSON', (() => { const c = bytes.slice(); c[9] = 0x7b; c[10] = 0x7b; return c; })(), /field 'header': not valid JSON/],
    ['header null', withHeader(bytes, (h) => { for (const k of Object.keys(h)) delete h[k]; }), /field '__metadata__.format': not a @wn\/runs checkpoint \(format missing/],
    ['another program', bytes, /field '__metadata__.kind': written by 'test-run', not by 'other'/],
    ['settings not JSON', withHeader(bytes, (h) => { h.__metadata__.settings = '{oops'; }), /field '__metadata__.settings': not valid JSON/],
    ['negative learning rate', editMeta(bytes, 'optimizers', (o) => { o.adam.hyper.lr = -1; return o; }), /field 'optimizers.adam.hyper.lr': expected ≥ 0, got -1/],
    ['another optimizer kind', editMeta(bytes, 'optimizers', (o) => { o.adam.kind = 'sgd'; return o; }), /field 'optimizers.adam.kind': the checkpoint's optimizer is 'sgd', the run's is 'adam'/],
    ['no parameter states', editMeta(bytes, 'optimizers', (o) => { o.adam.steps = {}; return o; }), /has no step count in optimizers.adam.steps/],
    ['step count not a number', editMeta(bytes, 'optimizers', (o) => { o.adam.stepCount = '3'; return o; }), /field 'optimizers.adam.stepCount': expected a finite number, got "3"/],
    ['unknown hyperparameter', editMeta(bytes, 'optimizers', (o) => { o.adam.hyper.toString = 1; return o; }), /field 'optimizers.adam.hyper.toString': not a hyperparameter of adam/],
    ['ema updates negative', editMeta(bytes, 'emas', (o) => { o.ema.updates = -1; return o; }), /field 'emas.ema.updates': expected ≥ 0, got -1/],
    ['array kind unknown', editMeta(bytes, 'arrays', (o) => { o.replay = 'BigInt64Array'; return o; }), /field 'arrays.replay': expected one of 'Float32Array'/],
    ['array value out of range', editMeta(bytes, 'arrays', (o) => { o.envs = 'Uint8Array'; return o; }), /field 'array.envs': 0.25 does not fit a Uint8Array/],
    ['records a list', withHeader(bytes, (h) => { h.__metadata__.records = '[1]'; }), /field 'records': expected an object, got a list/],
    ['a record name a bag refuses (found by the fuzzer)', editMeta(bytes, 'records', (o) => ({ ...o, 'p\u0000sition': 1 })), /field 'records\.p.sition': saved name "p\\u0000sition" is not allowed/],
    ['a tensor of another model', withHeader(bytes, (h) => { h['module.model.9.weight'] = h['module.model.0.weight']; delete h['module.model.0.weight']; }), /field 'module.model.0.weight': missing/],
    ['a wrong shape', withHeader(bytes, (h) => { h['module.model.2.bias'].shape = [1, 2]; }), /field 'module.model.2.bias': shape \[1, 2\], the model's is \[2\]/],
  ];
  for (const [name, input, message] of cases) {
    it(name, () => {
      const e = tryDecode(input, name === 'another program' ? 'other' : 'test-run');
      expect(e).toBeInstanceOf(CorruptFileError);
      expect((e as CorruptFileError).file).toBe('ck.safetensors');
      expect((e as Error).message).toMatch(message);
    });
  }

  it('every truncation of the file is a CorruptFileError (never a RangeError)', () => {
    for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 97))) {
      expect(tryDecode(bytes.subarray(0, n))).toBeInstanceOf(CorruptFileError);
    }
  });

  it('seeded byte mutations either load or fail with CorruptFileError, and never touch Object.prototype', () => {
    const protoBefore = prototypeNames();
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const outcomes = { loaded: 0, corrupt: 0 };
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    for (let i = 0; i < 150; i++) {
      const c = bytes.slice();
      // mostly the header (where the structure is), sometimes anywhere
      for (let k = 0; k < 1 + (next() % 3); k++) {
        const at = next() % 4 === 0 ? next() % c.length : 8 + (next() % n);
        c[at] = next() % 4 === 0 ? [0x22, 0x7b, 0x2c, 0x30, 0x2d][next() % 5] : next() & 255;
      }
      const e = tryDecode(c);
      if (e === null) outcomes.loaded++;
      else {
        expect(e).toBeInstanceOf(CorruptFileError);
        outcomes.corrupt++;
      }
    }
    expect(outcomes.corrupt).toBeGreaterThan(50);
    expect(prototypeNames()).toEqual(protoBefore);
  });
});

describe('prototype names in a checkpoint', () => {
  const base = () => {
    const a = trained(1);
    const bytes = encodeCheckpoint({ kind: 'test-run', settings: {}, parts: a.parts, bag: new StateBag() });
    a.dispose();
    return bytes;
  };
  const hostile: [string, (h: any) => void][] = [
    ['a tensor key model.__proto__.x', (h) => { h['module.__proto__.polluted'] = h['module.model.0.bias']; }],
    ['a tensor key __proto__.x', (h) => { h['__proto__.polluted'] = h['module.model.0.bias']; }],
    ['a tensor key constructor.x', (h) => { h['constructor.polluted'] = h['module.model.0.bias']; }],
    ['a tensor named __proto__', (h) => { Object.defineProperty(h, '__proto__', { value: h['module.model.0.bias'], enumerable: true }); }],
    ['an optimizer named __proto__', (h) => { h.__metadata__.optimizers = '{"__proto__": {"kind": "adam"}}'; }],
    ['a hyperparameter __proto__', (h) => { const o = JSON.parse(h.__metadata__.optimizers); h.__metadata__.optimizers = JSON.stringify(o).replace('"hyper":{', '"hyper":{"__proto__":{"polluted":1},'); }],
    ['a record key __proto__', (h) => { h.__metadata__.records = '{"a": {"__proto__": {"polluted": 1}}}'; }],
    ['a bag tensor prototype', (h) => { h['tensor.prototype'] = h['module.model.0.bias']; }],
  ];
  for (const [name, edit] of hostile) {
    it(`${name}: refused, Object.prototype unchanged`, () => {
      const protoBefore = prototypeNames();
      const e = tryDecode(withHeader(base(), edit));
      expect(e).toBeInstanceOf(CorruptFileError);
      expect((e as Error).message).toMatch(/__proto__|constructor|prototype/);
      expect(prototypeNames()).toEqual(protoBefore);
      expect(({} as any).polluted).toBeUndefined();
      expect((Object as any).polluted).toBeUndefined();
    });
  }

  it('a safetensors file that is not a checkpoint is named as such', () => {
    const e = tryDecode(encodeSafetensors({ w: tensor([1]) }));
    expect(e).toBeInstanceOf(CorruptFileError);
    expect((e as Error).message).toMatch(/not a @wn\/runs checkpoint \(format missing/);
  });

  it('an SGD run cannot load an Adam checkpoint (kinds are compared, not just shapes)', () => {
    const bytes = base();
    const m = new Sequential([new Linear(3, 4, { rng: 1 }), new BatchNorm(4), new Linear(4, 2, { rng: 2 })]);
    const sgd = new SGD(m, { lr: 0.1 });
    expect(() => decodeCheckpoint(bytes, { kind: 'test-run', parts: { modules: { model: m }, optimizers: { adam: sgd } } })).toThrow(/the checkpoint's optimizer is 'adam', the run's is 'sgd'/);
    m.dispose();
  });
});

describe('one error type', () => {
  it('a corrupt checkpoint is a FileFormatError (and a WnError) naming the file and the field', () => {
    const e = tryDecode(new Uint8Array([1, 2, 3]));
    expect(e).toBeInstanceOf(CorruptFileError);
    expect(e).toBeInstanceOf(FileFormatError);
    expect(e).toBeInstanceOf(WnError);
    expect((e as FileFormatError).file).toBe('ck.safetensors');
    expect((e as Error).message).toMatch(/^ck\.safetensors: /);
  });
});
