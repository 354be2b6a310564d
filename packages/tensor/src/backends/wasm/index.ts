/**
 * The `wasm` backend: Float32Array storage like the reference backend, whose kernels it reuses
 * for everything cheap, with matmul and the three conv2d kernels replaced by blocked SIMD128
 * WebAssembly (generated at startup, see emitter.ts) that can split work over worker threads.
 */
import type { Backend, Kernels } from '../../kernels.js';
import { createReferenceKernels } from '../reference/index.js';
import { WasmRuntime, type WasmRuntimeOptions } from './runtime.js';

export type WasmBackendOptions = WasmRuntimeOptions;
export { WasmRuntime, type WasmRuntimeOptions };

export interface WasmBackend extends Backend<Float32Array> {
  /** The compute engine behind the fast kernels (thread count, FMA, direct entry points). */
  readonly runtime: WasmRuntime;
}

export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  const runtime = new WasmRuntime(options);
  // The reference kernels allocate with the function they are given, so these return Float32Array.
  const reference = createReferenceKernels((n) => new Float32Array(n)) as unknown as Kernels<Float32Array>;
  const kernels: Kernels<Float32Array> = {
    ...reference,
    matmul: (a, b, transposeA, transposeB, out) => runtime.matmul(a.data, a.shape, b.data, b.shape, transposeA, transposeB, out),
    conv2d: (x, w, attrs, out) => runtime.conv2d(x.data, x.shape, w.data, w.shape, attrs, out),
    conv2dBackpropInput: (dy, w, attrs, out) => runtime.conv2dBackpropInput(dy.data, dy.shape, w.data, w.shape, attrs, out),
    conv2dBackpropFilter: (x, dy, attrs, out) => runtime.conv2dBackpropFilter(x.data, x.shape, dy.data, dy.shape, attrs, out),
  };
  return {
    name: 'wasm',
    precision: 'float32',
    runtime,
    kernels,
    upload(values, size) {
      const data = new Float32Array(size);
      data.set(values);
      return data;
    },
    read: (data) => data,
    free: () => {},
  };
}
