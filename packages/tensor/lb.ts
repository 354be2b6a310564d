import { createWasmBackend } from './src/backends/wasm/index.js';
const w = createWasmBackend({ threads: 1 });
const N = 64, H = 256;
const mk = (n: number) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.sin(i) * 3; return a; };
const g = { data: mk(N * 4 * H), shape: [N, 4 * H] }, c = { data: mk(N * H), shape: [N, H] }, dy = { data: mk(N * H), shape: [N, H] };
const k = w.kernels;
const cases: [string, () => Float32Array][] = [
  ['state', () => k.lstmState!(g, c, [N, H])],
  ['output', () => k.lstmOutput!(g, c, [N, H])],
  ['stateBwd gates', () => k.lstmStateBackward!(dy, g, c, 'gates', [N, 4 * H])],
  ['stateBwd c', () => k.lstmStateBackward!(dy, g, c, 'c', [N, H])],
  ['outBwd gates', () => k.lstmOutputBackward!(dy, g, c, 'gates', [N, 4 * H])],
  ['outBwd c', () => k.lstmOutputBackward!(dy, g, c, 'c', [N, H])],
  ['unary sigmoid 64x256', () => k.unary('sigmoid', c, [N, H])],
  ['copy gates', () => { const y = new Float32Array(g.data.length); y.set(g.data); return y; }],
];
for (const [name, f] of cases) {
  for (let i = 0; i < 50; i++) w.free(f());
  const t = performance.now(); for (let i = 0; i < 400; i++) w.free(f());
  console.log(name.padEnd(22), ((performance.now() - t) / 400 * 1000).toFixed(1), 'µs');
}
process.exit(0);
