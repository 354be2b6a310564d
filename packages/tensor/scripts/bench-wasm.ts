/**
 * Measures the wasm backend's heavy kernels on this machine:
 *   npx tsx packages/tensor/scripts/bench-wasm.ts [--threads 1,2] [--fma auto|off] [--quick]
 * SGEMM GFLOP/s at N = 256/512/1024, and ms per conv2d forward / backprop input / backprop filter
 * for the layers of the CIFAR-style training step at batch 64.
 *
 * Each figure is the median wall time of the runs; `best` is the fastest run and `cpu` the least
 * process CPU time of a run (all threads), which is what to compare on a machine shared with other
 * work: wall time there mostly measures the other processes.
 */
import type { Conv2dAttrs } from '../src/kernels.js';
import { WasmRuntime } from '../src/backends/wasm/runtime.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const threadCounts = option('threads', '1,2').split(',').map(Number);
const fma = option('fma', 'auto') === 'off' ? false : 'auto';
const quick = args.includes('--quick');
const runs = quick ? 3 : 7;

function random(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.random() * 2 - 1;
  return out;
}

interface Timing {
  /** median wall ms */
  readonly median: number;
  /** fastest wall ms */
  readonly best: number;
  /** least CPU ms of one run, summed over threads */
  readonly cpu: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Timings of `runs` calls after two warm-up calls (which also tier the wasm up). */
function time(fn: () => void): Timing {
  fn();
  fn();
  const walls: number[] = [];
  let cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const c0 = cpuMs(), t0 = performance.now();
    fn();
    walls.push(performance.now() - t0);
    cpu = Math.min(cpu, cpuMs() - c0);
  }
  walls.sort((a, b) => a - b);
  return { median: walls[walls.length >> 1], best: walls[0], cpu };
}

interface Layer {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  pad: number;
}
const BATCH = 64;
const layers: Layer[] = [
  { name: 'conv 3->32 3x3 @32', x: [BATCH, 3, 32, 32], w: [32, 3, 3, 3], pad: 1 },
  { name: 'conv 32->32 3x3 @32', x: [BATCH, 32, 32, 32], w: [32, 32, 3, 3], pad: 1 },
  { name: 'conv 32->64 3x3 @16', x: [BATCH, 32, 16, 16], w: [64, 32, 3, 3], pad: 1 },
  { name: 'conv 64->64 3x3 @16', x: [BATCH, 64, 16, 16], w: [64, 64, 3, 3], pad: 1 },
  { name: 'conv 64->64 3x3 valid @8', x: [BATCH, 64, 8, 8], w: [64, 64, 3, 3], pad: 0 },
  { name: 'conv 64->64 1x1 @6', x: [BATCH, 64, 6, 6], w: [64, 64, 1, 1], pad: 0 },
  { name: 'conv 64->10 1x1 @6', x: [BATCH, 64, 6, 6], w: [10, 64, 1, 1], pad: 0 },
];

for (const threads of threadCounts) {
  const runtime = new WasmRuntime({ threads, fma });
  console.log(`\n== wasm, threads ${runtime.threads}, ${runtime.fma ? 'relaxed-SIMD FMA' : 'SIMD128 mul+add'} ==`);
  for (const n of [256, 512, 1024]) {
    const a = random(n * n), b = random(n * n);
    const t = time(() => runtime.matmul(a, [1, n, n], b, [1, n, n], false, false, [1, n, n]));
    const rate = (ms: number) => ((2 * n ** 3) / ms / 1e6).toFixed(1).padStart(5);
    console.log(`sgemm ${String(n).padStart(4)}: ${rate(t.median)} GFLOP/s median, ${rate(t.best)} best, ${rate(t.cpu)} per CPU-second`);
  }
  let total = 0, totalBest = 0, totalCpu = 0;
  console.log('conv layer (batch 64)          forward             backprop input      backprop filter     [ms: median / best / cpu]');
  for (const layer of layers) {
    const [n, c, h, w] = layer.x;
    const [oc, , kh, kw] = layer.w;
    const oh = h + 2 * layer.pad - kh + 1, ow = w + 2 * layer.pad - kw + 1;
    const yShape = [n, oc, oh, ow];
    const attrs: Conv2dAttrs = { stride: [1, 1], pad: [layer.pad, layer.pad, layer.pad, layer.pad], dilation: [1, 1] };
    const x = random(n * c * h * w), wt = random(oc * c * kh * kw), dy = random(n * oc * oh * ow);
    const fwd = time(() => runtime.conv2d(x, layer.x, wt, layer.w, attrs, yShape));
    const bi = time(() => runtime.conv2dBackpropInput(dy, yShape, wt, layer.w, attrs, layer.x));
    const bf = time(() => runtime.conv2dBackpropFilter(x, layer.x, dy, yShape, attrs, layer.w));
    // The first layer's input gradient is not needed for training.
    const needed = layer === layers[0] ? [fwd, bf] : [fwd, bi, bf];
    total += needed.reduce((s, t) => s + t.median, 0);
    totalBest += needed.reduce((s, t) => s + t.best, 0);
    totalCpu += needed.reduce((s, t) => s + t.cpu, 0);
    const show = (t: Timing) => `${t.median.toFixed(1)} / ${t.best.toFixed(1)} / ${t.cpu.toFixed(1)}`.padEnd(20);
    console.log(`${layer.name.padEnd(30)} ${show(fwd)}${show(bi)}${show(bf)}`);
  }
  console.log(`conv total per training step (forward + needed gradients): ${total.toFixed(1)} ms median, ${totalBest.toFixed(1)} ms best, ${totalCpu.toFixed(1)} CPU-ms`);
  runtime.close();
}
