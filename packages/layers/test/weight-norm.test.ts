/** The paper's facts about weight normalization, as properties. */
import { describe, expect, it } from 'vitest';
import { keep, mean, mul, sub, sum, tensor, tidy, withBackend, Rng, type Tensor } from '@wn/tensor';
import { gradcheck, valueAndGrads } from '@wn/autograd';
import {
  Conv2d, ConvTranspose2d, Linear, LSTMCell, MeanOnlyBatchNorm, Param, ReLU, removeWeightNorm, Sequential, SGD, Tanh, paramGrads, weightNorm, weightNormOf,
  type Module, type ParametrizedTensor, type WeightedLayer,
} from '../src/index.js';

/** g, v and dim of a weight-normalized layer, with the slot's shape and a fresh computation of w. */
function wnParts(layer: Module) {
  const slot = (layer as unknown as { weight: ParametrizedTensor }).weight;
  return { ...weightNormOf(layer), shape: slot.shape, compute: () => slot.compute() };
}

/** Per output unit: dot products / norms of two weight-shaped tensors, grouping by `dim`. */
function perUnit(a: ArrayLike<number>, shape: readonly number[], dim: number, fn: (unit: number, i: number) => void): void {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, q) => p * q, 1));
  for (let i = 0; i < a.length; i++) fn(Math.floor(i / strides[dim]) % shape[dim], i);
}

const cases: [string, () => WeightedLayer, () => Tensor][] = [
  ['Linear', () => new Linear(5, 4, { rng: 1 }), () => new Rng(2).normal([6, 5])],
  ['Conv2d', () => new Conv2d(3, 4, 3, { padding: 1, rng: 1 }), () => new Rng(2).normal([2, 3, 5, 5])],
  ['ConvTranspose2d', () => new ConvTranspose2d(3, 4, 3, { stride: 2, rng: 1 }), () => new Rng(2).normal([2, 3, 3, 3])],
];

describe('gradients of g and v (section 2.1)', () => {
  for (const [name, make, input] of cases) {
    it(`${name}: ∇g = ∇w·v/‖v‖, ∇v = (g/‖v‖)∇w − (g∇g/‖v‖²)v, and v·∇v = 0`, () => {
      tidy(() => {
        const layer = weightNorm(make());
        const wn = wnParts(layer);
        // g away from ‖v‖ so w ≠ v
        wn.g.value = mul(wn.g.value, new Rng(3).uniform(wn.g.shape, 0.5, 2));
        const x = input();
        const y0 = layer.forward(x);
        const up = new Rng(4).normal(y0.shape);
        const { grads: [gg, gv] } = valueAndGrads(() => sum(mul(layer.forward(x), up)), [wn.g.value, wn.v.value]);
        // ∇w from the same layer with w as a plain parameter
        const plain = removeWeightNorm(weightNorm(make()));
        (plain as any).weight.value = keep(wn.compute());
        plain.bias!.value = layer.bias!.value;
        const { grads: [gw] } = valueAndGrads(() => sum(mul(plain.forward(x), up)), [(plain as any).weight.value]);

        const v = wn.v.value.dataSync(), g = wn.g.value.dataSync(), dW = gw.dataSync(), dG = gg.dataSync(), dV = gv.dataSync();
        const shape = wn.v.shape, dim = wn.dim, units = shape[dim];
        const norm2 = new Float64Array(units), dot = new Float64Array(units), vdv = new Float64Array(units), dv2 = new Float64Array(units);
        perUnit(v, shape, dim, (u, i) => {
          norm2[u] += v[i] * v[i];
          dot[u] += dW[i] * v[i];
          vdv[u] += v[i] * dV[i];
          dv2[u] += dV[i] * dV[i];
        });
        for (let u = 0; u < units; u++) {
          const expected = dot[u] / Math.sqrt(norm2[u]);
          expect(Math.abs(dG[u] - expected)).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected)));
          // v ⟂ ∇v, relative to the sizes involved
          expect(Math.abs(vdv[u])).toBeLessThan(1e-5 * Math.sqrt(norm2[u] * dv2[u]));
        }
        let worst = 0, scale = 0;
        perUnit(v, shape, dim, (u, i) => {
          const n = Math.sqrt(norm2[u]);
          const expected = (g[u] / n) * dW[i] - ((g[u] * dG[u]) / (n * n)) * v[i];
          worst = Math.max(worst, Math.abs(dV[i] - expected));
          scale = Math.max(scale, Math.abs(expected));
        });
        expect(worst).toBeLessThan(1e-4 * scale);
      });
    });
  }
});

describe('wrapping and unwrapping', () => {
  for (const [name, make, input] of cases) {
    it(`${name}: weightNorm leaves the function unchanged (g = ‖v‖); removeWeightNorm folds it back exactly`, () => {
      tidy(() => {
        const layer = make();
        const x = input();
        const before = layer.forward(x).dataSync();
        weightNorm(layer);
        expect(Object.keys(layer.stateDict()).sort()).toEqual(['bias', 'weight_g', 'weight_v']);
        const wrapped = layer.forward(x).dataSync();
        const scale = Math.max(...Array.from(before, Math.abs));
        before.forEach((b, i) => expect(Math.abs(wrapped[i] - b)).toBeLessThan(1e-6 * scale));
        removeWeightNorm(layer);
        expect(Object.keys(layer.stateDict()).sort()).toEqual(['bias', 'weight']);
        expect(Array.from(layer.forward(x).dataSync())).toEqual(Array.from(wrapped));
      });
    });
  }

  it("g has PyTorch's weight_g shape: [out,1] dense, [out,1,1,1] conv, [1,out,1,1] transposed conv", () => {
    expect([...weightNormOf(weightNorm(new Linear(5, 4))).g.shape]).toEqual([4, 1]);
    expect([...weightNormOf(weightNorm(new Conv2d(3, 4, 3))).g.shape]).toEqual([4, 1, 1, 1]);
    expect([...weightNormOf(weightNorm(new ConvTranspose2d(3, 4, 3))).g.shape]).toEqual([1, 4, 1, 1]);
    // PyTorch's (wrong for transposed convs) dim 0 is available explicitly
    expect([...weightNormOf(weightNorm(new ConvTranspose2d(3, 4, 3), { dim: 0 })).g.shape]).toEqual([3, 1, 1, 1]);
  });

  it('transposed conv with dim 1: ‖w‖ per output channel equals g, whatever v', () => {
    tidy(() => {
      const layer = weightNorm(new ConvTranspose2d(3, 4, 3, { rng: 5 }));
      const wn = wnParts(layer);
      wn.g.value = tensor([0.5, 1, 2, 3], [1, 4, 1, 1]);
      const w = wn.compute().dataSync();
      const n2 = new Float64Array(4);
      perUnit(w, wn.shape, 1, (u, i) => (n2[u] += w[i] * w[i]));
      [0.5, 1, 2, 3].forEach((g, u) => expect(Math.sqrt(n2[u])).toBeCloseTo(g, 5));
    });
  });

  it("init 'paper': v ~ N(0, 0.05²), g = 1, bias = 0", () => {
    const layer = weightNorm(new Linear(200, 50, { rng: 1 }), { init: 'paper', rng: 9 });
    const wn = wnParts(layer);
    const v = Array.from(wn.v.value.dataSync());
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    expect(Math.abs(m)).toBeLessThan(0.002);
    expect(sd).toBeGreaterThan(0.048);
    expect(sd).toBeLessThan(0.052);
    expect(Array.from(wn.g.value.dataSync())).toEqual(new Array(50).fill(1));
    expect(Array.from(layer.bias!.value.dataSync())).toEqual(new Array(50).fill(0));
  });

  it('LSTMCell: both weights normalized per gate unit (axis 0)', () => {
    const cell = weightNorm(new LSTMCell(3, 4, { rng: 1 }));
    expect(Object.keys(cell.stateDict()).sort()).toEqual(['bias_hh', 'bias_ih', 'weight_hh_g', 'weight_hh_v', 'weight_ih_g', 'weight_ih_v']);
    expect([...cell.stateDict().weight_ih_g.shape]).toEqual([16, 1]);
  });

  it('errors: double wrapping, a layer without weight, removing when not wrapped', () => {
    const l = weightNorm(new Linear(2, 2));
    expect(() => weightNorm(l)).toThrow(/already weight-normalized/);
    expect(() => weightNorm(new ReLU())).toThrow(/ReLU has no weight parameter/);
    expect(() => weightNorm(new Sequential([new Linear(2, 2)]))).toThrow(/container.*weightNormAll/);
    expect(() => removeWeightNorm(new Linear(2, 2))).toThrow(/no weight-normalized parameter/);
  });
});

describe('under plain SGD ‖v‖ grows monotonically (Δv ⟂ v)', () => {
  it('50 steps of a weight-normalized MLP (float64): every unit, every step; ‖v_{t+1}‖² = ‖v_t‖² + ‖Δv‖²', () => {
    withBackend('reference64', () => {
      const rng = new Rng(11);
      const model = new Sequential([weightNorm(new Linear(4, 8, { rng })), new Tanh(), weightNorm(new Linear(8, 3, { rng }))]);
      const x = rng.normal([16, 4]);
      const target = rng.normal([16, 3]);
      const opt = new SGD(model, { lr: 0.5 });
      const vs = model.namedParameters().filter(([n]) => n.endsWith('weight_v')).map(([, p]) => p);
      const norms = (p: Param) => {
        const d = p.value.dataSync(), out = new Float64Array(p.shape[0]);
        for (let i = 0; i < d.length; i++) out[Math.floor(i / p.shape[1])] += d[i] * d[i];
        return out;
      };
      let prev = vs.map(norms);
      const first = prev;
      for (let step = 0; step < 50; step++) {
        const before = vs.map((p) => Float64Array.from(p.value.dataSync()));
        tidy(() => {
          const { loss, grads } = paramGrads(opt.params, () => { const d = sub(model.forward(x), target); return mean(mul(d, d)); });
          opt.step(grads);
          return loss;
        });
        const now = vs.map(norms);
        vs.forEach((p, k) => {
          const after = p.value.dataSync(), dv2 = new Float64Array(p.shape[0]);
          for (let i = 0; i < after.length; i++) dv2[Math.floor(i / p.shape[1])] += (after[i] - before[k][i]) ** 2;
          now[k].forEach((n2, u) => {
            expect(n2).toBeGreaterThan(prev[k][u]);
            expect(Math.abs(n2 - (prev[k][u] + dv2[u]))).toBeLessThan(1e-9 * n2);
          });
        });
        prev = now;
      }
      first.forEach((f, k) => f.forEach((n2, u) => expect(prev[k][u]).toBeGreaterThan(n2)));
    });
  });
});

describe('gradcheck (float64, finite differences)', () => {
  const up = (shape: readonly number[]) => new Rng(5).normalArray(shape.reduce((a, b) => a * b, 1));
  const layers: [string, () => WeightedLayer, number[]][] = [
    ['Linear', () => new Linear(3, 2, { rng: 1 }), [4, 3]],
    ['Conv2d', () => new Conv2d(2, 2, 3, { padding: 1, stride: 2, rng: 1 }), [2, 2, 4, 4]],
    ['ConvTranspose2d', () => new ConvTranspose2d(2, 2, 3, { stride: 2, padding: 1, outputPadding: 1, rng: 1 }), [1, 2, 3, 3]],
  ];
  for (const [name, make, xShape] of layers) {
    it(`weight-normalized ${name}: x, g, v, b`, () => {
      const layer = weightNorm(make());
      const wn = wnParts(layer);
      const outShape = tidy(() => [...layer.forward(new Rng(1).normal(xShape)).shape]);
      const u = up(outShape);
      const host = (tt: Tensor) => ({ values: Float64Array.from(tt.dataSync()), shape: [...tt.shape] });
      const inputs = [{ values: new Rng(2).normalArray(xShape.reduce((a, b) => a * b, 1)), shape: xShape }, host(wn.g.value), host(wn.v.value), host(layer.bias!.value)];
      const res = gradcheck((x, g, v, b) => {
        wn.g.value = g;
        wn.v.value = v;
        layer.bias!.value = b;
        return sum(mul(layer.forward(x), tensor(u, outShape)));
      }, inputs);
      expect(res.ok, JSON.stringify(res)).toBe(true);
    });
  }

  it('mean-only batch norm: the gradient is the upstream gradient minus its batch mean', () => {
    tidy(() => {
      const mobn = new MeanOnlyBatchNorm(3);
      const x = new Rng(1).normal([5, 3, 2, 2]);
      const g = new Rng(2).normal([5, 3, 2, 2]);
      const { grads: [dx] } = valueAndGrads(() => sum(mul(mobn.forward(x), g)), [x]);
      const expected = sub(g, mean(g, [0, 2, 3], true)).dataSync();
      const got = dx.dataSync();
      expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 5));
      const mobn64 = withBackend('reference64', () => new MeanOnlyBatchNorm(3));
      const res = gradcheck((xx, bb) => {
        mobn64.bias.value = bb;
        return sum(mul(mobn64.forward(xx), tensor(g.dataSync(), g.shape)));
      }, [{ values: x.dataSync(), shape: x.shape }, { values: [0.1, -0.2, 0.3], shape: [3] }]);
      expect(res.ok, JSON.stringify(res)).toBe(true);
    });
  });
});
