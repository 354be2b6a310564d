/**
 * `@wn/tensor` — float32 tensors with one op table and many backends.
 *
 * Backends registered here: `wasm` (SIMD kernels, the default: fastest on a CPU), `reference`
 * (plain loops, the spec) and `reference64` (float64, for gradient checks). The gpu.js backends
 * register on `import '@wn/tensor/gpujs'`.
 *
 * @module @wn/tensor
 */
import { createReferenceBackend } from './backends/reference/index.js';
import { createWasmBackend } from './backends/wasm/index.js';
import { ENGINE, type OpListener } from './engine.js';
import { setReleaseHook, type Tensor } from './tensor.js';

setReleaseHook((t) => ENGINE.release(t));
ENGINE.registerBackend('reference', () => createReferenceBackend(), 1);
ENGINE.registerBackend('reference64', () => createReferenceBackend({ precision: 'float64' }), 0);
ENGINE.registerBackend('wasm', () => createWasmBackend(), 2);

export { Tensor } from './tensor.js';
export { WnError, FileFormatError, argError, fmt as formatValue, type FileFormatErrorOptions } from './errors.js';
export { ENGINE, Engine, type OpRecord, type OpListener, type OpName, type OpAttrs, type BackendFactory } from './engine.js';
export * from './kernels.js';
export { broadcastShapes, normalizeAxes, normalizeAxis, shapesEqual, sizeOf, stridesOf, type Shape } from './shape.js';
export { createReferenceBackend, createReferenceKernels, type HostArray } from './backends/reference/index.js';
export { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './backends/wasm/index.js';
export { SIMD_PEAK_CHAINS, SIMD_PEAK_STATE_FLOATS, SIMD_PEAK_FLOPS_PER_ITERATION } from './backends/wasm/simd-peak-layout.js';
export * from './ops/creation.js';
export * from './ops/random.js';
export * from './ops/elementwise.js';
export * from './ops/shape-ops.js';
export * from './ops/reduce.js';
export * from './ops/linalg.js';
export * from './ops/conv.js';
export * from './ops/pool.js';
export * from './ops/indexing.js';
export * from './ops/nn.js';
export * from './ops/fused.js';
export * from './ops/weight-norm.js';
export * from './ops/batch-norm.js';
export * from './ops/lstm.js';
export * from './ops/filterbank.js';
export { fuse, FusedValue, type FusedBuilder, type FusedInputs, type FusedOperand } from './fused/builder.js';
export { isPiecewiseConstant as isPiecewiseConstantProgram, keyOf as fusedProgramKey, liveCode as fusedLiveCode, validateProgram as validateFusedProgram, type FusedInstruction, type FusedProgram } from './fused/program.js';
export type { TensorLike } from './ops/util.js';

/** Runs `fn`, disposing every tensor it creates except those it returns or `keep`s. */
export const tidy = <T>(fn: () => T): T => ENGINE.tidy(fn);
/** Excludes a tensor from enclosing tidy scopes. */
export const keep = <T extends Tensor>(t: T): T => ENGINE.keep(t);
/** Disposes tensors found in a tensor, array or plain object. */
export function dispose(value: unknown): void {
  if (value && typeof value === 'object') {
    if ('dispose' in value && typeof (value as Tensor).dispose === 'function' && 'shape' in value) (value as Tensor).dispose();
    else for (const v of Object.values(value)) dispose(v);
  }
}
/**
 * Makes `name` (e.g. `'wasm'`, `'reference'`, `'gpujs-webgl2'`) the current backend for tensors created from now on.
 * Throws a `WnError` listing the registered backends when `name` is unknown.
 */
export const setBackend = (name: string): void => ENGINE.setBackend(name);
/** The name of the current backend. */
export const getBackend = (): string => ENGINE.backend.name;
/**
 * Runs `fn` (synchronous only) with `name` as the current backend and restores the previous one; throws a `WnError` if
 * `fn` returns a Promise.
 */
export const withBackend = <T>(name: string, fn: () => T): T => ENGINE.withBackend(name, fn);
/**
 * Registers a backend factory under `name`; when none is set, the backend of highest `priority` becomes the default
 * (`wasm` has 2, `reference` 1).
 */
export const registerBackend = (name: string, factory: () => import('./kernels.js').Backend, priority = 0): void =>
  ENGINE.registerBackend(name, factory, priority);
/** Live tensor and storage counts: tests assert nothing leaks. */
export const memory = (): { tensors: number; storages: number } => ({ tensors: ENGINE.liveTensors, storages: ENGINE.liveStorages });
/** Subscribes to every op dispatched (autograd's tape, the profiler); returns the unsubscribe. */
export const onOp = (listener: OpListener): (() => void) => ENGINE.addListener(listener);
