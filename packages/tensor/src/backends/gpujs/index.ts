/**
 * The gpu.js backend: every primitive is a generated gpu.js kernel. On GL modes results stay on
 * the device as textures and come back only on `read()`; on cpu and webasm storage is a
 * Float32Array.
 *
 * The GPU class is injectable so the same code runs in Node (the `gpu.js` package, an optional
 * peer dependency that `import '@wn/tensor/gpujs'` loads) and in a browser page that loaded
 * gpu-browser.js as a script (`globalThis.GPU`).
 */
import type { GPU } from 'gpu.js';
import type { Backend } from '../../kernels.js';
import { defaultGpuClass } from './gpu-class.js';
import { createGpujsKernels } from './kernels/index.js';
import { GpujsRuntime, resolveMode, type GpujsMode, type GpujsStorage } from './runtime.js';

export type { GpujsMode, GpujsStorage, ResolvedGpujsMode } from './runtime.js';

/** Options of {@link createGpujsBackend}. */
export interface GpujsBackendOptions {
  /** gpu.js mode; 'gpu' lets gpu.js pick its best (the name then reports the pick). */
  readonly mode: GpujsMode;
  /** An existing GPU instance to build kernels on (its mode wins over `mode`). */
  readonly gpu?: GPU;
  /** The GPU class to instantiate; defaults to `globalThis.GPU` (browser script) or the gpu.js package `loadGpujs` loaded. */
  readonly GPU?: typeof GPU;
}

/** A gpu.js backend: a {@link Backend} with its kernel statistics and a `destroy` for its GPU resources. */
export interface GpujsBackend extends Backend<GpujsStorage> {
  /** Kernels compiled so far (one per op and shape signature). */
  readonly compiledKernels: number;
  /** Kernels gpu.js moved to its plain-JavaScript backend instead of the requested mode, with why. */
  readonly degradedKernels: readonly string[];
  /**
   * Destroys every kernel, and with them all device storage this backend handed out; a GPU
   * instance the backend created itself goes too (releasing its WebGL context).
   */
  destroy(): Promise<void>;
}

/**
 * Creates a gpu.js backend in the given mode (compiling kernels lazily, one per op and shape signature). Throws a
 * `WnError` when gpu.js is not loaded or the mode is unavailable. Usually reached through `import '@wn/tensor/gpujs'`,
 * which registers these backends by name.
 */
export function createGpujsBackend(options: GpujsBackendOptions): GpujsBackend {
  const ownsGpu = options.gpu === undefined;
  const gpu = options.gpu ?? new (options.GPU ?? defaultGpuClass())({ mode: options.mode });
  const rt = new GpujsRuntime(gpu, resolveMode(gpu));
  return {
    name: `gpujs-${rt.mode}`,
    precision: 'float32',
    kernels: createGpujsKernels(rt),
    upload: (values, size) => rt.upload(values, size),
    read: (data, size) => rt.read(data, size),
    free: (data) => rt.free(data),
    get compiledKernels() {
      return rt.compiledKernels;
    },
    degradedKernels: rt.degraded,
    async destroy() {
      rt.destroy();
      if (ownsGpu) await gpu.destroy();
    },
  };
}
