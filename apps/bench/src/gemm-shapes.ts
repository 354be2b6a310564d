/**
 * The GEMM shapes of W5's update (forward, backward) on the wasm backend's matmul at 1 and 2
 * threads, timed by CPU time (user + system of the whole process, worker threads included) so a
 * loaded machine inflates the numbers less than wall time: `node --conditions=@wn/source --import
 * tsx src/gemm-shapes.ts` (`WN_GEMM_SET=W6` for W6's). Prints µs of CPU and wall per call and
 * GFLOP/s of CPU time per shape.
 */
import { createWasmBackend, type WasmBackend } from '@wn/tensor';

type WasmRuntime = WasmBackend['runtime'];

/** [label, m, n, k, transposeA, transposeB] for batch 32: conv → 1024 → 128 → 6. */
export const W5_GEMM_SHAPES: [string, number, number, number, boolean, boolean][] = [
  ['FC1 fwd  x·W1ᵀ', 32, 128, 1024, false, true],
  ['FC2 fwd  h·W2ᵀ', 32, 6, 128, false, true],
  ['FC2 dX   dy·W2', 32, 128, 6, false, false],
  ['FC2 dW   dyᵀ·h', 6, 128, 32, true, false],
  ['FC1 dX   dy·W1', 32, 1024, 128, false, false],
  ['FC1 dW   dyᵀ·x', 128, 1024, 32, true, false],
];

/** The same for W6's update (MLP 4 → 120 → 84 → 2, batch 128). */
export const W6_GEMM_SHAPES: [string, number, number, number, boolean, boolean][] = [
  ['L1 fwd   x·W1ᵀ', 128, 120, 4, false, true],
  ['L2 fwd   h·W2ᵀ', 128, 84, 120, false, true],
  ['L3 fwd   h·W3ᵀ', 128, 2, 84, false, true],
  ['L3 dX    dy·W3', 128, 84, 2, false, false],
  ['L3 dW    dyᵀ·h', 2, 84, 128, true, false],
  ['L2 dX    dy·W2', 128, 120, 84, false, false],
  ['L2 dW    dyᵀ·h', 84, 120, 128, true, false],
  ['L1 dW    dyᵀ·x', 120, 4, 128, true, false],
];

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function bench(rt: WasmRuntime, m: number, n: number, k: number, ta: boolean, tb: boolean, minMs: number) {
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
  const aShape = ta ? [1, k, m] : [1, m, k], bShape = tb ? [1, n, k] : [1, k, n];
  for (let i = 0; i < 20; i++) rt.matmul(a, aShape, b, bShape, ta, tb, [1, m, n]);
  let reps = 0;
  const c0 = cpuUs(), w0 = performance.now();
  while (performance.now() - w0 < minMs) {
    for (let i = 0; i < 10; i++) rt.matmul(a, aShape, b, bShape, ta, tb, [1, m, n]);
    reps += 10;
  }
  return { cpu: (cpuUs() - c0) / reps, wall: ((performance.now() - w0) * 1000) / reps };
}

const minMs = Number(process.env.WN_GEMM_MS ?? 300);
const rounds = Number(process.env.WN_GEMM_ROUNDS ?? 3);
const rts = [1, 2].map((threads) => createWasmBackend({ threads }).runtime);
for (const [label, m, n, k, ta, tb] of process.env.WN_GEMM_SET === 'W6' ? W6_GEMM_SHAPES : W5_GEMM_SHAPES) {
  const cells: string[] = [];
  for (const rt of rts) {
    const runs = Array.from({ length: rounds }, () => bench(rt, m, n, k, ta, tb, minMs)).sort((x, y) => x.cpu - y.cpu);
    const r = runs[Math.floor(rounds / 2)];
    cells.push(`${rt.threads}t cpu ${r.cpu.toFixed(1)} µs wall ${r.wall.toFixed(1)} µs ${((2 * m * n * k) / r.cpu / 1e3).toFixed(2)} GF/s`);
  }
  console.log(`${label.padEnd(16)} ${m}x${n}x${k} ${ta ? 'tA' : '  '}${tb ? 'tB' : '  '} | ${cells.join(' | ')}`);
}
console.log(`fma (relaxed SIMD) ${rts[0].fma}; load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const rt of rts) rt.close();
process.exit(0);
