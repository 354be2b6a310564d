import * as T from '@wn/tensor';
import '@wn/tensor/gpujs';

/** The @wn backends to benchmark: every float32 backend registered in @wn/tensor. */
export function wnBackends(): string[] {
  const only = process.env.WN_BENCH_BACKENDS?.split(',').filter(Boolean);
  const all = T.ENGINE.registeredBackends().filter((b) => b !== 'reference64');
  return only ? all.filter((b) => only.includes(b)) : all;
}
