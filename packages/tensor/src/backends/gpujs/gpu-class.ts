/**
 * Where the gpujs backend gets gpu.js's `GPU` class. gpu.js (with its optional native GPU bindings,
 * tens of MB) is an optional peer dependency of @wn/tensor: only users of the gpujs backends
 * install it. In a browser page that loaded gpu-browser.js as a script the global `GPU` serves;
 * elsewhere `import '@wn/tensor/gpujs'` loads the package once (`loadGpujs`), and a missing
 * package is reported with the command that installs it.
 */
import type { GPU } from 'gpu.js';
import { WnError } from '../../errors.js';

export type GpuClass = typeof GPU;

/** The version range @wn/tensor declares for its optional peer gpu.js. */
export const GPUJS_RANGE = '^2.24.1';
const INSTALL = `npm install gpu.js@${GPUJS_RANGE}`;

let loaded: GpuClass | undefined;

/**
 * The page's global gpu.js `GPU` (gpu-browser.js loaded as a script), if there is one. Browsers
 * with WebGPU define a global `GPU` of their own (the interface of `navigator.gpu`, a constructor
 * that throws "Illegal constructor"), so only a class with gpu.js's `createKernel` counts.
 */
function globalGpu(): GpuClass | undefined {
  const global = (globalThis as unknown as { GPU?: GpuClass }).GPU;
  return typeof global === 'function' && typeof (global.prototype as { createKernel?: unknown } | undefined)?.createKernel === 'function' ? global : undefined;
}

const isNotFound = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
};

/**
 * Loads gpu.js's `GPU` class once (the page's global one if there is one) and keeps it for
 * `defaultGpuClass`.
 * @throws WnError naming gpu.js and its install command when the package is not installed.
 */
export async function loadGpujs(): Promise<GpuClass> {
  loaded ??= globalGpu() ?? (await importGpuClass(() => import('gpu.js')));
  return loaded;
}

/**
 * Runs `importer` (the import of gpu.js) and takes the `GPU` class from the module it yields.
 * @throws WnError naming gpu.js and its install command when the import finds no such package,
 * and a WnError with the cause when the package is there but fails to load or has no GPU class.
 */
export async function importGpuClass(importer: () => Promise<unknown>): Promise<GpuClass> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (error) {
    if (isNotFound(error)) {
      throw new WnError(
        '@wn/tensor/gpujs',
        `the gpujs backends need the package gpu.js (an optional peer dependency of @wn/tensor), which is not installed: run \`${INSTALL}\` (or pnpm add / yarn add), or load gpu-browser.js as a script in a browser page`,
      );
    }
    throw new WnError('@wn/tensor/gpujs', `gpu.js is installed but failed to load: ${error instanceof Error ? error.message : String(error)}`);
  }
  // gpu.js is CommonJS: its exports arrive as the default export (or, bundled, as the namespace)
  const ns = (mod ?? {}) as { default?: { GPU?: unknown }; GPU?: unknown };
  const GPUClass = ns.default?.GPU ?? ns.GPU;
  if (typeof GPUClass !== 'function') {
    throw new WnError('@wn/tensor/gpujs', `the gpu.js module has no GPU class (got ${typeof GPUClass}); expected gpu.js ${GPUJS_RANGE}`);
  }
  return GPUClass as GpuClass;
}

/**
 * The GPU class a backend instantiates when given none: the page's global `GPU`, else the one
 * `loadGpujs` loaded.
 * @throws WnError when neither is there (gpu.js not loaded yet, or not installed).
 */
export function defaultGpuClass(): GpuClass {
  const found = globalGpu() ?? loaded;
  if (found) return found;
  throw new WnError(
    'createGpujsBackend',
    `no gpu.js GPU class: import '@wn/tensor/gpujs' (which loads the optional peer dependency gpu.js; install it with \`${INSTALL}\`), pass { GPU } or { gpu }, or load gpu-browser.js as a script in a browser page`,
  );
}
