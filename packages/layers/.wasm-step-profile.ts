// Temporary profiler (not committed): one CIFAR-style training step on the wasm backend, time per kernel.
import * as T from '@wn/tensor';
import * as L from './src/index.js';
import { createWasmBackend } from '../tensor/src/backends/wasm/index.js';
const threads = Number(process.argv[2] ?? 2);
const totals = new Map<string, { ms: number; calls: number }>();
T.registerBackend('wasm-prof', () => {
  const b = createWasmBackend({ threads });
  const kernels: any = {};
  for (const [name, fn] of Object.entries(b.kernels)) {
    kernels[name] = (...args: any[]) => {
      const label = name === 'binary' || name === 'unary' || name === 'reduce' ? `${name}:${args[0]}` : name;
      const t0 = performance.now(); const r = (fn as any)(...args); const ms = performance.now() - t0;
      if (process.env.SHOW === name && totals.size > 0) console.log(name, args.filter((a: any) => a && a.shape).map((a: any) => JSON.stringify(a.shape) + a.data.length).join(" "), ms.toFixed(2));
      const e = totals.get(label) ?? { ms: 0, calls: 0 }; e.ms += ms; e.calls++; totals.set(label, e);
      return r;
    };
  }
  return { ...b, kernels };
});
T.setBackend('wasm-prof');
const net = new L.Sequential([
  new L.Conv2d(3, 32, 3, { padding: 1 }), new L.ReLU(), new L.Conv2d(32, 32, 3, { padding: 1 }), new L.ReLU(), new L.MaxPool2d(2),
  new L.Conv2d(32, 64, 3, { padding: 1 }), new L.ReLU(), new L.Conv2d(64, 64, 3, { padding: 1 }), new L.ReLU(), new L.MaxPool2d(2),
  new L.Conv2d(64, 64, 3), new L.ReLU(), new L.Conv2d(64, 64, 1), new L.ReLU(), new L.Conv2d(64, 10, 1), new L.GlobalAvgPool2d(),
]);
const opt = new L.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
const rng = new T.Rng(1);
const x = rng.normal([64, 3, 32, 32]);
const labels = T.tensor(Array.from({ length: 64 }, (_, i) => i % 10));
const step = () => L.trainStep(opt, () => L.softmaxCrossEntropy(net.forward(x), labels));
for (let i = 0; i < 2; i++) step();
totals.clear();
const N = 3; const t0 = performance.now();
for (let i = 0; i < N; i++) step();
const wall = (performance.now() - t0) / N;
let kernelMs = 0;
const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
for (const [, v] of rows) kernelMs += v.ms / N;
console.log(`threads ${threads}: step ${wall.toFixed(1)} ms, in kernels ${kernelMs.toFixed(1)} ms`);
for (const [k, v] of rows.slice(0, 25)) console.log(`  ${k.padEnd(24)} ${(v.ms / N).toFixed(1).padStart(7)} ms  ${(v.calls / N).toFixed(0)} calls`);
