/** PyTorch oracle: optim.json (3 steps of each optimizer) and wn_net.safetensors / wn_net.json. */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { keep, mul, relu, sum, tidy, type Tensor } from '@wn/tensor';
import { valueAndGrads } from '@wn/autograd';
import {
  Adam, Adamax, Conv2d, decodeSafetensors, encodeSafetensors, GlobalAvgPool2d, Linear, loadState, Param, ReLU, RMSprop, saveState, Sequential,
  SGD, weightNorm, type Optimizer,
} from '../src/index.js';
import { agreement, expectClose, fixturePath, loadJson, t } from './helpers.js';

const optim = loadJson('optim.json');

function makeOptimizer(c: any, p: Param): Optimizer {
  const h = c.hyperparams;
  switch (c.optimizer) {
    case 'sgd': return new SGD([p], { lr: h.lr, momentum: h.momentum, dampening: h.dampening, nesterov: h.nesterov, weightDecay: h.weight_decay });
    case 'adam': return new Adam([p], { lr: h.lr, beta1: h.betas[0], beta2: h.betas[1], eps: h.eps, weightDecay: h.weight_decay });
    case 'adamax': return new Adamax([p], { lr: h.lr, beta1: h.betas[0], beta2: h.betas[1], eps: h.eps, weightDecay: h.weight_decay });
    case 'rmsprop': return new RMSprop([p], { lr: h.lr, alpha: h.alpha, eps: h.eps, weightDecay: h.weight_decay, momentum: h.momentum, centered: h.centered });
    default: throw new Error(c.optimizer);
  }
}

describe('optimizers vs torch.optim (3 steps)', () => {
  for (const c of optim.cases) {
    it(c.name, () => {
      const p = new Param(t(c.initial_param));
      const opt = makeOptimizer(c, p);
      c.steps.forEach((s: any, k: number) => {
        tidy(() => opt.step([t(c.grads[k])]));
        expectClose(p.value, s.param, 1e-5, `${c.name} param`);
        const st = opt.paramState(0)!;
        for (const [name, v] of Object.entries(s.state)) {
          if (name === 'step') expect(st.step).toBe(v);
          else expectClose(st.tensors[name], v as any, 1e-5, `${c.name} ${name}`);
        }
        expect(Object.keys(st.tensors).sort()).toEqual(Object.keys(s.state).filter((n) => n !== 'step').sort());
      });
      opt.dispose();
    });
  }
});

const net = loadJson('wn_net.json');

function buildNet(): Sequential {
  return new Sequential({
    conv: weightNorm(new Conv2d(3, 4, 3, { padding: 1, rng: 7 })),
    relu: new ReLU(),
    pool: new GlobalAvgPool2d(),
    fc: weightNorm(new Linear(4, 3, { rng: 8 })),
  });
}

describe('wn_net: a PyTorch state dict in safetensors', () => {
  const bytes = new Uint8Array(readFileSync(fixturePath('wn_net.safetensors')));

  it('the file parses and matches wn_net.json bit for bit', () => {
    const file = decodeSafetensors(bytes);
    expect(Object.keys(file.tensors).sort()).toEqual(net.state_dict_keys);
    expect(file.metadata?.format).toBe('pt');
    for (const k of net.state_dict_keys) {
      expect(file.tensors[k].shape).toEqual(net.state_dict[k].shape);
      expect(Array.from(file.tensors[k].values)).toEqual(net.state_dict[k].data.map(Math.fround));
    }
  });

  it('loads into the same architecture and gives the same logits and gradients', () => {
    const model = buildNet();
    expect(Object.keys(model.stateDict()).sort()).toEqual(net.state_dict_keys);
    loadState(model, bytes);
    tidy(() => {
      expectClose((model.get('conv') as any).weight.compute(), net.effective_weights['conv.weight'], 1e-5, 'wn_net effective conv.weight');
      expectClose((model.get('fc') as any).weight.compute(), net.effective_weights['fc.weight'], 1e-5, 'wn_net effective fc.weight');
      const x = t(net.input);
      const conv = model.get('conv').forward(x);
      expectClose(conv, net.intermediates.conv_out, 1e-4, 'wn_net conv_out');
      expectClose(relu(conv), net.intermediates.relu_out, 1e-4, 'wn_net relu_out');
      const up = t(net.upstream);
      const named = new Map(model.namedParameters());
      let logits!: Tensor;
      const { grads } = valueAndGrads(() => sum(mul((logits = keep(model.forward(x))), up)), [x, ...net.state_dict_keys.map((k: string) => named.get(k)!.value)]);
      expectClose(logits, net.logits, 1e-5, 'wn_net logits');
      expectClose(grads[0], net.grads.input, 1e-4, 'wn_net grad input');
      net.state_dict_keys.forEach((k: string, i: number) => expectClose(grads[i + 1], net.grads[k], 1e-4, `wn_net grad ${k}`));
      logits.dispose();
    });
  });

  it('writing it back gives a valid file with identical tensors; re-loading gives identical logits', () => {
    const model = buildNet();
    loadState(model, bytes);
    const out = saveState(model, { generator: 'wn-layers' });
    // header: valid JSON, sorted keys, contiguous offsets, padded to a multiple of 8
    const n = Number(new DataView(out.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(out.subarray(8, 8 + n)));
    const keys = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(keys).toEqual([...keys].sort());
    let end = 0;
    for (const k of keys) {
      expect(header[k].dtype).toBe('F32');
      expect(header[k].data_offsets[0]).toBe(end);
      end = header[k].data_offsets[1];
      expect(end - header[k].data_offsets[0]).toBe(4 * header[k].shape.reduce((a: number, b: number) => a * b, 1));
    }
    expect(out.length).toBe(8 + n + end);
    expect(header.__metadata__).toEqual({ format: 'pt', generator: 'wn-layers' });
    // same tensor bytes as PyTorch's file (both sorted and contiguous)
    const nIn = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(Buffer.from(out.subarray(8 + n)).equals(Buffer.from(bytes.subarray(8 + nIn)))).toBe(true);
    const again = buildNet();
    loadState(again, out);
    tidy(() => {
      const x = t(net.input);
      expect(Array.from(again.forward(x).dataSync())).toEqual(Array.from(model.forward(x).dataSync()));
    });
  });

  it('a wrong shape, a missing key and an extra key are errors naming the key', () => {
    const file = decodeSafetensors(bytes);
    const entries = Object.fromEntries(Object.entries(file.tensors).map(([k, v]) => [k, { values: v.values, shape: v.shape }]));
    const model = buildNet();
    const before = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]));
    const wrong = encodeSafetensors({ ...entries, 'conv.weight_v': { values: new Float64Array(4 * 3 * 5 * 5), shape: [4, 3, 5, 5] } });
    expect(() => loadState(model, wrong)).toThrow(/'conv\.weight_v'.*expected \[4, 3, 3, 3\], got \[4, 3, 5, 5\]/);
    const { 'fc.bias': _drop, ...rest } = entries;
    expect(() => loadState(model, encodeSafetensors(rest))).toThrow(/missing key 'fc\.bias'/);
    expect(() => loadState(model, encodeSafetensors({ ...entries, 'fc.extra': { values: [1], shape: [1] } }))).toThrow(/unexpected key 'fc\.extra'/);
    // nothing was changed by the failed loads
    const after = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]));
    expect(after).toEqual(before);
  });
});

afterAll(() => {
  console.log('optim.json / wn_net agreement (max relative error):\n' + Object.entries(agreement).map(([k, v]) => `  ${k}: ${v.toExponential(2)}`).join('\n'));
});
