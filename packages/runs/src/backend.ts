/** What a run's numbers were computed with: the tensor backend and, for wasm, its threads and FMA. */
import { ENGINE, getBackend } from '@wn/tensor';

/** The tensor backend a run's numbers were computed with, as recorded in its config and summaries. */
export interface BackendInfo {
  /** The backend's registered name, e.g. `'wasm'`. */
  name: string;
  /** the wasm backend: whether its matmul/conv kernels use relaxed-SIMD fused multiply-add (results differ in the last bits) */
  fma: boolean | null;
  /** The wasm backend's worker thread count; null for other backends. */
  threads: number | null;
}

/** Describes the current @wn/tensor backend (name, and the wasm runtime's FMA and thread settings). */
export function backendInfo(): BackendInfo {
  const backend = ENGINE.backend as { runtime?: { fma?: unknown; threads?: unknown } };
  const runtime = backend.runtime;
  return {
    name: getBackend(),
    fma: typeof runtime?.fma === 'boolean' ? runtime.fma : null,
    threads: typeof runtime?.threads === 'number' ? runtime.threads : null,
  };
}
