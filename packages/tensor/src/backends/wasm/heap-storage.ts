/**
 * Tensor storage in the kernel memory: each array (from MIN_IN_MEMORY_LENGTH floats on) is a
 * Float32Array view of a block from the memory's BlockAllocator, so the wasm kernels read operands
 * and write results in place (no copy in, no copy out). Only for a shared memory, whose views
 * survive growth (see kernel-memory.ts).
 *
 * The engine frees storage exactly once, after its last tensor is gone (`dataSync` copies), so a
 * freed block has no other owner. Storage the program drops without freeing (a tensor never
 * disposed) is returned when the garbage collector collects its view.
 *
 * The collector does not see the kernel memory: a program that drops tensors without disposing
 * them fills it long before a collection runs. So tensors take at most three quarters of the
 * memory limit (the rest is for kernel scratch); past that, or when the memory cannot grow, a new
 * tensor spills to a plain array — its kernels copy it in and out, as without this storage — and
 * those arrays' allocations make the collector run, which returns the dropped views' blocks.
 */
import { MemoryLimitError, type BlockAllocator } from './block-allocator.js';
import type { KernelMemory } from './kernel-memory.js';
import type { TensorStorage } from './tensor-storage.js';


/**
 * Tensors shorter than this stay plain arrays: a view and its registration with the collector cost
 * a few µs more than `new Float32Array` (a tiny network pays it on every op), while copying 4 KiB
 * into the kernel memory for the few kernels that take such tensors costs well under a µs.
 */
export const MIN_IN_MEMORY_LENGTH = 1024;

/** The share of the memory limit tensors may hold; the rest is kept for kernel scratch. */
export const TENSOR_SHARE = 0.75;

export class HeapStorage implements TensorStorage {
  /** Returns the block of a view that was collected without being given back. */
  private readonly collected = new FinalizationRegistry<number>((at) => this.allocator.release(at));
  /** Tensors handed out as plain arrays because the memory was full (see the module comment). */
  spilled = 0;

  constructor(
    private readonly memory: KernelMemory,
    private readonly allocator: BlockAllocator,
  ) {}

  takeDirty(length: number): Float32Array {
    if (length < MIN_IN_MEMORY_LENGTH) return new Float32Array(length);
    if (this.allocator.stats().liveBytes + 4 * length > TENSOR_SHARE * this.memory.maxBytes) return this.spill(length);
    let at: number;
    try {
      at = this.allocator.allocate(4 * length);
    } catch (error) {
      if (error instanceof MemoryLimitError) return this.spill(length);
      throw error;
    }
    const view = new Float32Array(this.memory.buffer, at, length);
    this.collected.register(view, at, view);
    return view;
  }

  private spill(length: number): Float32Array {
    this.spilled++;
    return new Float32Array(length);
  }

  takeZeroed(length: number): Float32Array {
    if (length < MIN_IN_MEMORY_LENGTH) return new Float32Array(length);
    const array = this.takeDirty(length);
    return this.memory.holds(array) ? array.fill(0) : array; // a spilled array is zeros already
  }

  give(array: Float32Array): void {
    // only a view this storage handed out: it starts a live block and fits in it
    if (!this.memory.holds(array) || array.length === 0) return;
    const bytes = this.allocator.blockBytes(array.byteOffset);
    if (bytes === undefined || array.byteLength > bytes) return;
    if (this.collected.unregister(array)) this.allocator.release(array.byteOffset);
  }
}
