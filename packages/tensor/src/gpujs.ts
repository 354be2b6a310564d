/**
 * `import '@wn/tensor/gpujs'` registers the gpu.js backends: `gpujs-cpu` and `gpujs-webasm`
 * everywhere, and `gpujs-webgl2` where a browser offers WebGL2 — there it becomes the default,
 * since it keeps data on the GPU. Kept out of the main entry because loading gpu.js takes about
 * a second in Node, and because gpu.js is an optional peer dependency: this import fails with a
 * WnError naming the package and its install command where gpu.js is not installed.
 *
 * @module @wn/tensor/gpujs
 */
import { loadGpujs } from './backends/gpujs/gpu-class.js';
import { createGpujsBackend } from './backends/gpujs/index.js';
import { ENGINE } from './engine.js';

await loadGpujs();

ENGINE.registerBackend('gpujs-cpu', () => createGpujsBackend({ mode: 'cpu' }), -1);
ENGINE.registerBackend('gpujs-webasm', () => createGpujsBackend({ mode: 'webasm' }), -1);

const hasWebgl2 = typeof document !== 'undefined' && !!document.createElement('canvas').getContext('webgl2');
if (hasWebgl2) ENGINE.registerBackend('gpujs-webgl2', () => createGpujsBackend({ mode: 'webgl2' }), 3);

export { loadGpujs, GPUJS_RANGE } from './backends/gpujs/gpu-class.js';
export { createGpujsBackend, type GpujsBackend, type GpujsBackendOptions, type GpujsMode } from './backends/gpujs/index.js';
