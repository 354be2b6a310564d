/**
 * This machine's WebAssembly SIMD peak, for stating GEMM as a fraction of it: the f32x4
 * multiply-add throughput of @wn/tensor's probe (its simd-peak.ts: 12 independent chains of
 * acc·m + c per thread, nothing else in the loop), as a plain f32x4.mul + f32x4.add and, where
 * relaxed SIMD validates, as f32x4.relaxed_madd; on 1 thread and on the wasm backend's pool.
 */
import * as T from '@wn/tensor';
import type { Row } from './report.js';

/** The instruction sequence a peak (or a GEMM kernel) issues. */
export type SimdInstructions = 'f32x4.mul + f32x4.add' | 'f32x4.relaxed_madd';

/** One measured peak. */
export interface SimdPeak {
  readonly instructions: SimdInstructions;
  readonly threads: number;
  /** all threads together, from the fastest of the timed calls */
  readonly gflops: number;
  /**
   * The process's CPU time over threads × wall time while it was measured: near 1 when every
   * thread had a core to itself; less when other work on the machine took cores from it.
   */
  readonly cpuShare: number;
}

/** Rounds per probe call: ~20 ms at ~50 GFLOP/s per thread. */
const ITERATIONS = 10_000_000;
/** Short calls before timing (see measureSimdPeaks). */
const WARMUP_CALLS = 8;
/** Timed calls; the peak is the fastest (a peak is the best rate the machine gives). */
const TIMED_CALLS = 9;

/** The instructions of the wasm backend's GEMM and conv kernels: relaxed_madd when its runtime has FMA. */
export function gemmInstructions(runtime: { readonly fma: boolean }): SimdInstructions {
  return runtime.fma ? 'f32x4.relaxed_madd' : 'f32x4.mul + f32x4.add';
}

/** Measures the peaks at 1 thread and at the runtime's thread count (when more), plain and (where available) fused. */
export async function measureSimdPeaks(runtime: T.WasmBackend['runtime'], iterations = ITERATIONS): Promise<SimdPeak[]> {
  const state = new Float32Array(T.SIMD_PEAK_STATE_FLOATS);
  // acc → acc/2 + 1 converges to 2: no overflow, no subnormals
  state.fill(0.5, 0, 4);
  state.fill(1, 4, 8);
  state.fill(3, 8);
  const peaks: SimdPeak[] = [];
  const flavours: [boolean, SimdInstructions][] = [[false, 'f32x4.mul + f32x4.add'], ...(runtime.fma ? [[true, 'f32x4.relaxed_madd'] as [boolean, SimdInstructions]] : [])];
  for (const [fused, instructions] of flavours) {
    for (const threads of [...new Set([1, runtime.threads])]) {
      // warm-up: V8 runs a new wasm function in its baseline tier first and swaps in the optimized
      // code for later calls, once compiled in the background (slow on a loaded machine)
      for (let i = 0; i < WARMUP_CALLS; i++) runtime.simdPeak(Math.ceil(iterations / 10), state, threads, fused);
      let last = 0, best = Infinity;
      const cpu0 = process.cpuUsage(), wall0 = performance.now();
      for (let i = 0; i < TIMED_CALLS; i++) {
        const t0 = performance.now();
        last = runtime.simdPeak(iterations, state, threads, fused)[0][8];
        best = Math.min(best, performance.now() - t0);
      }
      const cpu = process.cpuUsage(cpu0), wall = performance.now() - wall0;
      if (Math.abs(last - 2) > 1e-6) throw new T.WnError('SIMD peak probe', `accumulator converged to ${last}, expected 2`);
      const cpuShare = (cpu.user + cpu.system) / 1000 / (threads * wall);
      peaks.push({ instructions, threads, gflops: (threads * iterations * T.SIMD_PEAK_FLOPS_PER_ITERATION) / best / 1e6, cpuShare });
    }
  }
  return peaks;
}

/** The peak table's rows: instructions, threads, GFLOP/s in all and per thread, and the CPU share it ran with. */
export function peakRows(peaks: readonly SimdPeak[]): Row[] {
  return peaks.map((p) => ({
    instructions: p.instructions, threads: p.threads, 'GFLOP/s': p.gflops, 'GFLOP/s per thread': p.gflops / p.threads, 'CPU share': `${(100 * p.cpuShare).toFixed(0)} %`,
  }));
}

/** The peak matching `instructions` at `threads`, if it was measured. */
export function matchingPeak(peaks: readonly SimdPeak[], instructions: SimdInstructions, threads: number): SimdPeak | undefined {
  return peaks.find((p) => p.instructions === instructions && p.threads === threads);
}

/** `gflops` as a percentage of `peak`, as a table cell ('—' without a peak or a rate). */
export function percentOfPeak(gflops: number | string | undefined, peak: SimdPeak | undefined): string {
  if (!peak || typeof gflops !== 'number' || !Number.isFinite(gflops)) return '—';
  return `${((100 * gflops) / peak.gflops).toFixed(0)} %`;
}
