/** What a run's numbers were computed with: the tensor backend and, for wasm, its threads and FMA. */
import { ENGINE, getBackend } from '@wn/tensor';

export interface BackendInfo {
  name: string;
  /** the wasm backend: whether its matmul/conv kernels use relaxed-SIMD fused multiply-add (results differ in the last bits) */
  fma: boolean | null;
  threads: number | null;
}

export function backendInfo(): BackendInfo {
  const backend = ENGINE.backend as { runtime?: { fma?: unknown; threads?: unknown } };
  const runtime = backend.runtime;
  return {
    name: getBackend(),
    fma: typeof runtime?.fma === 'boolean' ? runtime.fma : null,
    threads: typeof runtime?.threads === 'number' ? runtime.threads : null,
  };
}
