/** Layers against formulas computed on the host. */
import { describe, expect, it } from 'vitest';
import { full, Rng, tensor, tidy, type Tensor } from '@wn/tensor';
import {
  AvgPool2d, ConvTranspose2d, Dropout, ELU, Flatten, GaussianNoise, GlobalAvgPool2d, LeakyReLU, LSTMCell, MaxPool2d, Param, ReLU, Reshape, Sigmoid,
  Softplus, Tanh,
} from '../src/index.js';

const arr = (t: Tensor) => Array.from(t.dataSync());
const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe('LSTMCell', () => {
  it('matches the PyTorch equations with gate order i, f, g, o', () => {
    tidy(() => {
      const cell = new LSTMCell(3, 2, { rng: 1 });
      const rng = new Rng(2);
      const x = rng.normal([2, 3]), h0 = rng.normal([2, 2]), c0 = rng.normal([2, 2]);
      const { h, c } = cell.forward(x, { h: h0, c: c0 });
      const Wi = arr((cell.weight_ih as Param).value), Wh = arr((cell.weight_hh as Param).value);
      const bi = arr(cell.bias_ih!.value), bh = arr(cell.bias_hh!.value);
      const X = arr(x), H = arr(h0), C = arr(c0);
      const gotH = arr(h), gotC = arr(c);
      for (let n = 0; n < 2; n++) {
        const gate = (k: number) => {
          let s = bi[k] + bh[k];
          for (let j = 0; j < 3; j++) s += X[n * 3 + j] * Wi[k * 3 + j];
          for (let j = 0; j < 2; j++) s += H[n * 2 + j] * Wh[k * 2 + j];
          return s;
        };
        for (let u = 0; u < 2; u++) {
          const i = sig(gate(u)), f = sig(gate(2 + u)), g = Math.tanh(gate(4 + u)), o = sig(gate(6 + u));
          const cc = f * C[n * 2 + u] + i * g;
          expect(gotC[n * 2 + u]).toBeCloseTo(cc, 5);
          expect(gotH[n * 2 + u]).toBeCloseTo(o * Math.tanh(cc), 5);
        }
      }
      // zero state by default, and input checks
      expect([...cell.forward(x).h.shape]).toEqual([2, 2]);
      expect(() => cell.forward(rng.normal([2, 4]))).toThrow('LSTMCell: expected input [N, 3], got [2, 4]');
    });
  });

  it('init U(±1/√hidden) for every parameter; weight shapes [4h, in] and [4h, h]', () => {
    const cell = new LSTMCell(10, 16, { rng: 3 });
    const b = 0.25;
    const sd = cell.stateDict();
    expect([...sd.weight_ih.shape]).toEqual([64, 10]);
    expect([...sd.weight_hh.shape]).toEqual([64, 16]);
    for (const t of Object.values(sd)) {
      const m = Math.max(...arr(t).map(Math.abs));
      expect(m).toBeLessThanOrEqual(b);
      expect(m).toBeGreaterThan(0.9 * b);
    }
  });
});

describe('ConvTranspose2d init', () => {
  it("fan_in from weight.shape[1]·k·k (out·k·k), as PyTorch", () => {
    const l = new ConvTranspose2d(3, 8, 3, { rng: 1 }); // in-based bound would be 1/√27 ≈ 0.19
    const b = 1 / Math.sqrt(8 * 9);
    const m = Math.max(...arr((l.weight as Param).value).map(Math.abs));
    expect(m).toBeLessThanOrEqual(b);
    expect(m).toBeGreaterThan(0.97 * b);
    expect(Math.max(...arr(l.bias!.value).map(Math.abs))).toBeLessThanOrEqual(b);
  });
});

describe('activations', () => {
  it('match their formulas', () => {
    tidy(() => {
      const xs = [-3, -0.5, 0.25, 2, 30];
      const x = tensor(xs);
      const check = (y: Tensor, f: (v: number) => number) => arr(y).forEach((v, i) => expect(v).toBeCloseTo(f(xs[i]), 5));
      check(new ReLU().forward(x), (v) => Math.max(v, 0));
      check(new LeakyReLU(0.1).forward(x), (v) => (v > 0 ? v : 0.1 * v));
      check(new ELU(1.5).forward(x), (v) => (v > 0 ? v : 1.5 * (Math.exp(v) - 1)));
      check(new Tanh().forward(x), Math.tanh);
      check(new Sigmoid().forward(x), sig);
      check(new Softplus().forward(x), (v) => (v > 20 ? v : Math.log1p(Math.exp(v))));
      check(new Softplus({ beta: 2, threshold: 5 }).forward(x), (v) => (2 * v > 5 ? v : Math.log1p(Math.exp(2 * v)) / 2));
    });
  });
});

describe('pooling and shapes', () => {
  it('MaxPool2d / AvgPool2d / GlobalAvgPool2d / Flatten / Reshape', () => {
    tidy(() => {
      const x = tensor(Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4]);
      expect(arr(new MaxPool2d(2).forward(x))).toEqual([5, 7, 13, 15]);
      expect(arr(new AvgPool2d(2).forward(x))).toEqual([2.5, 4.5, 10.5, 12.5]);
      expect(arr(new MaxPool2d(3, { stride: 1 }).forward(x))).toEqual([10, 11, 14, 15]);
      const g = new GlobalAvgPool2d().forward(x);
      expect([...g.shape]).toEqual([1, 1]);
      expect(arr(g)).toEqual([7.5]);
      expect([...new GlobalAvgPool2d(true).forward(x).shape]).toEqual([1, 1, 1, 1]);
      expect([...new Flatten().forward(x).shape]).toEqual([1, 16]);
      expect([...new Reshape([4, -1]).forward(x).shape]).toEqual([1, 4, 4]);
      expect(() => new Reshape([5]).forward(x)).toThrow('Reshape: cannot reshape input [1, 1, 4, 4] to [N, 5]');
    });
  });
});

describe('train-only stochastic layers', () => {
  it('Dropout: drops ≈p, scales by 1/(1−p), identity in eval, seeded', () => {
    tidy(() => {
      const x = full([4000], 1);
      const d = new Dropout(0.3, { rng: 5 });
      const y = arr(d.forward(x));
      const kept = y.filter((v) => v !== 0);
      expect(Math.abs(1 - kept.length / y.length - 0.3)).toBeLessThan(0.03);
      kept.forEach((v) => expect(v).toBeCloseTo(1 / 0.7, 5));
      expect(arr(d.forward(x))).not.toEqual(y); // a fresh mask each call
      expect(arr(new Dropout(0.3, { rng: 5 }).forward(x))).toEqual(y); // same seed, same masks
      d.eval();
      expect(arr(d.forward(x))).toEqual(arr(x));
    });
  });

  it('GaussianNoise: std σ in training, identity in eval', () => {
    tidy(() => {
      const x = full([5000], 2);
      const n = new GaussianNoise(0.15, { rng: 6 });
      const y = arr(n.forward(x));
      const m = y.reduce((a, b) => a + b, 0) / y.length;
      const sd = Math.sqrt(y.reduce((a, b) => a + (b - m) ** 2, 0) / y.length);
      expect(Math.abs(m - 2)).toBeLessThan(0.01);
      expect(Math.abs(sd - 0.15)).toBeLessThan(0.01);
      n.eval();
      expect(arr(n.forward(x))).toEqual(arr(x));
    });
  });
});
