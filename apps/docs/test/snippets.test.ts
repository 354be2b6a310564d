/**
 * Runs every code sample of the guides: the pages show the `#region example` of these files
 * (VitePress `<<< @/snippets/…` includes), so the code a reader copies is the code tested here.
 * Each test imports one sample (running it) and checks what it computed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mean, sqrt, square, sum, sub, type Tensor, type WasmBackend } from '@wn/tensor';
import { DataInitScale, LayerError, Linear, MeanOnlyBatchNorm, Param, decodeSafetensors, needsDataInit, paramGrads, resolveSlot, weightNormOf, type Unit } from '@wn/layers';

const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const snippetsDir = join(docsDir, 'site', 'snippets');
const fixtures = join(docsDir, '..', '..', 'tooling', 'fixtures');

/** Per-row values of a [rows, cols] tensor. */
const rows = (t: Tensor): number[][] => {
  const [r, c] = t.shape;
  const flat = t.toArray();
  return Array.from({ length: r }, (_, i) => flat.slice(i * c, (i + 1) * c));
};
const maxAbsDiff = (a: readonly number[], b: readonly number[]): number => {
  expect(a.length).toBe(b.length);
  return Math.max(0, ...a.map((x, i) => Math.abs(x - b[i])));
};

describe('every snippet is shown by a page, and every snippet shown exists', () => {
  it('each site/snippets/*.ts file is included with <<< @/snippets/… by a page, and each include names a file with the region', () => {
    const pages = readdirSync(join(docsDir, 'site'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.md'))
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
    const included = new Set<string>();
    for (const page of pages) {
      for (const [, file, region] of page.matchAll(/^<<< @\/snippets\/([\w-]+\.ts)(?:#([\w-]+))?/gm)) {
        const source = readFileSync(join(snippetsDir, file), 'utf8');
        if (region) expect(source, `${file} has region ${region}`).toContain(`// #region ${region}`);
        included.add(file);
      }
    }
    const files = readdirSync(snippetsDir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files.filter((f) => !included.has(f))).toEqual([]);
  });
});

describe('getting started', () => {
  it('wraps a Linear in weight norm without changing what it computes', async () => {
    const { g, v, y } = await import('../site/snippets/first-layer.js');
    const { randn } = await import('@wn/tensor');
    expect([g.shape, v.shape, y.shape]).toEqual([[10, 1], [10, 784], [32, 10]]);
    const unwrapped = new Linear(784, 10, { rng: 0 }).forward(randn([32, 784], { seed: 1 }));
    expect(maxAbsDiff(y.toArray(), unwrapped.toArray())).toBeLessThan(1e-5);
  });

  it('trains the weight-normalized convnet for an epoch: the loss falls and test accuracy is far above chance', async () => {
    const { accuracy, losses } = await import('../site/snippets/getting-started.js');
    expect(losses).toHaveLength(Math.ceil(5000 / 64));
    const lastTen = losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
    expect(lastTen).toBeLessThan(losses[0] - 0.5);
    expect(accuracy).toBeGreaterThan(0.35); // chance is 0.1; about 0.5 after this epoch
  }, 120_000);
});

describe('weight normalization', () => {
  it('puts g on the output-unit axis of Linear, Conv2d and ConvTranspose2d, and removeWeightNorm leaves a plain weight', async () => {
    const { fc, conv, up, net, g, v, dim, plain } = await import('../site/snippets/wn-layers.js');
    expect([g.shape, v.shape, dim]).toEqual([[10, 1], [10, 128], 0]);
    expect(conv.stateDict()['weight_g'].shape).toEqual([16, 1, 1, 1]);
    expect(up.stateDict()['weight_g'].shape).toEqual([1, 8, 1, 1]);
    expect(Object.keys(fc.stateDict()).sort()).toEqual(['bias', 'weight_g', 'weight_v']);
    expect(Object.keys(net.stateDict()).sort()).toEqual(['0.bias', '0.weight_g', '0.weight_v', '2.bias', '2.weight_g', '2.weight_v']);
    expect(Object.keys(plain.stateDict()).sort()).toEqual(['bias', 'weight']);
  });

  it("gives the gradients of the page's formulas: ∇g = ∇w·v/‖v‖, ∇v = (g/‖v‖)∇w − (g∇g/‖v‖²)v, and v·∇v = 0", async () => {
    const { layer, x, gradG, gradV, vDotGrad, vNorms } = await import('../site/snippets/wn-gradient.js');
    // ∇w L from a plain layer computing the same function
    const twin = new Linear(5, 3);
    twin.weight = new Param(resolveSlot(layer.weight));
    twin.bias = layer.bias;
    const { grads: [gradW] } = paramGrads([twin.weight], () => sum(square(twin.forward(x))));
    const { g, v } = weightNormOf(layer);
    const [W, V, GV] = [rows(gradW), rows(v.value), rows(gradV)];
    const gValues = g.value.toArray();
    const gG = gradG.toArray();
    for (let i = 0; i < 3; i++) {
      const n = vNorms[i];
      const expectedG = W[i].reduce((acc, wij, j) => acc + wij * V[i][j], 0) / n;
      expect(Math.abs(gG[i] - expectedG)).toBeLessThan(1e-4 * Math.max(1, Math.abs(expectedG)));
      const expectedV = W[i].map((wij, j) => (gValues[i] / n) * wij - ((gValues[i] * expectedG) / (n * n)) * V[i][j]);
      expect(maxAbsDiff(GV[i], expectedV)).toBeLessThan(1e-4 * Math.max(1, ...expectedV.map(Math.abs)));
      expect(Math.abs(vDotGrad[i])).toBeLessThan(1e-4 * n * Math.max(...GV[i].map(Math.abs)));
    }
  });

  it("loads PyTorch's state dict (weight_g, weight_v) from safetensors and computes PyTorch's logits; saveState writes the same tensors back", async () => {
    const { model, keys, bytes, torchFile } = await import('../site/snippets/wn-interop.js');
    const net = JSON.parse(readFileSync(join(fixtures, 'wn_net.json'), 'utf8'));
    expect([...keys].sort()).toEqual(net.state_dict_keys);
    const { tensor } = await import('@wn/tensor');
    const logits = model.forward(tensor(net.input.data, net.input.shape)).toArray();
    expect(maxAbsDiff(logits, net.logits.data)).toBeLessThan(1e-4);
    const written = decodeSafetensors(bytes).tensors;
    const original = decodeSafetensors(new Uint8Array(readFileSync(torchFile))).tensors;
    for (const k of net.state_dict_keys) expect(Array.from(written[k].values), k).toEqual(Array.from(original[k].values));
  });
});

describe('data-dependent initialization', () => {
  it('gives every pre-activation mean 0 and std 1 on the batch, layer after layer', async () => {
    const { model, firstBatch, report } = await import('../site/snippets/data-init.js');
    expect(report.layers.map((l) => [l.path, l.layer, l.units, l.centered, l.scale])).toEqual([['0.main', 'Linear', 50, true, 1], ['1.main', 'Linear', 10, true, 1]]);
    expect(report.notReached).toEqual([]);
    const pre1 = model.get<Unit>('0').main.forward(firstBatch);
    const pre2 = model.get<Unit>('1').main.forward(model.get('0').forward(firstBatch));
    for (const pre of [pre1, pre2]) {
      const mu = mean(pre, 0);
      const sd = sqrt(mean(square(sub(pre, mu)), 0));
      expect(Math.max(...mu.toArray().map(Math.abs))).toBeLessThan(1e-4);
      expect(Math.max(...sd.toArray().map((s) => Math.abs(s - 1)))).toBeLessThan(1e-4);
    }
  });

  it('builds a bias-free standard unit with a DataInitScale that needs data init', async () => {
    const { unit } = await import('../site/snippets/data-init-standard.js');
    expect(unit.norm).toBeInstanceOf(DataInitScale);
    expect(unit.main.bias).toBeNull();
    expect(needsDataInit(unit.variant)).toBe(true);
  });
});

describe('mean-only batch norm', () => {
  it('builds the same unit by hand and with the preset, with PyTorch-style names', async () => {
    const { unit, same } = await import('../site/snippets/mean-only-bn-unit.js');
    expect(Object.keys(unit.stateDict()).sort()).toEqual(['0.weight_g', '0.weight_v', '1.bias', '1.running_mean']);
    expect(Object.keys(same.stateDict()).sort()).toEqual(['main.weight_g', 'main.weight_v', 'norm.bias', 'norm.running_mean']);
    expect(same.norm).toBeInstanceOf(MeanOnlyBatchNorm);
  });

  it('subtracts the batch mean in training, updates the running mean with momentum 0.1, and subtracts it in evaluation', async () => {
    const { batch, trained, running, evaluated } = await import('../site/snippets/mean-only-bn-modes.js');
    const mu = mean(batch, 0).toArray();
    expect(Math.max(...mean(trained, 0).toArray().map(Math.abs))).toBeLessThan(1e-5);
    expect(maxAbsDiff(running.toArray(), mu.map((m) => 0.1 * m))).toBeLessThan(1e-6);
    expect(maxAbsDiff(evaluated.toArray(), sub(batch, running).toArray())).toBeLessThan(1e-6);
  });
});

describe('parametrizations', () => {
  it('parametrize: PyTorch names for the original, and removeParametrization leaves the symmetric weight', async () => {
    const { layer, keys, parametrized } = await import('../site/snippets/parametrize.js');
    expect([...keys].sort()).toEqual(['bias', 'parametrizations.weight.original']);
    expect(parametrized).toBe(true);
    expect(Object.keys(layer.stateDict()).sort()).toEqual(['bias', 'weight']);
    const w = rows(layer.stateDict()['weight']);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expect(w[i][j]).toBeCloseTo(w[j][i], 6);
  });

  it('cached gives the same loss and gradients as recomputing the weights at every step', async () => {
    const { once, everyStep } = await import('../site/snippets/cached.js');
    expect(once.loss.item()).toBeCloseTo(everyStep.loss.item(), 5);
    expect(once.grads).toHaveLength(6); // weight_ih_g, weight_ih_v, weight_hh_g, weight_hh_v and the two biases
    once.grads.forEach((g, i) => expect(maxAbsDiff(g.toArray(), everyStep.grads[i].toArray()), `gradient ${i}`).toBeLessThan(1e-5));
  });
});

describe('backends', () => {
  it('setBackend switches the backend for what follows, withBackend for one call; the results agree', async () => {
    const { getBackend } = await import('@wn/tensor');
    const { before, exact, now, slow } = await import('../site/snippets/backends.js');
    expect(now).toBe('reference');
    expect(getBackend()).toBe(before);
    expect(exact).toHaveLength(6);
    expect(maxAbsDiff(slow, exact)).toBeLessThan(1e-5);
  });

  it('a wasm backend with its own options registers under its own name', async () => {
    const { ENGINE, getBackend } = await import('@wn/tensor');
    const before = getBackend();
    const { name } = await import('../site/snippets/wasm-options.js');
    expect(name).toBe('wasm');
    expect(getBackend()).toBe(before);
    const registered = ENGINE.findBackend('wasm-1') as WasmBackend;
    expect(registered).not.toBe(ENGINE.findBackend('wasm'));
    expect([registered.runtime.threads, registered.runtime.fma]).toEqual([1, false]);
  });
});

describe('contributing', () => {
  it('the composite op passes gradcheck', async () => {
    const { check } = await import('../site/snippets/gradcheck-op.js');
    expect(check.ok).toBe(true);
    expect(check.maxAbsError).toBeLessThan(1e-6);
  });

  it('the custom layer scales each channel, saves its γ as `weight` and names itself in errors', async () => {
    const { ChannelScale } = await import('../site/snippets/add-layer.js');
    const { ones, tensor } = await import('@wn/tensor');
    const layer = new ChannelScale(2);
    layer.weight.value = tensor([2, -1], [2]);
    expect(layer.forward(ones([1, 2, 1, 2])).toArray()).toEqual([2, 2, -1, -1]);
    expect(Object.keys(layer.stateDict())).toEqual(['weight']);
    expect(() => layer.forward(ones([1, 3, 1, 1]))).toThrow(LayerError);
    expect(() => layer.forward(ones([1, 3, 1, 1]))).toThrow(/expected input \[N, 2, H, W\], got \[1, 3, 1, 1\]/);
  });
});
