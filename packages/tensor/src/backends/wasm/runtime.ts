/**
 * The JS side of the wasm kernels: owns the instance, its memory (with the allocator of tensor
 * storage and scratch) and the thread pool, and turns Float32Array operands into calls: operands
 * in the memory are used where they are (others are copied into scratch), results are written
 * into their own blocks, and the work is split across the threads.
 */
import type { BinaryOp, Conv2dAttrs, UnaryOp } from '../../kernels.js';
import { broadcastStrides, sizeOf, stridesOf, type Shape } from '../../shape.js';
import { elementwiseFunctionName, elementwiseRowsFunctionName, ELEMENTWISE_OPS, type ElementwiseOp } from './elementwise-kernels.js';
import { forEachRun, plan, UNARY_LOOPS } from './host-kernels.js';
import { convBlockSizes, type ConvConfig } from './conv-kernels.js';
import { convGeometry, CONV_GEOMETRY_BYTES, isPadded, writeConvGeometry, type ConvGeometry } from './conv-geometry.js';
import { gemmScratchBytes, type GemmConfig } from './gemm-kernels.js';
import { DESCRIPTOR_BYTES, WasmHeap } from './heap.js';
import { BlockAllocator } from './block-allocator.js';
import { KernelMemory } from './kernel-memory.js';
import { BufferPool } from './buffer-pool.js';
import { HeapStorage } from './heap-storage.js';
import type { TensorStorage } from './tensor-storage.js';
import { buildKernelModule, MAX_MEMORY_PAGES, nodeBuiltin, relaxedSimdAvailable, type KernelModule } from './kernel-module.js';
import { ThreadPool } from './thread-pool.js';
import { buildSimdPeakModule } from './simd-peak.js';
import { SIMD_PEAK_STATE_FLOATS } from './simd-peak-layout.js';
import { BN_COEF_BYTES, BN_SUMS_BYTES, BN_SUMS_DY_BYTES } from './batch-norm-kernels.js';
import { gradientCoefficients, moments, normalizeCoefficients } from '../reference/batch-norm.js';
import { buildFusedSimdModule, simdSupports, usedInputs } from './fused-simd.js';
import type { FusedProgram } from '../../fused/program.js';
import type { ContiguousLoop } from './fused-kernel.js';
import { WnError } from '../../errors.js';

export interface WasmRuntimeOptions {
  /** Worker threads sharing the work of big kernels ('auto': one per core, at most 4; 1 when threads are unavailable). */
  readonly threads?: number | 'auto';
  /** Relaxed-SIMD fused multiply-add ('auto': when the engine has it, enabling it in Node). */
  readonly fma?: boolean | 'auto';
  /**
   * Tensor storage in the kernel memory, so kernels use operands and results in place ('auto', the
   * default: where the memory can be shared — Node, or a cross-origin isolated page; elsewhere a
   * grow would detach the views, so tensors keep plain arrays that kernels copy in and out).
   */
  readonly tensorsInMemory?: boolean | 'auto';
  /** The most the kernel memory (tensors and scratch) may grow to, in MiB (default and at most 2048). */
  readonly maxMemoryMiB?: number;
  /** Block sizes and tile shape overrides, for benchmarking and tuning. */
  readonly tuning?: { readonly gemm?: Partial<GemmConfig>; readonly conv?: Partial<ConvConfig> };
}

/**
 * Elementwise add/sub/mul/div (and sums over leading axes) run in the kernel memory from this many
 * elements on (below it the copies in and out and the call cost more than they save: at 1024
 * elements the JS loop takes ~3 µs, the SIMD path ~5 µs; at 15k, 50–120 µs against ~11 µs), on
 * runs of at least MIN_ELEMENTWISE_RUN elements.
 */
export const MIN_ELEMENTWISE_SIZE = 2048;
export const MIN_ELEMENTWISE_RUN = 64;
/**
 * Fused elementwise programs run as SIMD modules from this many output elements on; below it the
 * copies and the call cost more than the JS loop (~3 ns per element) they replace.
 */
export const MIN_FUSED_SIMD_SIZE = 512;
/**
 * Work (flops) below which a call stays on one thread; each extra thread needs this much more.
 * Where the split falls never changes a result (each output's summation order is fixed), only
 * its time: W5's 8.4-MFLOP GEMMs (batch 32 through a 1024→128 layer) took 205–215 µs on the
 * calling thread and 230–235 µs split in two on the 2-core development VM, so they stay whole.
 */
export const MIN_FLOPS_PER_THREAD = 8e6;
/**
 * Memory-bound kernels (elementwise, fused programs, sums over leading axes, weight norm) stay on
 * one thread below this many elements; each extra thread needs this many more. Waking a sleeping
 * worker costs about a SIMD pass over ~10k elements on an idle core, but many times that when
 * the other core is busy (even with nice-19 work): W5's 131k-element passes (the 1024×128
 * weight, its optimizer state) took 65–105 µs on the calling thread and 75–440 µs split in two
 * on the 2-core development VM beside two nice-19 training processes, and @wn's W5, W5-WN and
 * W6-WN steps ran faster at 1 thread than at 2 in every steps report. So a split needs 2¹⁸
 * elements: W5's weight passes stay whole; W3's 401k-element weight (784×512) and W2's
 * activations (~2M) still split.
 */
export const MIN_ELEMENTS_PER_THREAD = 1 << 17;
/** Unary ops run as JS loops (Math.exp and the like, ~5–20 ns an element) split from this many elements per thread. */
export const MIN_UNARY_PER_THREAD = 4096;
/** Memory-bound splits fall on multiples of this many elements (whole vectors, whole cache lines). */
const SPLIT_ALIGN = 16;
/** Kernel-module exports the worker threads can run. */
const WORKER_EXPORTS = [
  'gemm', 'convForward', 'convBackpropInput', 'convBackpropFilter', 'sumRowsF64', 'wn_unitDots', 'wn_scaleUnits', 'wn_gradV', 'wn_rowsNormalize', 'wn_rowsGradG', 'wn_rowsGradV',
  'maxPool2x2', 'maxPool2x2Backward', 'bn_sums', 'bn_sumsDy', 'bn_affine', 'bn_affineDy',
  ...ELEMENTWISE_OPS.map(elementwiseRowsFunctionName),
];
const GEOMETRY_AT = 64;

type Kernel = (...args: number[]) => void;

export class WasmRuntime {
  readonly threads: number;
  readonly fma: boolean;
  private readonly kernels: KernelModule;
  private readonly instance: WebAssembly.Instance;
  private readonly heap: WasmHeap;
  private readonly memory: KernelMemory;
  /** Where the backend's tensors live: views of the kernel memory, or pooled plain arrays. */
  readonly storage: TensorStorage;
  /** Whether {@link storage} hands out views of the kernel memory. */
  readonly tensorsInMemory: boolean;
  private readonly allocator: BlockAllocator;
  private readonly pool: ThreadPool | undefined;
  private readonly blocks: ReturnType<typeof convBlockSizes>;
  /** Compiled fused programs by key and scalar pattern (null: not expressible in SIMD). */
  private readonly fusedRuns = new Map<string, CompiledFused | null>();
  /** Pool ids of the unary loops the workers have compiled. */
  private readonly unaryIds = new Map<UnaryOp, number>();
  /** Pool ids of the fused programs' JS loops the workers have compiled, by source. */
  private readonly fusedLoopIds = new Map<string, number>();
  /** The SIMD peak probes (simd-peak.ts), plain and fused, once compiled. */
  private readonly peakProbes = new Map<boolean, CompiledProbe>();

  constructor(options: WasmRuntimeOptions = {}) {
    const fma = options.fma ?? 'auto';
    this.fma = fma === 'auto' ? relaxedSimdAvailable() : fma && relaxedSimdAvailable();
    if (fma === true && !this.fma) throw new Error('wasm backend: fma requested but relaxed SIMD is unavailable');
    this.threads = resolveThreads(options.threads ?? 'auto');
    const wantInMemory = options.tensorsInMemory ?? 'auto';
    this.tensorsInMemory = wantInMemory === 'auto' ? sharedMemoryAvailable() : wantInMemory;
    if (this.tensorsInMemory && !sharedMemoryAvailable()) throw new WnError('wasm backend', 'tensorsInMemory needs a shared WebAssembly.Memory (SharedArrayBuffer; in a browser, cross-origin isolation)');
    const shared = this.threads > 1 || this.tensorsInMemory;
    this.kernels = buildKernelModule({ shared, fma: this.fma, gemm: options.tuning?.gemm, conv: options.tuning?.conv });
    this.memory = new KernelMemory(shared, this.kernels.memory.initial, maxMemoryBytes(options.maxMemoryMiB));
    const memory = this.memory.memory;
    this.instance = new WebAssembly.Instance(this.kernels.module, { env: { memory } });
    this.allocator = new BlockAllocator(DESCRIPTOR_BYTES, (end) => this.memory.ensure(end));
    this.heap = new WasmHeap(this.memory, this.allocator);
    this.storage = this.tensorsInMemory ? new HeapStorage(this.memory, this.allocator) : new BufferPool();
    this.blocks = convBlockSizes(this.kernels.gemmConfig, this.kernels.convConfig);
    if (this.threads > 1) {
      this.pool = new ThreadPool(this.threads, this.kernels.module, memory, WORKER_EXPORTS);
    }
  }

  /** Byte counts of the kernel memory: its size, blocks live (tensors and scratch) and free; and how many tensors spilled to plain arrays (memory full). */
  memoryStats(): { readonly memoryBytes: number; readonly liveBytes: number; readonly freeBytes: number; readonly spilledTensors: number } {
    const { liveBytes, freeBytes } = this.allocator.stats();
    const spilledTensors = this.storage instanceof HeapStorage ? this.storage.spilled : 0;
    return { memoryBytes: this.memory.byteLength, liveBytes, freeBytes, spilledTensors };
  }

  /** A result array of `length` floats (contents arbitrary). */
  private result(length: number): Float32Array {
    return this.storage.takeDirty(length);
  }

  /** Stops worker threads early (they never keep the process alive anyway). */
  close(): void {
    this.pool?.close();
  }

  private fn(name: string): Kernel {
    return this.instance.exports[name] as Kernel;
  }

  /** Runs `name` with one argument list per thread (on this thread alone when there is one). */
  private run(name: string, tasks: number[][]): void {
    if (tasks.length > 1 && this.pool?.usable) {
      this.pool.run(this.instance, name, tasks);
    } else {
      // Tasks have disjoint outputs and scratch, so running them one after another is equivalent.
      for (const args of tasks) this.fn(name)(...args);
    }
  }

  /** How many threads a memory-bound call over `elements` elements, split into `items` independent parts, should use. */
  private partsFor(elements: number, items: number): number {
    return Math.max(1, Math.min(this.threads, items, Math.floor(elements / MIN_ELEMENTS_PER_THREAD)));
  }

  /** How many threads a call of `flops` work over `items` independent items should use. */
  private threadsFor(flops: number, items: number): number {
    return Math.max(1, Math.min(this.threads, items, Math.floor(flops / MIN_FLOPS_PER_THREAD)));
  }

  /**
   * Batched matmul with the kernel table's semantics: a is [Ba, M, K] ([Ba, K, M] when
   * transposeA), b is [Bb, K, N] ([Bb, N, K] when transposeB), Ba and Bb are B or 1.
   */
  matmul(a: ArrayLike<number>, aShape: Shape, b: ArrayLike<number>, bShape: Shape, transposeA: boolean, transposeB: boolean, out: Shape): Float32Array {
    const [batch, m, n] = out;
    const k = transposeA ? aShape[1] : aShape[2];
    if (batch * m * n === 0 || k === 0) return this.result(batch * m * n).fill(0);
    const heap = this.heap;
    heap.reset();
    const y = this.result(batch * m * n);
    if (batch === 1 && m === 1 && transposeB && !transposeA) {
      // one row times Wᵀ (acting on one observation): dot products over W's rows, no packing
      const xAt = heap.input(a), wAt = heap.input(b), yAt = heap.output(y);
      this.fn('gemvT')(xAt, wAt, n, k, yAt);
      return heap.finish(y, yAt);
    }
    const aAt = heap.input(a), bAt = heap.input(b), cAt = heap.output(y);
    const [rsA, csA] = transposeA ? [1, m] : [k, 1];
    const [rsB, csB] = transposeB ? [1, k] : [n, 1];
    const aBatch = aShape[0] === 1 ? 0 : m * k;
    const bBatch = bShape[0] === 1 ? 0 : k * n;
    const scratch = gemmScratchBytes(this.kernels.gemmConfig);
    const flops = 2 * batch * m * n * k;
    const tasks: number[][] = [];
    // Split whole batches when there are enough, otherwise the larger of rows and columns (rows
    // on a tie: each thread then packs all of B, a vector copy, rather than all of A, a gather).
    const byBatch = batch >= this.threads;
    const splitCols = !byBatch && n > m;
    const extent = byBatch ? batch : splitCols ? n : m;
    const align = byBatch ? 1 : 16;
    const parts = this.threadsFor(flops, Math.ceil(extent / align));
    for (const [lo, hi] of split(extent, parts, align)) {
      const s = heap.alloc(scratch);
      if (byBatch) {
        tasks.push([hi - lo, m, n, k, aAt + 4 * lo * aBatch, aBatch, rsA, csA, bAt + 4 * lo * bBatch, bBatch, rsB, csB, cAt + 4 * lo * m * n, m * n, n, 0, s]);
      } else if (splitCols) {
        tasks.push([batch, m, hi - lo, k, aAt, aBatch, rsA, csA, bAt + 4 * lo * csB, bBatch, rsB, csB, cAt + 4 * lo, m * n, n, 0, s]);
      } else {
        tasks.push([batch, hi - lo, n, k, aAt + 4 * lo * rsA, aBatch, rsA, csA, bAt, bBatch, rsB, csB, cAt + 4 * lo * n, m * n, n, 0, s]);
      }
    }
    this.run('gemm', tasks);
    return heap.finish(y, cAt);
  }

  /**
   * `a op b` broadcast to `out` with the SIMD run functions, or undefined where they do not apply
   * (other ops, small outputs, runs that are short or strided): the caller then uses the JS loops.
   * Same results bit for bit (see elementwise-kernels.ts). Runs on the calling thread.
   */
  binary(op: BinaryOp, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, out: Shape): Float32Array | undefined {
    if (!(ELEMENTWISE_OPS as readonly string[]).includes(op)) return undefined;
    const size = sizeOf(out);
    if (size < MIN_ELEMENTWISE_SIZE) return undefined;
    const p = plan(out, [broadcastStrides(aShape, out), broadcastStrides(bShape, out)]);
    const last = p.dims.length - 1;
    const as = p.strides[0][last], bs = p.strides[1][last];
    if (p.dims[last] < MIN_ELEMENTWISE_RUN || as > 1 || bs > 1 || as + bs === 0) return undefined;
    const heap = this.heap;
    heap.reset();
    const y = this.result(size);
    const aAt = heap.input(a), bAt = heap.input(b), yAt = heap.output(y);
    const parts = p.dims.length <= 2 ? this.partsFor(size, p.dims.length === 1 ? Math.floor(size / SPLIT_ALIGN) : p.dims[0]) : 1;
    if (parts > 1) {
      // one or two dims: whole rows per thread, or ranges of the one run (every output once, so
      // the split cannot change a bit)
      const rows = p.dims.length === 1 ? 1 : p.dims[0], n = p.dims[last];
      const ars = rows === 1 ? 0 : p.strides[0][0], brs = rows === 1 ? 0 : p.strides[1][0];
      const ranges = split(rows === 1 ? n : rows, parts, rows === 1 ? SPLIT_ALIGN : 1);
      const tasks = ranges.map(([lo, hi]) => rows === 1
        ? [yAt + 4 * lo, aAt + 4 * lo * as, 0, as, bAt + 4 * lo * bs, 0, bs, 1, hi - lo]
        : [yAt + 4 * lo * n, aAt + 4 * lo * ars, ars, as, bAt + 4 * lo * brs, brs, bs, hi - lo, n]);
      this.run(elementwiseRowsFunctionName(op as ElementwiseOp), tasks);
      return heap.finish(y, yAt);
    }
    const fn = this.fn(elementwiseFunctionName(op as ElementwiseOp));
    forEachRun(p, (at, o, n) => fn(yAt + 4 * at, aAt + 4 * o[0], as, bAt + 4 * o[1], bs, n));
    return heap.finish(y, yAt);
  }

  /**
   * A unary op of x (in the kernel memory) split over the worker threads: each runs the JS loop
   * of host-kernels.ts on its range (the workers compile the same source, so every element gets
   * the same bits as on one thread). Undefined where that does not apply (one thread, small x, x
   * outside the memory): the caller runs the loop here.
   */
  unary(op: UnaryOp, x: Float32Array): Float32Array | undefined {
    const parts = Math.min(this.threads, Math.floor(x.length / MIN_UNARY_PER_THREAD), Math.floor(x.length / SPLIT_ALIGN));
    if (parts < 2 || !this.pool?.usable || !this.memory.holds(x)) return undefined;
    const y = this.result(x.length);
    const loop = UNARY_LOOPS[op];
    let id = this.unaryIds.get(op);
    if (id === undefined) {
      id = this.pool.addJsFunction(`const loop = ${loop.toString()};\nreturn (f, y, x, n) => loop(f.subarray(y, y + n), f.subarray(x, x + n));`, `unary:${op}`);
      this.unaryIds.set(op, id);
    }
    const y0 = y.byteOffset / 4, x0 = x.byteOffset / 4;
    const tasks = split(x.length, parts, SPLIT_ALIGN).map(([lo, hi]) => [y0 + lo, x0 + lo, hi - lo]);
    const f = this.memory.f32;
    this.pool.runFunction(id, (yi, xi, n) => loop(f.subarray(yi, yi + n), f.subarray(xi, xi + n)), tasks);
    return y;
  }

  /**
   * A fused program's compiled JS loop (fused-kernel.ts) over whole-output and one-value inputs,
   * split over the worker threads, which compile the same source (so the same bits as one
   * thread); false where that does not apply (one thread, a small output, y or an input outside
   * the memory). One-value inputs are read from scratch copies.
   */
  fusedLoop(loop: ContiguousLoop, y: Float32Array, n: number, xs: readonly Float32Array[], scalar: readonly boolean[]): boolean {
    const parts = Math.min(this.threads, Math.floor(n / MIN_UNARY_PER_THREAD), Math.floor(n / SPLIT_ALIGN));
    if (parts < 2 || !this.pool?.usable || !this.memory.holds(y) || xs.some((x, k) => !scalar[k] && !this.memory.holds(x))) return false;
    let id = this.fusedLoopIds.get(loop.source);
    if (id === undefined) {
      if (this.fusedLoopIds.size >= 256) return false; // the workers keep what they compile: bound it
      const mask = JSON.stringify(scalar);
      id = this.pool.addJsFunction(
        `const loop = (function () {\n${loop.source}\n})();\nconst scalar = ${mask};\n` +
          'return (f, y, n, ...xs) => loop(f.subarray(y, y + n), n, xs.map((x, k) => f.subarray(x, x + (scalar[k] ? 1 : n))));',
        'fusedLoop',
      );
      this.fusedLoopIds.set(loop.source, id);
    }
    const heap = this.heap;
    heap.reset();
    const at = xs.map((x, k) => (scalar[k] ? heap.allocCopy(x) : x.byteOffset) / 4);
    const y0 = y.byteOffset / 4;
    const tasks = split(n, parts, SPLIT_ALIGN).map(([lo, hi]) => [y0 + lo, hi - lo, ...at.map((a, k) => (scalar[k] ? a : a + lo))]);
    const f = this.memory.f32;
    this.pool.runFunction(id, (yi, count, ...xi) => loop(f.subarray(yi, yi + count), count, xi.map((a, k) => f.subarray(a, a + (scalar[k] ? 1 : count)))), tasks);
    return true;
  }

  /**
   * sum(x) over `axes` when they are exactly the leading axes of a plan (rows × contiguous columns:
   * a bias gradient), from MIN_ELEMENTWISE_SIZE elements on; undefined otherwise (the JS loop
   * runs it). Float64 accumulation row by row, as the JS loop: the same result bit for bit.
   */
  sumLeadingAxes(x: Float32Array, xShape: Shape, axes: readonly number[], out: Shape): Float32Array | undefined {
    if (x.length < MIN_ELEMENTWISE_SIZE) return undefined;
    const outStrides = stridesOf(out);
    const p = plan(xShape, [stridesOf(xShape), xShape.map((_, d) => (axes.includes(d) ? 0 : outStrides[d]))]);
    if (p.dims.length !== 2 || p.strides[1][0] !== 0 || p.strides[1][1] !== 1 || p.strides[0][1] !== 1) return undefined;
    const [rows, cols] = p.dims;
    const heap = this.heap;
    heap.reset();
    const xAt = heap.input(x), accAt = heap.alloc(8 * cols);
    heap.f64(accAt, cols).fill(0);
    // columns per thread: each column's sum runs over the rows in order, whatever the split
    const ranges = split(cols, this.partsFor(x.length, Math.floor(cols / SPLIT_ALIGN)), SPLIT_ALIGN);
    this.run('sumRowsF64', ranges.map(([lo, hi]) => [accAt + 8 * lo, xAt + 4 * lo, rows, hi - lo, cols]));
    const y = this.result(cols);
    y.set(heap.f64(accAt, cols));
    return y;
  }

  /**
   * `program` over inputs that are each the whole output (n elements) or one value, as a SIMD
   * module in the kernel memory; undefined where that does not apply (small outputs, broadcasting,
   * instructions without an exact f32x4 form): the caller then runs the JS loop. Same results bit
   * for bit (see fused-simd.ts). Runs on the calling thread.
   */
  fused(program: FusedProgram, key: string, xs: readonly Float32Array[], n: number): Float32Array | undefined {
    if (n < MIN_FUSED_SIMD_SIZE) return undefined;
    let mask = '';
    for (const x of xs) {
      if (x.length === n) mask += '0';
      else if (x.length === 1) mask += '1';
      else return undefined;
    }
    const cacheKey = `${key}|${mask}`;
    let compiled = this.fusedRuns.get(cacheKey);
    if (compiled === undefined) {
      if (this.fusedRuns.size >= 256) this.fusedRuns.clear();
      compiled = simdSupports(program) ? this.compileFused(program, xs.map((x) => x.length === 1)) : null;
      this.fusedRuns.set(cacheKey, compiled);
    }
    if (!compiled) return undefined;
    const heap = this.heap;
    heap.reset();
    const args = xs.map((x, k) => (compiled.used[k] ? heap.input(x) : 0));
    const y = this.result(n);
    const yAt = heap.output(y);
    // ranges of whole vectors per thread (the loop writes whole vectors: a range ending mid-vector
    // would write into the next one's first lanes)
    const parts = this.partsFor(n, Math.floor(n / SPLIT_ALIGN));
    if (parts > 1 && this.pool?.usable) {
      const tasks = split(n, parts, SPLIT_ALIGN).map(([lo, hi]) => [yAt + 4 * lo, ...args.map((at, k) => (at === 0 || xs[k].length === 1 ? at : at + 4 * lo)), hi - lo]);
      compiled.poolId ??= this.pool.addFunction(compiled.module, 'run');
      this.pool.runFunction(compiled.poolId, compiled.run, tasks);
    } else {
      compiled.run(yAt, ...args, n);
    }
    return heap.finish(y, yAt);
  }

  private compileFused(program: FusedProgram, scalar: boolean[]): CompiledFused {
    const memory = { initial: this.kernels.memory.initial, maximum: MAX_MEMORY_PAGES, shared: this.kernels.memory.shared };
    const module = buildFusedSimdModule(program, scalar, memory);
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory.memory } });
    return { module, run: instance.exports.run as Kernel, used: usedInputs(program), poolId: undefined };
  }

  /**
   * For benchmarks: the f32x4 multiply-add throughput probe (simd-peak.ts) on `threads` threads at
   * once, each from the same `state` (m, c and the accumulators: SIMD_PEAK_STATE_FLOATS floats) for
   * `iterations` rounds; `fused` uses relaxed_madd (needs {@link fma}). Returns each thread's final
   * state, so callers can check the arithmetic and the work cannot be optimized away.
   */
  simdPeak(iterations: number, state: Float32Array, threads: number, fused: boolean): Float32Array[] {
    if (state.length !== SIMD_PEAK_STATE_FLOATS) throw new WnError('simdPeak', `state has ${state.length} floats, expected ${SIMD_PEAK_STATE_FLOATS}`);
    if (!Number.isInteger(iterations) || iterations < 0 || iterations > 0x7fffffff) throw new WnError('simdPeak', `iterations must be an integer in [0, 2^31), got ${iterations}`);
    if (!Number.isInteger(threads) || threads < 1 || threads > this.threads) throw new WnError('simdPeak', `threads must be an integer in [1, ${this.threads}], got ${threads}`);
    if (fused && !this.fma) throw new WnError('simdPeak', 'the fused probe needs relaxed SIMD (this runtime was created without fma)');
    let probe = this.peakProbes.get(fused);
    if (!probe) {
      const memory = { initial: this.kernels.memory.initial, maximum: MAX_MEMORY_PAGES, shared: this.kernels.memory.shared };
      const module = buildSimdPeakModule(memory, fused);
      const instance = new WebAssembly.Instance(module, { env: { memory: this.memory.memory } });
      probe = { module, run: instance.exports.run as Kernel, poolId: undefined };
      this.peakProbes.set(fused, probe);
    }
    const heap = this.heap;
    heap.reset();
    const at = Array.from({ length: threads }, () => heap.allocCopy(state));
    const tasks = at.map((a) => [iterations, a]);
    if (threads > 1 && this.pool?.usable) {
      probe.poolId ??= this.pool.addFunction(probe.module, 'run');
      this.pool.runFunction(probe.poolId, probe.run, tasks);
    } else {
      for (const args of tasks) probe.run(...args);
    }
    return at.map((a) => heap.f32.slice(a / 4, a / 4 + SIMD_PEAK_STATE_FLOATS));
  }

  /**
   * Weight norm's w = v · (g / ‖v‖) for v viewed as [outer, units, inner] (see
   * weight-norm-kernels.ts): with the units outermost, each unit's row normalized while it is in
   * cache (`wn_rowsNormalize`); otherwise one pass for the squared norms, one for the scaling.
   * Units split over the threads (whole units, so the same bits).
   */
  weightNorm(v: Float32Array, g: ArrayLike<number>, [outer, units, inner]: readonly [number, number, number]): Float32Array {
    const heap = this.heap;
    heap.reset();
    const y = this.result(v.length);
    const ranges = this.unitRanges(outer, units, inner);
    if (outer === 1) {
      const vAt = heap.input(v), gAt = heap.input(g), yAt = heap.output(y);
      this.run('wn_rowsNormalize', ranges.map(([lo, hi]) => [vAt + 4 * lo * inner, gAt + 4 * lo, hi - lo, inner, yAt + 4 * lo * inner]));
      return heap.finish(y, yAt);
    }
    const vAt = heap.input(v), sumsAt = heap.alloc(8 * units), scaleAt = heap.alloc(4 * units), yAt = heap.output(y);
    this.run('wn_unitDots', ranges.map(([lo, hi]) => [vAt + 4 * lo * inner, vAt + 4 * lo * inner, outer, hi - lo, inner, sumsAt + 8 * lo]));
    const f = heap.f32, sums = heap.f64(sumsAt, units), s0 = scaleAt / 4;
    // the per-unit arithmetic rounds like the composed ops: n = sqrt(Σ v²), scale = g / n
    for (let u = 0; u < units; u++) f[s0 + u] = g[u] / Math.fround(Math.sqrt(Math.fround(sums[u])));
    this.run('wn_scaleUnits', ranges.map(([lo, hi]) => [vAt + 4 * lo * inner, scaleAt + 4 * lo, outer, hi - lo, inner, yAt + 4 * lo * inner]));
    return heap.finish(y, yAt);
  }

  /**
   * Per-channel float64 sums over x [outer, C, inner] (batch-norm-kernels.ts) in one pass: Σx and
   * Σx², and with dy also Σdy and Σdy·x; channel ranges split over the threads.
   */
  private channelSums(x: Float32Array, dy: Float32Array | null, [outer, units, inner]: readonly [number, number, number]): Float64Array[] {
    const heap = this.heap;
    heap.reset();
    const bytes = dy ? BN_SUMS_DY_BYTES : BN_SUMS_BYTES, count = bytes / 8;
    const xAt = heap.input(x), dyAt = dy ? heap.input(dy) : 0, sumsAt = heap.alloc(bytes * units);
    const ranges = this.channelRanges(outer, units, inner);
    const stride = units * inner;
    if (dy) this.run('bn_sumsDy', ranges.map(([lo, hi]) => [xAt + 4 * lo * inner, dyAt + 4 * lo * inner, outer, hi - lo, inner, stride, sumsAt + bytes * lo]));
    else this.run('bn_sums', ranges.map(([lo, hi]) => [xAt + 4 * lo * inner, outer, hi - lo, inner, stride, sumsAt + bytes * lo]));
    const sums = heap.f64(sumsAt, count * units);
    return Array.from({ length: count }, (_, k) => Float64Array.from({ length: units }, (_, u) => sums[count * u + k]));
  }

  /** y = (ka·dy + kb·x) + kc per channel (without dy: kb·x + kc) in float64, rounded once; channel ranges over the threads. */
  private channelAffine(x: Float32Array, dy: Float32Array | null, ka: Float64Array | null, kb: Float64Array, kc: Float64Array, [outer, units, inner]: readonly [number, number, number]): Float32Array {
    const heap = this.heap;
    heap.reset();
    const y = this.result(x.length);
    const xAt = heap.input(x), dyAt = dy ? heap.input(dy) : 0, coefAt = heap.alloc(BN_COEF_BYTES * units), yAt = heap.output(y);
    const coef = heap.f64(coefAt, 3 * units);
    for (let u = 0; u < units; u++) {
      coef[3 * u] = ka ? ka[u] : 0;
      coef[3 * u + 1] = kb[u];
      coef[3 * u + 2] = kc[u];
    }
    const ranges = this.channelRanges(outer, units, inner);
    const stride = units * inner;
    const at = (base: number, lo: number) => base + 4 * lo * inner;
    if (dy) this.run('bn_affineDy', ranges.map(([lo, hi]) => [at(xAt, lo), at(dyAt, lo), coefAt + BN_COEF_BYTES * lo, outer, hi - lo, inner, stride, at(yAt, lo)]));
    else this.run('bn_affine', ranges.map(([lo, hi]) => [at(xAt, lo), coefAt + BN_COEF_BYTES * lo, outer, hi - lo, inner, stride, at(yAt, lo)]));
    return heap.finish(y, yAt);
  }

  /** Channel ranges per thread for batch norm's passes (whole channels: each channel's sums keep their order). */
  private channelRanges(outer: number, units: number, inner: number): [number, number][] {
    return split(units, this.partsFor(outer * units * inner, units), 1);
  }

  /**
   * Batch normalization with the batch's statistics over x viewed as [outer, C, inner]: one pass
   * for the per-channel sums, one for y = x·scale + shift (the reference loops' formulas).
   */
  batchNorm(x: Float32Array, weight: ArrayLike<number>, bias: ArrayLike<number>, eps: number, layout: readonly [number, number, number]): Float32Array {
    const [sx, sxx] = this.channelSums(x, null, layout);
    const [scale, shift] = normalizeCoefficients(sx, sxx, layout[0] * layout[2], weight, bias, eps);
    return this.channelAffine(x, null, null, scale, shift, layout);
  }

  /** [2, C]: each channel's mean (row 0) and biased variance (row 1), one pass over x. */
  batchMoments(x: Float32Array, layout: readonly [number, number, number]): Float32Array {
    const [sx, sxx] = this.channelSums(x, null, layout);
    const [mean, variance] = moments(sx, sxx, layout[0] * layout[2]);
    const y = this.result(2 * layout[1]);
    y.set(mean);
    y.set(variance, layout[1]);
    return y;
  }

  /**
   * The gradient of {@link batchNorm} given dy (the reference loops' formulas): β's Σdy (one pass
   * over dy), γ's Σdy·x̂ (one pass over x and dy for Σx, Σx², Σdy, Σdy·x), or x's a·dy + b·x + c
   * (that pass and one more for the result).
   */
  batchNormBackward(dy: Float32Array, x: Float32Array, weight: ArrayLike<number>, eps: number, wrt: 'x' | 'weight' | 'bias', layout: readonly [number, number, number]): Float32Array {
    const units = layout[1];
    if (wrt === 'bias') {
      const y = this.result(units);
      y.set(this.channelSums(dy, null, layout)[0]);
      return y;
    }
    const { sdyHat, a, b, c } = gradientCoefficients(this.channelSums(x, dy, layout), layout[0] * layout[2], weight, eps);
    if (wrt === 'weight') {
      const y = this.result(units);
      y.set(sdyHat);
      return y;
    }
    return this.channelAffine(x, dy, a, b, c, layout);
  }

  /**
   * Unit ranges per thread for weight norm's passes: whole units, only when the units are the
   * outermost axis (outer 1: each unit one contiguous row); each unit's sums keep their order.
   */
  private unitRanges(outer: number, units: number, inner: number): [number, number][] {
    return split(units, outer === 1 ? this.partsFor(units * inner, units) : 1, 1);
  }

  /**
   * The gradient of `weightNorm` given dw (PyTorch's formulas, as the kernel table states them):
   * g's, s/n per unit, or v's, (g/n)·(dw − v·(s/(n·n))), with s = Σ dw·v and n = ‖v‖ per unit.
   */
  weightNormBackward(dw: Float32Array, v: Float32Array, g: ArrayLike<number>, [outer, units, inner]: readonly [number, number, number], wrt: 'v' | 'g'): Float32Array {
    const heap = this.heap;
    heap.reset();
    const y = this.result(wrt === 'v' ? v.length : units);
    const ranges = this.unitRanges(outer, units, inner);
    if (outer === 1) {
      // one read of dw and v per unit row: both sums, then (for v) the gradient while it is in cache
      const dwAt = heap.input(dw), vAt = heap.input(v);
      if (wrt === 'g') {
        const yAt = heap.output(y);
        this.run('wn_rowsGradG', ranges.map(([lo, hi]) => [dwAt + 4 * lo * inner, vAt + 4 * lo * inner, hi - lo, inner, yAt + 4 * lo]));
        return heap.finish(y, yAt);
      }
      const gAt = heap.input(g), yAt = heap.output(y);
      this.run('wn_rowsGradV', ranges.map(([lo, hi]) => [dwAt + 4 * lo * inner, vAt + 4 * lo * inner, gAt + 4 * lo, hi - lo, inner, yAt + 4 * lo * inner]));
      return heap.finish(y, yAt);
    }
    const dwAt = heap.input(dw), vAt = heap.input(v), nAt = heap.alloc(8 * units), sAt = heap.alloc(8 * units);
    const c1At = heap.alloc(4 * units), c2At = heap.alloc(4 * units), yAt = heap.output(y);
    this.run('wn_unitDots', ranges.map(([lo, hi]) => [vAt + 4 * lo * inner, vAt + 4 * lo * inner, outer, hi - lo, inner, nAt + 8 * lo]));
    this.run('wn_unitDots', ranges.map(([lo, hi]) => [dwAt + 4 * lo * inner, vAt + 4 * lo * inner, outer, hi - lo, inner, sAt + 8 * lo]));
    const f = heap.f32, squares = heap.f64(nAt, units), dots = heap.f64(sAt, units);
    for (let u = 0; u < units; u++) {
      const n = Math.fround(Math.sqrt(Math.fround(squares[u]))), s = Math.fround(dots[u]);
      if (wrt === 'g') f[yAt / 4 + u] = s / n;
      else {
        f[c1At / 4 + u] = g[u] / n;
        f[c2At / 4 + u] = s / Math.fround(n * n);
      }
    }
    if (wrt === 'g') return heap.finish(y, yAt);
    this.run('wn_gradV', ranges.map(([lo, hi]) => [dwAt + 4 * lo * inner, vAt + 4 * lo * inner, c1At + 4 * lo, c2At + 4 * lo, outer, hi - lo, inner, yAt + 4 * lo * inner]));
    return heap.finish(y, yAt);
  }

  /**
   * 2×2, stride 2, unpadded max pooling of x [N, C, H, W] into `out` [N, C, ⌊H/2⌋, ⌊W/2⌋] (the
   * caller checks the attributes, see isMaxPool2x2): the JS loop's result bit for bit, planes
   * split over the threads.
   */
  maxPool2x2(x: Float32Array, xShape: Shape, out: Shape): Float32Array {
    const [n, c, h, w] = xShape, [, , oh, ow] = out;
    const heap = this.heap;
    heap.reset();
    const y = this.result(sizeOf(out));
    if (y.length === 0) return y;
    const xAt = heap.input(x), yAt = heap.output(y);
    const planeIn = 4 * h * w, planeOut = 4 * oh * ow;
    const ranges = split(n * c, this.partsFor(x.length, n * c), 1);
    this.run('maxPool2x2', ranges.map(([lo, hi]) => [xAt + lo * planeIn, yAt + lo * planeOut, hi - lo, h, w, oh, ow]));
    return heap.finish(y, yAt);
  }

  /** The gradient of `maxPool2x2` given dy (`out` is x's shape): dy at each window's first maximum, zeros elsewhere. */
  maxPool2x2Backward(dy: Float32Array, x: Float32Array, out: Shape, dyShape: Shape): Float32Array {
    const [n, c, h, w] = out, [, , oh, ow] = dyShape;
    const heap = this.heap;
    heap.reset();
    // the kernel writes every cell of every window; an odd last row or column needs zeros
    const dx = h === 2 * oh && w === 2 * ow ? this.result(x.length) : this.storage.takeZeroed(x.length);
    if (dx.length === 0 || dy.length === 0) return dx.fill(0);
    const dyAt = heap.input(dy), xAt = heap.input(x), dxAt = heap.output(dx);
    if (dxAt !== dx.byteOffset || !this.memory.holds(dx)) heap.f32.fill(0, dxAt / 4, dxAt / 4 + dx.length);
    const planeIn = 4 * h * w, planeOut = 4 * oh * ow;
    const ranges = split(n * c, this.partsFor(x.length, n * c), 1);
    this.run('maxPool2x2Backward', ranges.map(([lo, hi]) => [dyAt + lo * planeOut, xAt + lo * planeIn, dxAt + lo * planeIn, hi - lo, h, w, oh, ow]));
    return heap.finish(dx, dxAt);
  }

  /** NCHW conv2d (cross-correlation) of x [N, C, H, W] with w [OC, C, kh, kw] into `out`. */
  conv2d(x: ArrayLike<number>, xShape: Shape, w: ArrayLike<number>, wShape: Shape, attrs: Conv2dAttrs, out: Shape): Float32Array {
    const g = convGeometry(xShape, wShape, attrs, out);
    const size = sizeOf(out);
    if (size === 0 || g.patch === 0) return this.result(size).fill(0);
    const { mr, kc, nr, convNc } = this.blocks;
    const heap = this.begin(g);
    const y = this.result(size);
    const xAt = heap.input(x), wAt = heap.input(w), yAt = heap.output(y);
    const packedW = heap.alloc(4 * roundUp(g.outC, mr) * g.patch);
    this.fn('packAAll')(wAt, g.patch, 1, g.outC, g.patch, packedW);
    const tasks = this.imageRanges(g).map(([n0, n1]) => [
      GEOMETRY_AT, xAt, packedW, yAt, n0, n1,
      isPadded(g) ? heap.alloc(4 * g.inC * g.padH * g.padW) : 0,
      heap.alloc(4 * kc * convNc),
      heap.alloc(4 * mr * nr),
    ]);
    this.run('convForward', tasks);
    return heap.finish(y, yAt);
  }

  /** Gradient of conv2d with respect to x: dy is conv2d's output gradient, `out` is x's shape. */
  conv2dBackpropInput(dy: ArrayLike<number>, dyShape: Shape, w: ArrayLike<number>, wShape: Shape, attrs: Conv2dAttrs, out: Shape): Float32Array {
    const g = convGeometry(out, wShape, attrs, dyShape);
    const size = sizeOf(out);
    if (size === 0 || g.outC === 0 || g.pixels === 0) return this.result(size).fill(0);
    const { mr, kc, nr, col2imNc } = this.blocks;
    const heap = this.begin(g);
    const dx = this.result(size);
    const dyAt = heap.input(dy), wAt = heap.input(w), dxAt = heap.output(dx);
    // W^T as the A operand: A[tap, oc] = W[oc, tap].
    const packedWT = heap.alloc(4 * roundUp(g.patch, mr) * g.outC);
    this.fn('packAAll')(wAt, 1, g.patch, g.patch, g.outC, packedWT);
    const tasks = this.imageRanges(g).map(([n0, n1]) => [
      GEOMETRY_AT, dyAt, packedWT, dxAt, n0, n1,
      isPadded(g) ? heap.alloc(4 * g.inC * g.padH * g.padW) : 0,
      heap.alloc(4 * kc * col2imNc),
      heap.alloc(4 * g.patch * col2imNc),
      heap.alloc(4 * mr * nr),
    ]);
    this.run('convBackpropInput', tasks);
    return heap.finish(dx, dxAt);
  }

  /** Gradient of conv2d with respect to w: `out` is w's shape [OC, C, kh, kw]. */
  conv2dBackpropFilter(x: ArrayLike<number>, xShape: Shape, dy: ArrayLike<number>, dyShape: Shape, attrs: Conv2dAttrs, out: Shape): Float32Array {
    const g = convGeometry(xShape, out, attrs, dyShape);
    const size = sizeOf(out);
    if (size === 0 || g.batch === 0 || g.pixels === 0) return this.result(size).fill(0);
    const { mr, kc, nr, convNc } = this.blocks;
    const heap = this.begin(g);
    const dW = this.result(size);
    const xAt = heap.input(x), dyAt = heap.input(dy), dwAt = heap.output(dW);
    // The images fall into groups fixed by the shape alone (not the thread count), each summed into
    // its own dW (the first straight into the result) and the groups added in order: the same bits
    // at any thread count. The threads take the groups a round at a time.
    const partials: number[] = [];
    const tasks = filterGradientGroups(g).map(([n0, n1], t) => {
      const dw = t === 0 ? dwAt : heap.alloc(4 * size);
      partials.push(dw);
      return [
        GEOMETRY_AT, xAt, dyAt, dw, n0, n1, 0,
        isPadded(g) ? heap.alloc(4 * g.inC * g.padH * g.padW) : 0,
        heap.alloc(4 * roundUp(g.outC, mr) * kc),
        heap.alloc(4 * kc * convNc),
        heap.alloc(4 * mr * nr),
      ];
    });
    const perRound = Math.max(1, Math.min(this.threads, tasks.length));
    for (let t = 0; t < tasks.length; t += perRound) this.run('convBackpropFilter', tasks.slice(t, t + perRound));
    for (const partial of partials.slice(1)) this.fn('addInto')(dwAt, partial, size);
    return heap.finish(dW, dwAt);
  }

  /** Resets the arena and writes the call's geometry descriptor. */
  private begin(g: ConvGeometry): WasmHeap {
    this.heap.reset();
    writeConvGeometry(this.heap.i32, GEOMETRY_AT, g);
    if (GEOMETRY_AT + CONV_GEOMETRY_BYTES > 1024) throw new Error('unreachable: descriptor overflow');
    return this.heap;
  }

  /** Image ranges, one per thread that is worth waking. */
  private imageRanges(g: ConvGeometry): [number, number][] {
    const flops = 2 * g.batch * g.outC * g.pixels * g.patch;
    return split(g.batch, this.threadsFor(flops, g.batch), 1);
  }
}

/** A generated module (a SIMD peak probe), its entry point here, and its id on the thread pool once added. */
interface CompiledProbe {
  readonly module: WebAssembly.Module;
  readonly run: Kernel;
  poolId: number | undefined;
}

/** A fused program as a SIMD module: a probe-like module plus which inputs it reads. */
interface CompiledFused extends CompiledProbe {
  readonly used: boolean[];
}

/** How many image groups a filter gradient sums separately: up to 4, enough work each (see conv2dBackpropFilter). */
export const FILTER_GRADIENT_GROUPS = 4;

/** The filter gradient's image groups: a function of the shape only, so results do not depend on the thread count. */
function filterGradientGroups(g: ConvGeometry): [number, number][] {
  const flops = 2 * g.batch * g.outC * g.pixels * g.patch;
  return split(g.batch, Math.max(1, Math.min(FILTER_GRADIENT_GROUPS, g.batch, Math.floor(flops / MIN_FLOPS_PER_THREAD))), 1);
}

function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}

/** Splits [0, extent) into `parts` contiguous ranges whose inner boundaries are multiples of `align`. */
function split(extent: number, parts: number, align: number): [number, number][] {
  const ranges: [number, number][] = [];
  let lo = 0;
  for (let p = 0; p < parts && lo < extent; p++) {
    const hi = p === parts - 1 ? extent : Math.min(extent, roundUp(Math.round((extent * (p + 1)) / parts), align));
    if (hi > lo) ranges.push([lo, hi]);
    lo = hi;
  }
  return ranges;
}

/** Whether a shared WebAssembly.Memory can be made here (Node; a cross-origin isolated page). */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return false;
  try {
    return new WebAssembly.Memory({ initial: 0, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

function maxMemoryBytes(mib: number | undefined): number {
  if (mib === undefined) return MAX_MEMORY_PAGES * 65536;
  const pages = Math.floor((mib * 2 ** 20) / 65536);
  if (!Number.isFinite(mib) || pages < 1 || pages > MAX_MEMORY_PAGES) {
    throw new WnError('wasm backend', `option 'maxMemoryMiB' must be between 0.0625 and ${MAX_MEMORY_PAGES / 16}, got ${mib}`);
  }
  return pages * 65536;
}

function resolveThreads(threads: number | 'auto'): number {
  const os = nodeBuiltin<{ availableParallelism(): number }>('node:os');
  const canThread = ThreadPool.supported();
  if (threads === 'auto') return canThread && os ? Math.max(1, Math.min(4, os.availableParallelism())) : 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm backend: threads must be a positive integer or 'auto', got ${threads}`);
  if (threads > 1 && !canThread) throw new Error('wasm backend: threads > 1 needs worker_threads and SharedArrayBuffer (Node)');
  return threads;
}
