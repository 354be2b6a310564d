/** Data-dependent initialization (section 2.2): afterwards every initialized pre-activation has mean 0 and std 1 on the batch. */
import { afterAll, describe, expect, it } from 'vitest';
import { add, mul, Rng, tidy, type Tensor } from '@wn/tensor';
import {
  Conv2d, convTransposeUnit, convUnit, denseUnit, GlobalAvgPool2d, initFromData, LeakyReLU, Linear, LSTMCell, MaxPool2d, Module, ReLU,
  Sequential, Unit, VARIANTS, weightNorm, type Layer,
} from '../src/index.js';

/** Mean and std (population) per unit along axis 1 (over batch and spatial positions). */
function unitStats(y: Tensor): { mean: number[]; std: number[] } {
  const d = y.dataSync();
  const C = y.shape[1];
  const inner = y.shape.slice(2).reduce((a, b) => a * b, 1);
  const n = y.size / C;
  const s = new Float64Array(C), s2 = new Float64Array(C);
  for (let i = 0; i < d.length; i++) {
    const c = Math.floor(i / inner) % C;
    s[c] += d[i];
  }
  const mean = Array.from(s, (v) => v / n);
  for (let i = 0; i < d.length; i++) {
    const c = Math.floor(i / inner) % C;
    s2[c] += (d[i] - mean[c]) ** 2;
  }
  return { mean, std: Array.from(s2, (v) => Math.sqrt(v / n)) };
}

/** Runs a Sequential of Units (and plain layers) and returns each unit's pre-activation (after its norm layer, before its activation). */
function preActivations(model: Sequential, x: Tensor): Tensor[] {
  const out: Tensor[] = [];
  let h = x;
  for (const layer of model.layers()) {
    if (layer instanceof Unit) {
      let pre = layer.main.forward(h);
      if (layer.norm) pre = layer.norm.forward(pre);
      out.push(pre);
      h = layer.namedChildren().some(([n]) => n === 'act') ? layer.get('act').forward(pre) : pre;
    } else h = layer.forward(h);
  }
  return out;
}

let worstMean = 0, worstStd = 0;
function expectNormalized(pres: Tensor[], std = 1, tol = 1e-4): void {
  for (const p of pres) {
    const st = unitStats(p);
    st.mean.forEach((m) => (worstMean = Math.max(worstMean, Math.abs(m) / std)));
    st.std.forEach((s) => (worstStd = Math.max(worstStd, Math.abs(s - std) / std)));
    st.mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(tol * std));
    st.std.forEach((s) => expect(Math.abs(s - std)).toBeLessThan(tol * std));
  }
}

function input(shape: number[], seed: number): Tensor {
  // shifted and scaled so that the statistics are far from 0 / 1 before the init
  return add(mul(new Rng(seed).normal(shape), 3), 1.5);
}

describe('initFromData', () => {
  it('weight-normalized MLP: every pre-activation has mean 0, std 1 on the batch; report in forward order', () => {
    tidy(() => {
      const rng = new Rng(1);
      const p = { variant: 'weightnorm+init' as const, rng };
      const model = new Sequential({
        fc1: denseUnit(10, 16, { ...p, activation: new ReLU() }),
        fc2: denseUnit(16, 16, { ...p, activation: new ReLU() }),
        out: denseUnit(16, 4, p),
      });
      const x = input([32, 10], 2);
      const before = preActivations(model, x);
      expect(Math.abs(unitStats(before[0]).std[0] - 1)).toBeGreaterThan(0.1);
      const report = initFromData(model, x);
      expect(report.layers.map((r) => r.path)).toEqual(['fc1.main', 'fc2.main', 'out.main']);
      expect(report.notReached).toEqual([]);
      expectNormalized(preActivations(model, x));
      // b = −μ/σ·g convention: pre-activation = g·t + b
      expect(report.layers[0].units).toBe(16);
    });
  });

  it('conv + pool + transposed conv + dense, with leaky ReLU: all normalized (per channel over N, H, W)', () => {
    tidy(() => {
      const rng = new Rng(3);
      const p = { variant: 'weightnorm+init' as const, rng };
      const model = new Sequential({
        c1: convUnit(3, 6, 3, { ...p, padding: 1, activation: new LeakyReLU(0.1) }),
        pool: new MaxPool2d(2),
        c2: convUnit(6, 8, 3, { ...p, padding: 1, activation: new LeakyReLU(0.1) }),
        up: convTransposeUnit(8, 5, 3, { ...p, stride: 2, padding: 1, outputPadding: 1, activation: new ReLU() }),
        gap: new GlobalAvgPool2d(),
        fc: denseUnit(5, 3, p),
      });
      const x = input([4, 3, 8, 8], 4);
      const report = initFromData(model, x);
      expect(report.layers.map((r) => r.path)).toEqual(['c1.main', 'c2.main', 'up.main', 'fc.main']);
      expectNormalized(preActivations(model, x));
    });
  });

  it('initScale sets the target std', () => {
    tidy(() => {
      const model = new Sequential({ a: denseUnit(6, 5, { variant: 'weightnorm+init', rng: 5, activation: new ReLU() }), b: denseUnit(5, 3, { variant: 'weightnorm+init', rng: 6 }) });
      const x = input([20, 6], 7);
      initFromData(model, x, { initScale: 0.1 });
      expectNormalized(preActivations(model, x), 0.1);
    });
  });

  it('initScale per layer: a function of the path gives each layer its own target std', () => {
    tidy(() => {
      const model = new Sequential({ a: denseUnit(6, 5, { variant: 'weightnorm+init', rng: 5, activation: new ReLU() }), b: denseUnit(5, 3, { variant: 'weightnorm+init', rng: 6 }) });
      const x = input([20, 6], 7);
      const report = initFromData(model, x, { initScale: (path) => (path === 'b.main' ? 0.1 : 1) });
      expect(report.layers.map((r) => [r.path, r.scale])).toEqual([['a.main', 1], ['b.main', 0.1]]);
      const [a, b] = preActivations(model, x);
      expectNormalized([a], 1);
      expectNormalized([b], 0.1);
    });
  });

  it('initScale must be positive and finite, named with the layer', () => {
    tidy(() => {
      const model = new Sequential({ a: denseUnit(6, 5, { variant: 'weightnorm+init', rng: 5 }) });
      const x = input([20, 6], 7);
      expect(() => initFromData(model, x, { initScale: () => 0 })).toThrow(/initScale for 'a\.main' must be a positive finite number, got 0/);
      expect(() => initFromData(model, x, { initScale: Number.NaN })).toThrow(/got NaN/);
    });
  });

  it('weight norm + mean-only batch norm: the centred pre-activations have std 1 (g ← 1/σ on bias-free layers)', () => {
    tidy(() => {
      const p = { variant: 'weightnorm+meanonlybn' as const, rng: 8 };
      const model = new Sequential({ a: convUnit(3, 4, 3, { ...p, activation: new ReLU() }), b: convUnit(4, 4, 3, p) });
      const x = input([3, 3, 7, 7], 9);
      const report = initFromData(model, x);
      expect(report.layers.every((r) => !r.centered)).toBe(true);
      expectNormalized(preActivations(model, x));
    });
  });

  it("the authors' standard-parameterization variant: DataInitScale with a frozen scale", () => {
    tidy(() => {
      const p = { variant: { ...VARIANTS.standard, norm: 'dataInitScale', bias: false, dataInit: true } as const, rng: 10 };
      const model = new Sequential({ a: convUnit(3, 4, 3, { ...p, activation: new ReLU() }), b: convUnit(4, 2, 3, p) });
      const x = input([3, 3, 7, 7], 11);
      const report = initFromData(model, x);
      expect(report.layers.map((r) => `${r.path} ${r.layer}`)).toEqual(['a.norm DataInitScale', 'b.norm DataInitScale']);
      expectNormalized(preActivations(model, x));
      const names = model.namedTrainableParameters().map(([n]) => n);
      expect(names).not.toContain('a.norm.scale');
      expect(names).toContain('a.norm.bias');
      expect(model.namedParameters().map(([n]) => n)).toContain('a.norm.scale');
    });
  });

  it('works with a function for custom wiring, and leaves unreached layers listed', () => {
    tidy(() => {
      const a = weightNorm(new Linear(4, 3, { rng: 1 }));
      const unused = weightNorm(new Linear(4, 3, { rng: 2 }));
      class Two extends Module {
        a = a;
        unused = unused;
      }
      const m = new Two();
      const x = input([10, 4], 3);
      const report = initFromData(m, () => m.a.forward(x));
      expect(report.layers.map((r) => r.path)).toEqual(['a']);
      expect(report.notReached).toEqual(['unused']);
      expectNormalized([a.forward(x)]);
    });
  });

  it('refuses weight-normalized recurrent weights (LSTMCell) with a clear message; recurrent: skip initializes the rest', () => {
    const cell = weightNorm(new LSTMCell(4, 3, { rng: 1 }));
    const fc = weightNorm(new Linear(3, 2, { rng: 2 }));
    class Rnn extends Module {
      cell = cell;
      fc = fc;
    }
    const m = new Rnn();
    const x = tidy(() => input([5, 4], 1));
    const run = () => m.fc.forward(m.cell.forward(x).h);
    expect(() => initFromData(m, run)).toThrow(/'cell' \(LSTMCell\) has weight-normalized recurrent weights.*recurrent: 'skip'/);
    const report = initFromData(m, run, { recurrent: 'skip' });
    expect(report.layers.map((r) => r.path)).toEqual(['fc']);
  });

  it('refuses a model without weight norm, and a batch of one, naming the layer', () => {
    const plain = new Sequential([new Conv2d(3, 2, 3), new ReLU()]);
    expect(() => initFromData(plain, tidy(() => input([2, 3, 5, 5], 1)))).toThrow(/no weight-normalized layers/);
    const model = new Sequential({ block1: new Sequential({ fc: weightNorm(new Linear(4, 3)) }) as Layer });
    expect(() => initFromData(model, tidy(() => input([1, 4], 1)))).toThrow(/block1\.fc \(Linear\).*batch of one/);
  });
});

afterAll(() => console.log(`data init: worst |mean|/target ${worstMean.toExponential(2)}, worst |std − target|/target ${worstStd.toExponential(2)}`));
