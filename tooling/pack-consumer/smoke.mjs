// Runs in a project outside the workspace that installed the packed @wn tarballs with npm
// (tooling/scripts/pack-install.mjs copies it there): plain `node smoke.mjs`, no export
// conditions, so every import must resolve to the built dist/ files.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ENTRIES = [
  '@wn/tensor',
  '@wn/autograd',
  '@wn/layers',
  '@wn/data',
  '@wn/runs',
  '@wn/runs/node',
  '@wn/classify',
  '@wn/rl-dqn',
  '@wn/gen-vae-draw',
];

for (const entry of ENTRIES) {
  const resolved = fileURLToPath(import.meta.resolve(entry));
  assert.match(resolved, /[\\/]node_modules[\\/]@wn[\\/][^\\/]+[\\/]dist[\\/].+\.js$/, `${entry} resolves to ${resolved}, not a built dist/ file`);
  const module = await import(entry);
  assert.ok(Object.keys(module).length > 0, `${entry} exports nothing`);
}

const { Rng, WnError, getBackend, sum, tensor } = await import('@wn/tensor');
const { valueAndGrads } = await import('@wn/autograd');
const { Linear, weightNorm, weightNormOf } = await import('@wn/layers');

const { launchCli } = await import('@wn/runs/launch-cli');
assert.equal(typeof launchCli, 'function');

// A weight-normalized Linear, forward and backward on the default backend (wasm).
assert.equal(getBackend(), 'wasm');
const [batch, inputs, outputs] = [4, 3, 2];
const layer = weightNorm(new Linear(inputs, outputs, { rng: new Rng(0) }));
const { g, v } = weightNormOf(layer);
const xValues = new Rng(1).uniformArray(batch * inputs, -1, 1);
const x = tensor(xValues, [batch, inputs]);
const { value, grads } = valueAndGrads(() => sum(layer.forward(x)), [g.value, v.value]);
const [dg, dv] = grads.map((t) => t.toArray());
assert.deepEqual(grads.map((t) => t.shape), [g.value.shape, v.value.shape]);
// loss = Σ_b Σ_o (w_o · x_b + bias_o), so ∇w_o = Σ_b x_b and ∇g_o = ∇w_o · v_o / ‖v_o‖
const vValues = v.value.toArray();
const gValues = g.value.toArray();
const xSum = new Array(inputs).fill(0);
for (let k = 0; k < batch * inputs; k++) xSum[k % inputs] += xValues[k];
for (let o = 0; o < outputs; o++) {
  const row = vValues.slice(o * inputs, (o + 1) * inputs);
  const norm = Math.hypot(...row);
  const expected = row.reduce((s, vi, i) => s + vi * xSum[i], 0) / norm;
  assert.ok(Math.abs(dg[o] - expected) < 1e-4 * Math.max(1, Math.abs(expected)), `∇g[${o}] = ${dg[o]}, expected ${expected}`);
  // ∇v_o = g_o/‖v_o‖ (∇w_o − (∇g_o/‖v_o‖) v_o): orthogonal to v_o
  const dvRow = dv.slice(o * inputs, (o + 1) * inputs);
  const dot = dvRow.reduce((s, d, i) => s + d * row[i], 0);
  assert.ok(Math.abs(dot) < 1e-4 * Math.max(1, gValues[o] * Math.hypot(...xSum)), `∇v[${o}] · v[${o}] = ${dot}, expected 0`);
}
assert.ok(Number.isFinite(value.item()));
console.log(`weight-normalized Linear on ${getBackend()}: loss ${value.item().toFixed(4)}, ∇g ${dg.map((d) => d.toFixed(4)).join(' ')}`);

// @wn/data's embedded Fashion-MNIST subset ships in the tarball and decodes.
const { loadEmbeddedFashionMnist } = await import('@wn/data');
const fashion = loadEmbeddedFashionMnist();
assert.deepEqual([fashion.train.height, fashion.train.width, fashion.train.channels], [28, 28, 1]);
assert.ok(fashion.train.n > 0 && fashion.test.n > 0);
console.log(`embedded Fashion-MNIST: ${fashion.train.n} train, ${fashion.test.n} test images`);

// @wn/runs draws a PNG chart (its text font is code; the deflate comes from fflate, a registry dependency).
const { lineChartPng } = await import('@wn/runs');
const png = lineChartPng({ title: 'loss', xLabel: 'step', yLabel: 'loss', series: [{ name: 'wn', points: [[0, 1], [1, 0.5], [2, 0.25]] }] });
assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'lineChartPng wrote no PNG signature');
console.log(`@wn/runs chart: ${png.length} bytes of PNG`);

// gpu.js is an optional peer that this project did not install: the subpath loads and says so.
await assert.rejects(import('@wn/tensor/gpujs'), (error) => {
  assert.ok(error instanceof WnError, `expected a WnError, got ${error?.name}: ${error?.message}`);
  assert.match(error.message, /npm install gpu\.js@/);
  return true;
});

// Each model package's CLI entry is built (its bin starts dist/cli.js, never the TypeScript source).
for (const name of ['classify', 'rl-dqn', 'gen-vae-draw']) {
  const cli = fileURLToPath(new URL(`./node_modules/@wn/${name}/dist/cli.js`, import.meta.url));
  assert.ok(existsSync(cli), `${cli} is missing`);
}
console.log('smoke: every entry imports from dist; the example ran');
