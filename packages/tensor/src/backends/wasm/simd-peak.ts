/**
 * A throughput probe for benchmarks: the most f32x4 multiply-add work one thread can issue, with
 * nothing but the arithmetic in the loop, so GEMM's rate can be stated as a fraction of it.
 *
 * `run(iterations, at)` reads its state from `at` — m, c, then SIMD_PEAK_CHAINS accumulators, each
 * an f32x4 (16 bytes) — runs `iterations` rounds of `acc_i = acc_i · m + c` over the independent
 * chains (enough of them to hide the multiply and add latency, few enough to stay in registers:
 * V8 has 15 allocatable xmm registers, and 12 chains + m + c use 14), and stores the accumulators
 * back. As a plain multiply then add (two roundings, as the non-FMA GEMM does) or, in the fused
 * flavour, as f32x4.relaxed_madd (the FMA GEMM's instruction). One round is 8 flops per chain.
 */
import { f32x4, i32, v128, ModuleBuilder, type Local, type MemoryImport } from './emitter.js';
import { SIMD_PEAK_CHAINS } from './simd-peak-layout.js';


/** The probe as a module importing `memory`, exporting `run(iterations, at)`; `fused` uses relaxed_madd. */
export function buildSimdPeakModule(memory: MemoryImport, fused: boolean): WebAssembly.Module {
  const mb = new ModuleBuilder(memory);
  mb.func('run', ['i32', 'i32'], (f, iterations, at) => {
    const m = f.local('v128'), c = f.local('v128'), n = f.local('i32');
    const acc: Local[] = [];
    for (let k = 0; k < SIMD_PEAK_CHAINS; k++) acc.push(f.local('v128'));
    f.set(m, v128.load(at, 0));
    f.set(c, v128.load(at, 16));
    acc.forEach((a, k) => f.set(a, v128.load(at, 32 + 16 * k)));
    f.for(n, 0, iterations, 1, () => {
      for (const a of acc) f.set(a, fused ? f32x4.relaxedMadd(a, m, c) : f32x4.add(f32x4.mul(a, m), c));
    });
    acc.forEach((a, k) => f.storeV128(i32.add(at, 32 + 16 * k), a));
  });
  return new WebAssembly.Module(mb.toBytes() as BufferSource);
}
