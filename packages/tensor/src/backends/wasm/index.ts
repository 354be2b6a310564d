/**
 * The `wasm` backend. Tensors live in the kernels' WebAssembly.Memory where it can be shared
 * (Node; a cross-origin isolated page): each tensor's storage is a Float32Array view of a block
 * from a size-class allocator in that memory (heap-storage.ts, block-allocator.ts), so the wasm
 * kernels read operands and write results in place; elsewhere tensors keep pooled plain arrays
 * that the kernels copy in and out (heap.ts). matmul and the three conv2d kernels are blocked
 * SIMD128 WebAssembly (generated at startup, see emitter.ts) split over worker threads; so are,
 * for large tensors, add/sub/mul/div, fused programs without transcendental ops (fused-simd.ts),
 * sums over leading axes, weight norm (weight-norm-kernels.ts), batch norm and its gradient
 * (batch-norm-kernels.ts), 2×2 max pooling
 * (max-pool-kernels.ts) and the unary ops (JS loops the workers compile from the same source).
 * The other memory-bound kernels (where, other reductions and pooling) are specialized JS loops
 * (host-kernels.ts), slice and pad are block copies (block-copy.ts); the rest are the reference
 * kernels. Every split keeps each output's order of operations, so results are the same bits at
 * any thread count, and the SIMD paths equal the JS loops bit for bit (weight norm: its reference).
 */
import type { Backend, Kernels } from '../../kernels.js';
import { createReferenceKernels } from '../reference/index.js';
import { sizeOf } from '../../shape.js';
import { padBlocks, sliceBlocks } from './block-copy.js';
import { createFusedKernel } from './fused-kernel.js';
import { createHostKernels } from './host-kernels.js';
import { MIN_ELEMENTWISE_SIZE, WasmRuntime, type WasmRuntimeOptions } from './runtime.js';
import { isMaxPool2x2 } from './max-pool-2x2.js';
import { batchNormGradient, batchNormKernel } from '../reference/batch-norm.js';
import { weightNormLayout } from '../reference/weight-norm.js';
import { concatBlocks } from '../reference/lstm.js';
import { filterbankGradient, filterbankLoop } from '../reference/filterbank.js';
import { createLstmKernels } from './lstm-kernels.js';

/**
 * Options of {@link createWasmBackend}, those of its runtime: `threads` (worker threads sharing big
 * kernels; `'auto'`, the default, is one per core up to 4, or 1 where threads are unavailable),
 * `fma` (relaxed-SIMD fused multiply-add; `'auto'` uses it where the engine has it, which changes
 * results in the last bits), `tensorsInMemory` (tensor storage in the kernel memory; `'auto'`
 * where the memory can be shared), `maxMemoryMiB` (the kernel memory's limit, default 2048: past
 * it an allocation throws a `WnError`) and `tuning` (block sizes of the matmul and conv kernels,
 * for benchmarks).
 */
export type WasmBackendOptions = WasmRuntimeOptions;
export { WasmRuntime, type WasmRuntimeOptions };

/** The wasm backend: a {@link Backend} of Float32Array storage with its compute runtime. */
export interface WasmBackend extends Backend<Float32Array> {
  /** The compute engine behind the fast kernels (thread count, FMA, direct entry points). */
  readonly runtime: WasmRuntime;
}

/**
 * Creates the wasm backend: blocked SIMD128 WebAssembly for matmul and the conv2d kernels (optionally over worker
 * threads), specialized JavaScript loops for the memory-bound kernels, the reference kernels for the rest; float32
 * storage. Registered as `wasm`, the default backend.
 */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  const runtime = new WasmRuntime(options);
  const storage = runtime.storage;
  const alloc = { dirty: (n: number) => storage.takeDirty(n), zeroed: (n: number) => storage.takeZeroed(n) };
  // The reference kernels allocate with the function they are given, so these return Float32Array.
  const host = createHostKernels(alloc);
  const reference = createReferenceKernels(alloc.zeroed) as unknown as Kernels<Float32Array>;
  const kernels: Kernels<Float32Array> = {
    ...reference,
    ...host,
    unary: (op, x, out) => runtime.unary(op, x.data) ?? host.unary(op, x, out),
    binary: (op, a, b, out) => runtime.binary(op, a.data, a.shape, b.data, b.shape, out) ?? host.binary(op, a, b, out),
    reduce: (op, x, axes, out) => (op === 'sum' ? runtime.sumLeadingAxes(x.data, x.shape, axes, out) : undefined) ?? host.reduce(op, x, axes, out),
    pool2d: (x, attrs, out) => (isMaxPool2x2(attrs) && x.data.length >= MIN_ELEMENTWISE_SIZE ? runtime.maxPool2x2(x.data, x.shape, out) : host.pool2d(x, attrs, out)),
    pool2dBackward: (dy, x, attrs, out) =>
      isMaxPool2x2(attrs) && x.data.length >= MIN_ELEMENTWISE_SIZE ? runtime.maxPool2x2Backward(dy.data, x.data, out, dy.shape) : host.pool2dBackward(dy, x, attrs, out),
    fusedElementwise: createFusedKernel(alloc, {
      fast: (program, key, xs, n) => runtime.fused(program, key, xs, n),
      parallel: (loop, y, n, xs, scalar) => runtime.fusedLoop(loop, y, n, xs, scalar),
    }),
    slice: (x, begin, out) => sliceBlocks(x.data, x.shape, begin, out, alloc.dirty(sizeOf(out))),
    pad: (x, before, _after, value, out) => padBlocks(x.data, x.shape, before, value, out, alloc.dirty(sizeOf(out))),
    matmul: (a, b, transposeA, transposeB, out) => runtime.matmul(a.data, a.shape, b.data, b.shape, transposeA, transposeB, out),
    weightNorm: (v, g, dim) => runtime.weightNorm(v.data, g.data, weightNormLayout(v.shape, dim)),
    weightNormBackward: (dw, v, g, dim, wrt) => runtime.weightNormBackward(dw.data, v.data, g.data, weightNormLayout(v.shape, dim), wrt),
    // batch norm: per-channel sums and the affine pass as SIMD loops over channel ranges per thread
    // (batch-norm-kernels.ts) from MIN_ELEMENTWISE_SIZE elements on; below it the reference loops
    batchNorm: (x, w, b, eps) =>
      x.data.length >= MIN_ELEMENTWISE_SIZE ? runtime.batchNorm(x.data, w.data, b.data, eps, weightNormLayout(x.shape, 1)) : (batchNormKernel(x.data, w.data, b.data, x.shape, eps, alloc.dirty) as Float32Array),
    batchNormBackward: (dy, x, w, eps, wrt) =>
      x.data.length >= MIN_ELEMENTWISE_SIZE
        ? runtime.batchNormBackward(dy.data, x.data, w.data, eps, wrt, weightNormLayout(x.shape, 1))
        : (batchNormGradient(dy.data, x.data, w.data, x.shape, eps, wrt, alloc.dirty, Math.fround) as Float32Array),
    batchMoments: (x) => (x.data.length >= MIN_ELEMENTWISE_SIZE ? runtime.batchMoments(x.data, weightNormLayout(x.shape, 1)) : reference.batchMoments!(x, [2, x.shape[1]])),
    // LSTM cells as SIMD loops (lstm-kernels.ts); concat as block copies into an unzeroed buffer
    ...createLstmKernels(alloc.dirty),
    concat: (xs, axis, out) => concatBlocks(xs, axis, out, alloc.dirty) as Float32Array,
    // DRAW's filterbanks are small ([B, N, L] with N ≤ 12): the reference loops, into unzeroed buffers
    filterbank: (c, d, s, attrs) => filterbankLoop(c.data, d.data, s.data, attrs, alloc.dirty) as Float32Array,
    filterbankBackward: (dy, c, d, s, attrs) => filterbankGradient(dy.data, c.data, d.data, s.data, attrs, alloc.dirty) as Float32Array,
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
      const data = values.length === size ? storage.takeDirty(size) : storage.takeZeroed(size);
      data.set(values);
      return data;
    },
    read: (data) => data,
    free: (data) => storage.give(data),
  };
}
