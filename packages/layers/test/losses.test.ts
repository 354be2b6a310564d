/** Losses: ops.json (PyTorch) for the cross-entropies; host formulas and gradcheck for the rest. */
import { describe, expect, it } from 'vitest';
import { mul, Rng, sum, tensor, tidy, type Tensor } from '@wn/tensor';
import { gradcheck, valueAndGrads } from '@wn/autograd';
import { binaryCrossEntropyWithLogits, gaussianKL, gaussianKLFromLogStd, huberLoss, losses, mseLoss, softmaxCrossEntropy } from '../src/index.js';
import { expectClose, loadJson, t } from './helpers.js';

const ops = loadJson('ops.json');
const arr = (x: Tensor) => Array.from(x.dataSync());

describe('cross-entropies vs PyTorch (ops.json)', () => {
  for (const c of ops.cases.filter((c: any) => c.op === 'binary_cross_entropy_with_logits')) {
    it(c.name, () => {
      tidy(() => {
        const z = t(c.inputs.logits), y = t(c.inputs.targets);
        const { grads } = valueAndGrads(() => mul(binaryCrossEntropyWithLogits(z, y), t(c.upstream)), [z, y]);
        expectClose(binaryCrossEntropyWithLogits(z, y), c.output, 1e-5, c.name);
        expectClose(grads[0], c.grads.logits, 1e-4, `${c.name} grad logits`);
        expectClose(grads[1], c.grads.targets, 1e-4, `${c.name} grad targets`);
      });
    });
  }
  for (const c of ops.cases.filter((c: any) => c.op === 'cross_entropy' && c.attrs.reduction === 'mean')) {
    it(`${c.name} (softmaxCrossEntropy, re-exported)`, () => {
      tidy(() => {
        const z = t(c.inputs.logits);
        const { grads } = valueAndGrads(() => mul(softmaxCrossEntropy(z, c.inputs.labels.data), t(c.upstream)), [z]);
        expectClose(softmaxCrossEntropy(z, c.inputs.labels.data), c.output, 1e-5, c.name);
        expectClose(grads[0], c.grads.logits, 1e-4, `${c.name} grad`);
      });
    });
  }
});

describe('regression and KL losses', () => {
  const p = [0.5, -2, 3, 0.1, -0.4, 1.7], q = [0, 1, 0.5, 0.2, -0.3, -1];
  it('MSE and Huber (delta 1 and 0.5) match their formulas; reductions', () => {
    tidy(() => {
      const a = tensor(p, [2, 3]), b = tensor(q, [2, 3]);
      const d = p.map((v, i) => v - q[i]);
      expect(mseLoss(a, b).item()).toBeCloseTo(d.reduce((s, v) => s + v * v, 0) / 6, 6);
      for (const delta of [1, 0.5]) {
        const h = d.map((v) => (Math.abs(v) < delta ? 0.5 * v * v : delta * (Math.abs(v) - 0.5 * delta)));
        expect(huberLoss(a, b, { delta }).item()).toBeCloseTo(h.reduce((s, v) => s + v, 0) / 6, 6);
        arr(huberLoss(a, b, { delta, reduction: 'none' })).forEach((v, i) => expect(v).toBeCloseTo(h[i], 6));
        const per = arr(huberLoss(a, b, { delta, reduction: 'perExample' }));
        expect(per[0]).toBeCloseTo(h[0] + h[1] + h[2], 6);
      }
      expect(mseLoss(a, b, { reduction: 'sum' }).item()).toBeCloseTo(d.reduce((s, v) => s + v * v, 0), 5);
      expect(() => mseLoss(a, tensor(q))).toThrow(/shape/);
    });
  });

  it('Gaussian KL from log-variance and from log-std agree with the closed form', () => {
    tidy(() => {
      const mu = tensor(p, [2, 3]), logVar = tensor(q, [2, 3]);
      const kl = q.map((lv, i) => -0.5 * (1 + lv - p[i] * p[i] - Math.exp(lv)));
      const per = arr(gaussianKL(mu, logVar));
      expect(per).toHaveLength(2);
      expect(per[0]).toBeCloseTo(kl[0] + kl[1] + kl[2], 5);
      expect(per[1]).toBeCloseTo(kl[3] + kl[4] + kl[5], 5);
      const fromStd = arr(gaussianKLFromLogStd(mu, mul(logVar, 0.5), { reduction: 'none' }));
      fromStd.forEach((v, i) => expect(v).toBeCloseTo(kl[i], 5));
      expect(losses.gaussianKL(mu, logVar, { reduction: 'mean' }).item()).toBeCloseTo(kl.reduce((s, v) => s + v, 0) / 6, 5);
      // zero exactly at the prior
      expect(gaussianKL(tensor([0, 0]), tensor([0, 0]), { reduction: 'sum' }).item()).toBe(0);
    });
  });

  it('gradcheck: Huber, KL, BCE', () => {
    const rng = new Rng(3);
    const x = { values: rng.normalArray(6), shape: [2, 3] }, y = { values: rng.normalArray(6), shape: [2, 3] };
    const tgt = { values: rng.uniformArray(6), shape: [2, 3] };
    expect(gradcheck((a, b) => huberLoss(a, b, { delta: 0.7 }), [x, y]).ok).toBe(true);
    expect(gradcheck((a, b) => sum(gaussianKL(a, b)), [x, y]).ok).toBe(true);
    expect(gradcheck((a, b) => sum(gaussianKLFromLogStd(a, b)), [x, y]).ok).toBe(true);
    expect(gradcheck((a, b) => binaryCrossEntropyWithLogits(a, b), [x, tgt]).ok).toBe(true);
  });
});
