/**
 * The JS side of the wasm kernels: owns the instance, its memory and the thread pool, and turns
 * Float32Array operands into calls (copy in, split the work across threads, copy out).
 */
import type { BinaryOp, Conv2dAttrs } from '../../kernels.js';
import { broadcastStrides, sizeOf, stridesOf, type Shape } from '../../shape.js';
import { elementwiseFunctionName, ELEMENTWISE_OPS, type ElementwiseOp } from './elementwise-kernels.js';
import { forEachRun, plan } from './host-kernels.js';
import { convBlockSizes, type ConvConfig } from './conv-kernels.js';
import { convGeometry, CONV_GEOMETRY_BYTES, isPadded, writeConvGeometry, type ConvGeometry } from './conv-geometry.js';
import { gemmScratchBytes, type GemmConfig } from './gemm-kernels.js';
import { WasmHeap } from './heap.js';
import { buildKernelModule, MAX_MEMORY_PAGES, nodeBuiltin, relaxedSimdAvailable, type KernelModule } from './kernel-module.js';
import { ThreadPool } from './thread-pool.js';
import { buildFusedSimdModule, simdSupports, usedInputs } from './fused-simd.js';
import type { FusedProgram } from '../../fused/program.js';

export interface WasmRuntimeOptions {
  /** Worker threads sharing the work of big kernels ('auto': one per core, at most 4; 1 when threads are unavailable). */
  readonly threads?: number | 'auto';
  /** Relaxed-SIMD fused multiply-add ('auto': when the engine has it, enabling it in Node). */
  readonly fma?: boolean | 'auto';
  /** Allocates result arrays (which are fully overwritten); the backend passes its buffer pool. */
  readonly allocate?: (length: number) => Float32Array;
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
/** Work (flops) below which a call stays on one thread; each extra thread needs this much more. */
export const MIN_FLOPS_PER_THREAD = 4e6;
const GEOMETRY_AT = 64;

type Kernel = (...args: number[]) => void;

export class WasmRuntime {
  readonly threads: number;
  readonly fma: boolean;
  private readonly kernels: KernelModule;
  private readonly instance: WebAssembly.Instance;
  private readonly heap: WasmHeap;
  private readonly pool: ThreadPool | undefined;
  private readonly blocks: ReturnType<typeof convBlockSizes>;
  /** Compiled fused programs by key and scalar pattern (null: not expressible in SIMD). */
  private readonly fusedRuns = new Map<string, { run: Kernel; used: boolean[] } | null>();

  constructor(options: WasmRuntimeOptions = {}) {
    const fma = options.fma ?? 'auto';
    this.fma = fma === 'auto' ? relaxedSimdAvailable() : fma && relaxedSimdAvailable();
    if (fma === true && !this.fma) throw new Error('wasm backend: fma requested but relaxed SIMD is unavailable');
    this.threads = resolveThreads(options.threads ?? 'auto');
    const shared = this.threads > 1;
    this.kernels = buildKernelModule({ shared, fma: this.fma, gemm: options.tuning?.gemm, conv: options.tuning?.conv });
    const memory = new WebAssembly.Memory({ initial: this.kernels.memory.initial, maximum: MAX_MEMORY_PAGES, shared } as WebAssembly.MemoryDescriptor);
    this.instance = new WebAssembly.Instance(this.kernels.module, { env: { memory } });
    this.heap = new WasmHeap(memory, MAX_MEMORY_PAGES * 65536, options.allocate);
    this.blocks = convBlockSizes(this.kernels.gemmConfig, this.kernels.convConfig);
    if (shared) {
      this.pool = new ThreadPool(this.threads, this.kernels.module, memory, ['gemm', 'convForward', 'convBackpropInput', 'convBackpropFilter']);
    }
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
    if (batch * m * n === 0 || k === 0) return new Float32Array(batch * m * n);
    const heap = this.heap;
    heap.reset();
    if (batch === 1 && m === 1 && transposeB && !transposeA) {
      // one row times Wᵀ (acting on one observation): dot products over W's rows, no packing
      const xAt = heap.allocCopy(a), wAt = heap.allocCopy(b), yAt = heap.alloc(4 * n);
      this.fn('gemvT')(xAt, wAt, n, k, yAt);
      return heap.read(yAt, n);
    }
    const aAt = heap.allocCopy(a), bAt = heap.allocCopy(b), cAt = heap.alloc(4 * batch * m * n);
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
    return heap.read(cAt, batch * m * n);
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
    const aAt = heap.allocCopy(a), bAt = heap.allocCopy(b), yAt = heap.alloc(4 * size);
    const fn = this.fn(elementwiseFunctionName(op as ElementwiseOp));
    forEachRun(p, (at, o, n) => fn(yAt + 4 * at, aAt + 4 * o[0], as, bAt + 4 * o[1], bs, n));
    return heap.read(yAt, size);
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
    const xAt = heap.allocCopy(x), accAt = heap.alloc(8 * cols);
    heap.f64(accAt, cols).fill(0);
    this.fn('sumRowsF64')(accAt, xAt, rows, cols);
    const y = heap.read(xAt, cols); // a pooled array of the right length; overwritten next
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
    const args = xs.map((x, k) => (compiled.used[k] ? heap.allocCopy(x) : 0));
    const yAt = heap.alloc(4 * n);
    compiled.run(yAt, ...args, n);
    return heap.read(yAt, n);
  }

  private compileFused(program: FusedProgram, scalar: boolean[]): { run: Kernel; used: boolean[] } {
    const memory = { initial: this.kernels.memory.initial, maximum: MAX_MEMORY_PAGES, shared: this.kernels.memory.shared };
    const instance = new WebAssembly.Instance(buildFusedSimdModule(program, scalar, memory), { env: { memory: this.heap.memory } });
    return { run: instance.exports.run as Kernel, used: usedInputs(program) };
  }

  /**
   * Weight norm's w = v · (g / ‖v‖) for v viewed as [outer, units, inner] (see
   * weight-norm-kernels.ts): one pass for the squared norms, one for the scaling. Runs on the
   * calling thread.
   */
  weightNorm(v: Float32Array, g: ArrayLike<number>, [outer, units, inner]: readonly [number, number, number]): Float32Array {
    const heap = this.heap;
    heap.reset();
    const vAt = heap.allocCopy(v), sumsAt = heap.alloc(8 * units), scaleAt = heap.alloc(4 * units), yAt = heap.alloc(4 * v.length);
    this.fn('wn_unitDots')(vAt, vAt, outer, units, inner, sumsAt);
    const f = heap.f32, sums = heap.f64(sumsAt, units), s0 = scaleAt / 4;
    // the per-unit arithmetic rounds like the composed ops: n = sqrt(Σ v²), scale = g / n
    for (let u = 0; u < units; u++) f[s0 + u] = g[u] / Math.fround(Math.sqrt(Math.fround(sums[u])));
    this.fn('wn_scaleUnits')(vAt, scaleAt, outer, units, inner, yAt);
    return heap.read(yAt, v.length);
  }

  /**
   * The gradient of `weightNorm` given dw (PyTorch's formulas, as the kernel table states them):
   * g's, s/n per unit, or v's, (g/n)·(dw − v·(s/(n·n))), with s = Σ dw·v and n = ‖v‖ per unit.
   */
  weightNormBackward(dw: Float32Array, v: Float32Array, g: ArrayLike<number>, [outer, units, inner]: readonly [number, number, number], wrt: 'v' | 'g'): Float32Array {
    const heap = this.heap;
    heap.reset();
    const dwAt = heap.allocCopy(dw), vAt = heap.allocCopy(v), nAt = heap.alloc(8 * units), sAt = heap.alloc(8 * units);
    const c1At = heap.alloc(4 * units), c2At = heap.alloc(4 * units), yAt = heap.alloc(4 * (wrt === 'v' ? v.length : units));
    this.fn('wn_unitDots')(vAt, vAt, outer, units, inner, nAt);
    this.fn('wn_unitDots')(dwAt, vAt, outer, units, inner, sAt);
    const f = heap.f32, squares = heap.f64(nAt, units), dots = heap.f64(sAt, units);
    for (let u = 0; u < units; u++) {
      const n = Math.fround(Math.sqrt(Math.fround(squares[u]))), s = Math.fround(dots[u]);
      if (wrt === 'g') f[yAt / 4 + u] = s / n;
      else {
        f[c1At / 4 + u] = g[u] / n;
        f[c2At / 4 + u] = s / Math.fround(n * n);
      }
    }
    if (wrt === 'g') return heap.read(yAt, units);
    this.fn('wn_gradV')(dwAt, vAt, c1At, c2At, outer, units, inner, yAt);
    return heap.read(yAt, v.length);
  }

  /** NCHW conv2d (cross-correlation) of x [N, C, H, W] with w [OC, C, kh, kw] into `out`. */
  conv2d(x: ArrayLike<number>, xShape: Shape, w: ArrayLike<number>, wShape: Shape, attrs: Conv2dAttrs, out: Shape): Float32Array {
    const g = convGeometry(xShape, wShape, attrs, out);
    const size = sizeOf(out);
    if (size === 0 || g.patch === 0) return new Float32Array(size);
    const { mr, kc, nr, convNc } = this.blocks;
    const heap = this.begin(g);
    const xAt = heap.allocCopy(x), wAt = heap.allocCopy(w), yAt = heap.alloc(4 * size);
    const packedW = heap.alloc(4 * roundUp(g.outC, mr) * g.patch);
    this.fn('packAAll')(wAt, g.patch, 1, g.outC, g.patch, packedW);
    const tasks = this.imageRanges(g).map(([n0, n1]) => [
      GEOMETRY_AT, xAt, packedW, yAt, n0, n1,
      isPadded(g) ? heap.alloc(4 * g.inC * g.padH * g.padW) : 0,
      heap.alloc(4 * kc * convNc),
      heap.alloc(4 * mr * nr),
    ]);
    this.run('convForward', tasks);
    return heap.read(yAt, size);
  }

  /** Gradient of conv2d with respect to x: dy is conv2d's output gradient, `out` is x's shape. */
  conv2dBackpropInput(dy: ArrayLike<number>, dyShape: Shape, w: ArrayLike<number>, wShape: Shape, attrs: Conv2dAttrs, out: Shape): Float32Array {
    const g = convGeometry(out, wShape, attrs, dyShape);
    const size = sizeOf(out);
    if (size === 0 || g.outC === 0 || g.pixels === 0) return new Float32Array(size);
    const { mr, kc, nr, col2imNc } = this.blocks;
    const heap = this.begin(g);
    const dyAt = heap.allocCopy(dy), wAt = heap.allocCopy(w), dxAt = heap.alloc(4 * size);
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
    return heap.read(dxAt, size);
  }

  /** Gradient of conv2d with respect to w: `out` is w's shape [OC, C, kh, kw]. */
  conv2dBackpropFilter(x: ArrayLike<number>, xShape: Shape, dy: ArrayLike<number>, dyShape: Shape, attrs: Conv2dAttrs, out: Shape): Float32Array {
    const g = convGeometry(xShape, out, attrs, dyShape);
    const size = sizeOf(out);
    if (size === 0 || g.batch === 0 || g.pixels === 0) return new Float32Array(size);
    const { mr, kc, nr, convNc } = this.blocks;
    const heap = this.begin(g);
    const xAt = heap.allocCopy(x), dyAt = heap.allocCopy(dy), dwAt = heap.alloc(4 * size);
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
    return heap.read(dwAt, size);
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

function resolveThreads(threads: number | 'auto'): number {
  const os = nodeBuiltin<{ availableParallelism(): number }>('node:os');
  const canThread = ThreadPool.supported();
  if (threads === 'auto') return canThread && os ? Math.max(1, Math.min(4, os.availableParallelism())) : 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm backend: threads must be a positive integer or 'auto', got ${threads}`);
  if (threads > 1 && !canThread) throw new Error('wasm backend: threads > 1 needs worker_threads and SharedArrayBuffer (Node)');
  return threads;
}
