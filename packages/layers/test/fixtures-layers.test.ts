/** PyTorch oracle: tooling/fixtures/layers.json (weight norm layers, batch norm, mean-only batch norm). */
import { afterAll, describe, expect, it } from 'vitest';
import { keep, mul, sum, tidy, type Tensor } from "@wn/tensor";
import { valueAndGrads } from '@wn/autograd';
import { BatchNorm, Conv2d, ConvTranspose2d, Linear, MeanOnlyBatchNorm, WeightNorm, weightNorm, weightNormOf, weightNormWeight, type Layer } from '../src/index.js';
import { agreement, expectClose, loadJson, t } from './helpers.js';

const layers = loadJson('layers.json');
const cases = (op: string) => layers.cases.filter((c: any) => c.op === op);

/** forward + backward of sum(out · upstream) with respect to x and the named params. */
function run(layer: Layer, c: any, paramNames: string[]) {
  return tidy(() => {
    const x = t(c.inputs.x);
    const up = t(c.upstream);
    const named = new Map(layer.namedParameters());
    const wrt = [x, ...paramNames.map((n) => named.get(n)!.value)];
    let out!: Tensor;
    const { value, grads } = valueAndGrads(() => {
      out = keep(layer.forward(x));
      return sum(mul(out, up));
    }, wrt);
    return { out, value, grads };
  });
}

describe('weight-normalized layers vs torch.nn.utils.weight_norm', () => {
  const build: Record<string, (a: any) => Layer> = {
    linear_weight_norm: (a) => new Linear(a.in_features, a.out_features, { rng: 1 }),
    conv2d_weight_norm: (a) => new Conv2d(a.in_channels, a.out_channels, a.kernel_size, { stride: a.stride, padding: a.padding, dilation: a.dilation, rng: 1 }),
    conv_transpose2d_weight_norm: (a) =>
      new ConvTranspose2d(a.in_channels, a.out_channels, a.kernel_size, { stride: a.stride, padding: a.padding, outputPadding: a.output_padding, dilation: a.dilation, rng: 1 }),
  };
  for (const op of Object.keys(build)) {
    for (const c of cases(op)) {
      it(c.name, () => {
        const layer = weightNorm(build[op](c.attrs), { dim: c.attrs.dim });
        // the state names and shapes are PyTorch's
        const shapes = Object.fromEntries(Object.entries(layer.stateDict()).map(([k, v]) => [k, [...v.shape]]));
        expect(shapes).toEqual({ bias: c.inputs.bias.shape, weight_g: c.inputs.weight_g.shape, weight_v: c.inputs.weight_v.shape });
        layer.loadStateDict({ weight_g: t(c.inputs.weight_g), weight_v: t(c.inputs.weight_v), bias: t(c.inputs.bias) });
        expectClose((layer as any).weight.compute(), c.intermediates.weight, 1e-5, `${c.name} weight`);
        const { out, grads } = run(layer, c, ['weight_g', 'weight_v', 'bias']);
        expectClose(out, c.output, 1e-4, `${c.name} output`);
        ['x', 'weight_g', 'weight_v', 'bias'].forEach((k, i) => expectClose(grads[i], c.grads[k], 1e-4, `${c.name} grad ${k}`));
      });
    }
  }

  it('transposed conv: the default weight-norm axis is 1 (one g per output channel), giving g shape [1, out, 1, 1]', () => {
    const c = cases('conv_transpose2d_weight_norm')[0];
    const layer = weightNorm(build.conv_transpose2d_weight_norm(c.attrs));
    expect((layer as any).weight.parametrization).toBeInstanceOf(WeightNorm);
    expect(weightNormOf(layer).dim).toBe(1);
    expect([...weightNormOf(layer).g.shape]).toEqual([1, c.attrs.out_channels, 1, 1]);
  });

  for (const c of cases('weight_norm')) {
    it(`${c.name}: w = g·v/‖v‖ and its gradients`, () => {
      tidy(() => {
        const v = t(c.inputs.v), g = t(c.inputs.g), up = t(c.upstream);
        let w!: Tensor;
        const { grads } = valueAndGrads(() => sum(mul((w = keep(weightNormWeight(v, g, c.attrs.dim))), up)), [v, g]);
        expectClose(w, c.output, 1e-5, `${c.name} w`);
        expectClose(grads[0], c.grads.v, 1e-4, `${c.name} grad v`);
        expectClose(grads[1], c.grads.g, 1e-4, `${c.name} grad g`);
      });
    });
  }
});

describe('BatchNorm vs nn.BatchNorm1d/2d', () => {
  for (const c of cases('batch_norm')) {
    it(c.name, () => {
      const bn = new BatchNorm(c.attrs.num_features, { eps: c.attrs.eps, momentum: c.attrs.momentum });
      bn.loadStateDict({
        weight: t(c.inputs.weight), bias: t(c.inputs.bias),
        running_mean: t(c.inputs.running_mean), running_var: t(c.inputs.running_var),
        num_batches_tracked: t({ shape: [], data: [0] }),
      });
      bn.train(c.attrs.training);
      const { out, grads } = run(bn, c, ['weight', 'bias']);
      expectClose(out, c.output, 1e-4, `${c.name} output`);
      ['x', 'weight', 'bias'].forEach((k, i) => expectClose(grads[i], c.grads[k], 1e-4, `${c.name} grad ${k}`));
      expectClose(bn.running_mean.value, c.state_after.running_mean, 1e-5, `${c.name} running_mean`);
      expectClose(bn.running_var.value, c.state_after.running_var, 1e-5, `${c.name} running_var`);
      expect(bn.num_batches_tracked.value.item()).toBe(c.state_after.num_batches_tracked);
    });
  }
});

describe('MeanOnlyBatchNorm vs the reference (x − mean + bias)', () => {
  for (const c of cases('mean_only_batch_norm')) {
    it(c.name, () => {
      const C = c.inputs.bias.shape[0];
      const mobn = new MeanOnlyBatchNorm(C);
      mobn.loadStateDict({ bias: t(c.inputs.bias), running_mean: t({ shape: [C], data: new Array(C).fill(0) }) });
      const { out, grads } = run(mobn, c, ['bias']);
      expectClose(out, c.output, 1e-4, `${c.name} output`);
      expectClose(grads[0], c.grads.x, 1e-4, `${c.name} grad x`);
      expectClose(grads[1], c.grads.bias, 1e-4, `${c.name} grad bias`);
      // running mean from 0 after one batch: 0.9·0 + 0.1·μ
      expectClose(mobn.running_mean.value, c.intermediates.batch_mean.data.map((m: number) => 0.1 * m), 1e-5, `${c.name} running_mean`);
      // eval mode subtracts the running mean instead
      mobn.eval();
      tidy(() => {
        const y = mobn.forward(t(c.inputs.x)).dataSync();
        const x = c.inputs.x.data;
        const rm = mobn.running_mean.value.dataSync(), b = c.inputs.bias.data;
        const inner = c.inputs.x.shape.slice(2).reduce((p: number, q: number) => p * q, 1);
        for (let i = 0; i < x.length; i++) {
          const ch = Math.floor(i / inner) % C;
          expect(y[i]).toBeCloseTo(x[i] - rm[ch] + b[ch], 5);
        }
      });
    });
  }
});

afterAll(() => {
  console.log('layers.json agreement (max relative error):\n' + Object.entries(agreement).map(([k, v]) => `  ${k}: ${v.toExponential(2)}`).join('\n'));
});
