/** Modules: names, state, modes, clone, errors naming layer paths, finite checks, memory. */
import { describe, expect, it } from 'vitest';
import { full, memory, mean, mul, Rng, sum, tensor, tidy, type Tensor } from '@wn/tensor';
import {
  Adam, BatchNorm, Conv2d, Dropout, GlobalAvgPool2d, LayerError, Linear, manualSeed, MaxPool2d, Module, Param, ReLU, Sequential, paramGrads,
  weightNorm, type Layer,
} from '../src/index.js';

class Net extends Module {
  enc = new Sequential([new Conv2d(3, 4, 3, { rng: 1 }), new BatchNorm(4)]);
  heads = [new Linear(4, 2, { rng: 2 }), weightNorm(new Linear(4, 3, { rng: 3 }))];
  extra = { proj: new Linear(2, 2, { bias: false, rng: 4 }) };
  temperature = new Param(tensor([1]), { trainable: false });
  note = 'not a child';
}

describe('names and state', () => {
  it('dotted names from fields, arrays and records; parameters then buffers per module, parents first', () => {
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual([
      'temperature',
      'enc.0.weight', 'enc.0.bias',
      'enc.1.weight', 'enc.1.bias', 'enc.1.running_mean', 'enc.1.running_var', 'enc.1.num_batches_tracked',
      'heads.0.weight', 'heads.0.bias',
      'heads.1.weight_g', 'heads.1.weight_v', 'heads.1.bias',
      'extra.proj.weight',
    ]);
    expect(net.namedTrainableParameters().map(([n]) => n)).not.toContain('temperature');
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['enc.1.running_mean', 'enc.1.running_var', 'enc.1.num_batches_tracked']);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'enc', 'enc.0', 'enc.1', 'heads.0', 'heads.1', 'extra.proj']);
    expect(net.numParameters()).toBe(1 + 4 * 27 + 4 + 4 + 4 + 8 + 2 + 3 + 3 + 12 + 4);
    expect(net.summary()).toContain('heads.1: Linear weight_g[3, 1] weight_v[3, 4] bias[3]');
  });

  it('a shared module is named once', () => {
    const shared = new Linear(2, 2);
    const seq = new Sequential({ a: shared, b: new ReLU(), c: shared });
    expect(Object.keys(seq.stateDict())).toEqual(['a.weight', 'a.bias']);
  });

  it('loadStateDict: checked keys and shapes, a hint for weight-norm mismatches, non-strict mode', () => {
    const plain = new Linear(4, 3);
    const wn = weightNorm(new Linear(4, 3));
    expect(() => wn.loadStateDict(plain.stateDict())).toThrow(/missing keys 'weight_g', 'weight_v'; unexpected key 'weight'.*weight-normalized but the state is not/);
    expect(() => plain.loadStateDict(wn.stateDict())).toThrow(/state is weight-normalized but the model is not/);
    expect(() => plain.loadStateDict({ ...plain.stateDict(), weight: tensor(new Float32Array(8), [2, 4]) })).toThrow(/key 'weight': shape mismatch: expected \[3, 4\], got \[2, 4\]/);
    const r = wn.loadStateDict({ bias: tensor([1, 2, 3]) }, { strict: false });
    expect(r.missing).toEqual(['weight_g', 'weight_v']);
    expect(Array.from(wn.bias!.value.dataSync())).toEqual([1, 2, 3]);
  });

  it('train()/eval() reach every descendant', () => {
    const net = new Net();
    net.eval();
    expect(net.namedModules().every(([, m]) => !m.training)).toBe(true);
    net.train();
    expect(net.namedModules().every(([, m]) => m.training)).toBe(true);
  });

  it('clone() is deep: same outputs, independent parameters, same dropout stream', () => {
    tidy(() => {
      const model = new Sequential([weightNorm(new Linear(4, 8, { rng: 1 })), new ReLU(), new Dropout(0.5, { rng: 2 }), new Linear(8, 2, { rng: 3 })]);
      const copy = model.clone();
      const x = new Rng(4).normal([5, 4]);
      expect(Array.from(copy.forward(x).dataSync())).toEqual(Array.from(model.forward(x).dataSync()));
      expect(copy.get(0)).not.toBe(model.get(0));
      const p = copy.namedParameters()[0][1];
      expect(p).not.toBe(model.namedParameters()[0][1]);
      p.update(mul(p.value, 2));
      expect(Array.from(model.namedParameters()[0][1].value.dataSync())).not.toEqual(Array.from(p.value.dataSync()));
    });
  });
});

describe('initialization (PyTorch defaults, seeded)', () => {
  const range = (t: Tensor) => {
    const d = Array.from(t.dataSync());
    return [Math.min(...d), Math.max(...d), d.reduce((a, b) => a + b * b, 0) / d.length];
  };
  it('Linear / Conv2d: U(±1/√fan_in) for weight and bias', () => {
    const l = new Linear(100, 50, { rng: 1 });
    const b = 0.1;
    const [lo, hi, ms] = range((l.weight as Param).value);
    expect(lo).toBeGreaterThanOrEqual(-b);
    expect(hi).toBeLessThanOrEqual(b);
    expect(hi).toBeGreaterThan(0.99 * b);
    expect(ms).toBeCloseTo((b * b) / 3, 4);
    const [blo, bhi] = range(l.bias!.value);
    expect(Math.max(-blo, bhi)).toBeLessThanOrEqual(b);
    const c = new Conv2d(4, 16, 5, { rng: 2 });
    const cb = 1 / Math.sqrt(4 * 25);
    const [clo, chi] = range((c.weight as Param).value);
    expect(Math.max(-clo, chi)).toBeLessThanOrEqual(cb);
    expect(Math.max(-clo, chi)).toBeGreaterThan(0.98 * cb);
  });

  it('seeded: the same seed rebuilds the same model; manualSeed makes default-seeded models reproducible', () => {
    const a = new Linear(6, 4, { rng: 42 }), b = new Linear(6, 4, { rng: 42 }), c = new Linear(6, 4, { rng: 43 });
    expect(Array.from((a.weight as Param).value.dataSync())).toEqual(Array.from((b.weight as Param).value.dataSync()));
    expect(Array.from((a.weight as Param).value.dataSync())).not.toEqual(Array.from((c.weight as Param).value.dataSync()));
    const build = () => new Sequential([new Linear(3, 3), new Dropout(0.3), new Linear(3, 2)]);
    manualSeed(7);
    const m1 = build();
    manualSeed(7);
    const m2 = build();
    for (const [k, v] of Object.entries(m1.stateDict())) expect(Array.from(v.dataSync())).toEqual(Array.from(m2.stateDict()[k].dataSync()));
  });
});

describe('errors name the layer path, the expected and the actual shape', () => {
  const model = () =>
    new Sequential({
      block1: new Sequential({ conv: new Conv2d(3, 4, 3, { padding: 1 }), bn: new BatchNorm(4), relu: new ReLU() }) as Layer,
      pool: new GlobalAvgPool2d(),
      head: new Linear(4, 2),
    });

  it('wrong input channels', () => {
    const x = tidy(() => full([2, 5, 8, 8], 1));
    expect(() => model().forward(x)).toThrow(LayerError);
    expect(() => model().forward(x)).toThrow('block1.conv (Conv2d): expected input [N, 3, H, W], got [2, 5, 8, 8]');
  });

  it('wrong features of a dense layer; the standalone layer names its class', () => {
    expect(() => new Linear(4, 2).forward(tidy(() => full([3, 5], 1)))).toThrow('Linear: expected input [N, 4] (last axis 4 features), got [3, 5]');
  });

  it('a batch of one where batch statistics are needed (eval mode is fine)', () => {
    const m = model();
    const x = tidy(() => new Rng(1).normal([1, 3, 1, 1]));
    expect(() => m.forward(x)).toThrow(/block1\.bn \(BatchNorm\): batch statistics need more than one value per channel, got input \[1, 4, 1, 1\]/);
    m.eval();
    expect(tidy(() => [...m.forward(x).shape])).toEqual([1, 2]);
  });

  it('errors from tensor ops inside a layer carry the layer path', () => {
    const m = new Sequential({ features: new Sequential({ pool: new MaxPool2d(4) }) as Layer });
    expect(() => m.forward(tidy(() => full([1, 1, 2, 2], 1)))).toThrow(/^features\.pool \(MaxPool2d\): maxPool2d: input 2×2 is smaller/);
  });
});

describe('checkFinite: NaN/Inf reported at the layer where it first appears', () => {
  const build = () =>
    new Sequential({
      block1: new Sequential({ fc: new Linear(3, 4, { rng: 1 }), act: new ReLU() }) as Layer,
      block2: new Sequential({ fc: new Linear(4, 2, { rng: 2 }) }) as Layer,
    });

  it('a non-finite parameter', () => {
    const m = build();
    m.checkFinite = true;
    const fc = m.get<Sequential>('block2').get<Linear>('fc');
    (fc.weight as Param).update(tidy(() => tensor([1, 0, 0, 0, 0, NaN, 0, 0], [2, 4])));
    const x = tidy(() => new Rng(3).normal([2, 3]));
    expect(() => m.forward(x)).toThrow(/^block2\.fc \(Linear\): non-finite output .*its input was finite; non-finite weight/);
    m.checkFinite = false;
    expect(() => m.forward(x)).not.toThrow();
  });

  it('an overflow inside the network, and a non-finite input', () => {
    const m = build();
    m.checkFinite = true;
    const fc = m.get<Sequential>('block1').get<Linear>('fc');
    (fc.weight as Param).update(tidy(() => full([4, 3], 1e30)));
    expect(() => m.forward(tidy(() => full([2, 3], 1e10)))).toThrow(/^block1\.fc \(Linear\): non-finite output .*\(Infinity.*its input was finite/);
    expect(() => build().train().forward(tidy(() => tensor([[1, NaN, 2]])))).not.toThrow();
    const m2 = build();
    m2.checkFinite = true;
    expect(() => m2.forward(tidy(() => tensor([[1, NaN, 2]])))).toThrow(/non-finite input to the model/);
  });
});

describe('memory', () => {
  it('forward, backward and an optimizer step inside tidy leave no tensors behind', () => {
    const model = new Sequential([weightNorm(new Conv2d(2, 3, 3, { rng: 1 })), new BatchNorm(3), new ReLU(), new GlobalAvgPool2d(), weightNorm(new Linear(3, 2, { rng: 2 }))]);
    const opt = new Adam(model, { lr: 1e-3 });
    const x = tidy(() => new Rng(1).normal([4, 2, 5, 5]));
    const step = () =>
      tidy(() => {
        const { grads } = paramGrads(opt.params, () => mean(mul(model.forward(x), model.forward(x))));
        opt.step(grads);
      });
    step(); // creates optimizer state
    const before = memory();
    step();
    step();
    expect(memory()).toEqual(before);
    void sum;
  });
});
