/**
 * One gpu.js context and everything that touches it directly: mode resolution, the kernel cache,
 * and storage (host Float32Arrays in cpu/webasm, device-resident gpu.js Textures on GL modes).
 */
import type { GPU, IGPUKernelSettings, IKernelRunShortcut, Texture } from 'gpu.js';
import { WnError } from '../../errors.js';
import type { KernelInput } from '../../kernels.js';
import { sizeOf } from '../../shape.js';
import { DIALECTS, type Dialect } from './dialect.js';
import { KernelCache } from './kernel-cache.js';

/**
 * The gpu.js modes: `cpu` (plain JavaScript), `webasm`, `webgl2` / `webgl` (browser GPU, data kept in textures),
 * `headlessgl` (Node with the `gl` package), or `gpu` to let gpu.js pick the best available.
 */
export type GpujsMode = 'cpu' | 'webasm' | 'webgl2' | 'webgl' | 'headlessgl' | 'gpu';
/** The gpu.js backend actually running kernels ('gpu' resolves to one of the others). */
export type ResolvedGpujsMode = Exclude<GpujsMode, 'gpu'>;

/** Tensor storage: a host array, or a texture that stays on the device until read. */
export type GpujsStorage = Float32Array | Texture;

/** Indices are float32 in kernels, exact only below 2^24. */
const MAX_FLOAT_INDEXED_SIZE = 2 ** 24;

const EMPTY = new Float32Array(0);
// gpu.js rejects zero-length arguments; kernels never read an empty input, so any 1-element array will do.
const EMPTY_ARGUMENT = new Float32Array(1);

/** Which backend a GPU instance picked; gpu.js reports every GL kernel class as mode 'gpu'. */
export function resolveMode(gpu: GPU): ResolvedGpujsMode {
  // 'async' kernels return promises and 'dev' runs no kernel class at all: neither fits Kernels<D>
  if (gpu.mode === 'async' || gpu.mode === 'dev' || !gpu.Kernel) {
    throw new WnError('createGpujsBackend', `gpu.js mode '${gpu.mode}' is not supported: use a synchronous mode`);
  }
  const kernelClass = gpu.Kernel as unknown as { mode: string; name: string };
  if (kernelClass.mode === 'cpu' || kernelClass.mode === 'webasm') return kernelClass.mode;
  if (kernelClass.mode !== 'gpu') {
    throw new WnError('createGpujsBackend', `unsupported gpu.js kernel mode '${kernelClass.mode}'`);
  }
  if (gpu.mode === 'webgl2' || gpu.mode === 'webgl' || gpu.mode === 'headlessgl') return gpu.mode;
  // auto mode: the class names survive gpu.js's minified browser build
  if (/HeadlessGL/.test(kernelClass.name)) return 'headlessgl';
  if (/WebGL2/.test(kernelClass.name)) return 'webgl2';
  return 'webgl';
}

function dialectFor(mode: ResolvedGpujsMode): Dialect {
  if (mode === 'cpu' || mode === 'webasm') return DIALECTS.js;
  return mode === 'webgl2' ? DIALECTS.glsl3 : DIALECTS.glsl1;
}

export class GpujsRuntime {
  /** True where results stay on the device as textures (GL modes). */
  readonly resident: boolean;
  readonly dialect: Dialect;
  /** Kernels gpu.js quietly moved to its cpu backend (it also warns on the console), with why. */
  readonly degraded: string[] = [];
  private readonly cache: KernelCache;
  private readonly checked = new WeakSet<IKernelRunShortcut>();

  constructor(
    readonly gpu: GPU,
    readonly mode: ResolvedGpujsMode,
  ) {
    this.resident = mode !== 'cpu' && mode !== 'webasm';
    this.dialect = dialectFor(mode);
    this.cache = new KernelCache((source, outSize) => this.compile(source, outSize));
  }

  private compile(source: string, outSize: number): IKernelRunShortcut {
    const settings: IGPUKernelSettings = {
      output: [outSize],
      precision: 'single',
      tactic: 'precision',
      pipeline: this.resident,
      // every call must return fresh storage: tensors outlive the next call of the same kernel
      immutable: true,
      functions: this.dialect.functions as unknown as IGPUKernelSettings['functions'],
      nativeFunctions: [...this.dialect.nativeFunctions],
    };
    return this.gpu.createKernel(source, settings);
  }

  /** Runs the kernel with this source over `inputs`, producing `outSize` elements. */
  run(source: string, outSize: number, inputs: readonly KernelInput<GpujsStorage>[]): GpujsStorage {
    if (outSize === 0) return EMPTY;
    const sizes = inputs.map((x) => sizeOf(x.shape));
    this.checkIndexable(outSize, sizes);
    const kernel = this.cache.get(source, outSize, sizes);
    const args = inputs.map((x, i) => (sizes[i] === 0 ? EMPTY_ARGUMENT : x.data));
    const result = kernel(...args) as GpujsStorage;
    if (!this.checked.has(kernel)) {
      this.checked.add(kernel);
      this.checkNotDegraded(kernel, source);
    }
    return result;
  }

  /** gpu.js builds on the first call; only then can it decide to fall back to plain JavaScript. */
  private checkNotDegraded(kernel: IKernelRunShortcut, source: string): void {
    const built = kernel.kernel as unknown as { constructor: { mode: string }; fallbackReason: string | null };
    const expected = this.resident ? 'gpu' : this.mode;
    if (built.constructor.mode !== expected) {
      this.degraded.push(`${built.fallbackReason ?? `ran as ${built.constructor.mode}`}:\n${source}`);
    }
  }

  private checkIndexable(outSize: number, inputSizes: readonly number[]): void {
    if (this.mode === 'cpu') return; // JavaScript doubles index exactly
    const largest = Math.max(outSize, ...inputSizes);
    if (largest > MAX_FLOAT_INDEXED_SIZE) {
      throw new WnError(`gpujs-${this.mode}`, `tensors above 2^24 elements are not supported (got ${largest})`);
    }
  }

  upload(values: ArrayLike<number>, size: number): GpujsStorage {
    const host = new Float32Array(size);
    host.set(values);
    if (!this.resident || size === 0) return host;
    return this.run(COPY_SOURCE, size, [{ data: host, shape: [size] }]);
  }

  read(data: GpujsStorage, size: number): Float32Array {
    if (data instanceof Float32Array) return data;
    const values = data.toArray() as Float32Array;
    return values.length === size ? values : values.subarray(0, size);
  }

  free(data: GpujsStorage): void {
    if (!(data instanceof Float32Array)) data.delete();
  }

  get compiledKernels(): number {
    return this.cache.size;
  }

  destroy(): void {
    this.cache.clear();
  }
}

const COPY_SOURCE = 'function (x) {\n  return x[this.thread.x];\n}';
