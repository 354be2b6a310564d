/**
 * The kernels' WebAssembly.Memory: growth up to a limit with a clear error past it, typed views
 * of the whole memory that follow growth, and the test of whether an array lives in it.
 *
 * A shared memory (backed by a SharedArrayBuffer) never moves: after `grow` the old buffer
 * objects keep their length and still see the same bytes, so views handed out before stay valid
 * and the allocator can give tensors views into it. A non-shared memory's grow detaches every
 * old view, so there only the kernels' own views (refreshed here) may point into it and tensors
 * keep plain arrays (`holds` is then always false).
 */
import { WnError } from '../../errors.js';
import { MemoryLimitError } from './block-allocator.js';

const PAGE = 65536;

export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  /** Every buffer object the (shared) memory has exposed; views on any of them are in the memory. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private f32View: Float32Array;
  private i32View: Int32Array;

  constructor(
    readonly shared: boolean,
    initialPages: number,
    /** The most bytes the memory may grow to (a multiple of 64 KiB). */
    readonly maxBytes: number,
  ) {
    const maximum = maxBytes / PAGE;
    this.memory = new WebAssembly.Memory({ initial: Math.min(initialPages, maximum), maximum, shared } as WebAssembly.MemoryDescriptor);
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
    if (shared) this.buffers.add(this.memory.buffer);
  }

  /** Bytes addressable now. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** The memory's current buffer (shared: valid for every address below `byteLength` from now on). */
  get buffer(): ArrayBufferLike {
    return this.memory.buffer;
  }

  /**
   * Makes every byte below `end` addressable, growing by at least a quarter so a run of slightly
   * larger requests does not grow every time; throws MemoryLimitError past `maxBytes`.
   */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.maxBytes) {
      throw new MemoryLimitError(`needs ${mib(end)} MiB of kernel memory, over its ${mib(this.maxBytes)} MiB limit`);
    }
    const want = Math.min(this.maxBytes, Math.max(end, Math.floor(have * 1.25)));
    try {
      this.memory.grow(Math.ceil((want - have) / PAGE));
    } catch (cause) {
      // the engine refused (address space, a browser's cap): the same condition, earlier
      throw new MemoryLimitError(`could not grow the kernel memory from ${mib(have)} to ${mib(want)} MiB (${String(cause)})`);
    }
    if (this.shared) this.buffers.add(this.memory.buffer);
  }

  /** Whether `x` is a view into this memory (so kernels can use it in place at `x.byteOffset`). */
  holds(x: ArrayLike<number>): boolean {
    // nothing in the memory starts at byte 0 (call descriptors live there); checking that first
    // also spares small arrays `.buffer`, which makes V8 move an on-heap typed array off the heap
    return this.shared && x instanceof Float32Array && x.byteOffset !== 0 && this.buffers.has(x.buffer);
  }

  /** The whole memory as float32s (a fresh view after growth). */
  get f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  /** The whole memory as int32s (a fresh view after growth). */
  get i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }

  /** `count` float64s at byte address `at` (8-byte aligned), as a fresh view. */
  f64(at: number, count: number): Float64Array {
    return new Float64Array(this.memory.buffer, at, count);
  }

  private refresh(): void {
    if (this.f32View.byteLength !== this.memory.buffer.byteLength) {
      this.f32View = new Float32Array(this.memory.buffer);
      this.i32View = new Int32Array(this.memory.buffer);
    }
  }
}

/** The error a caller sees when the kernel memory is full: what was asked, what is held, the limit. */
export function memoryExhausted(what: string, bytes: number, liveBytes: number, maxBytes: number, cause: MemoryLimitError): WnError {
  return new WnError(
    'wasm backend',
    `out of kernel memory: ${what} needs ${mib(bytes)} MiB while tensors and scratch hold ${mib(liveBytes)} MiB of the ${mib(maxBytes)} MiB limit ` +
      `(${cause.message}); dispose tensors that are no longer needed, or raise the backend's maxMemoryMiB`,
    { cause },
  );
}

function mib(bytes: number): string {
  const m = bytes / 2 ** 20;
  return m >= 10 ? m.toFixed(0) : m.toFixed(2);
}
