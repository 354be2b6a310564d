/**
 * The per-call scratch arena of the kernels: each kernel call lays out its scratch (packing
 * buffers, partial sums, copies of operands that are not in the kernel memory) with `reset` then
 * `alloc`, from chunks the memory's BlockAllocator lends it. Addresses stay valid for the whole
 * call (chunks never move); after a call that needed more than one chunk, the next `reset` trades
 * them for one chunk of the total, so steady-state calls allocate nothing.
 *
 * Operands already in the memory (tensor storage, see heap-storage.ts) are used where they are:
 * `input` returns their address, `output` the address of the result's own block, and `finish`
 * copies out only for a result array that lives outside the memory.
 */
import { MemoryLimitError, type BlockAllocator } from './block-allocator.js';
import { memoryExhausted, type KernelMemory } from './kernel-memory.js';

/** Bytes below this are reserved for call descriptors; address 0 doubles as "no buffer". */
export const DESCRIPTOR_BYTES = 1024;
const ALIGN = 64;
/** The first chunk's size; later ones are at least the size of the last call's scratch. */
const MIN_CHUNK_BYTES = 1 << 20;

interface Chunk {
  readonly at: number;
  readonly bytes: number;
}

export class WasmHeap {
  private chunks: Chunk[] = [];
  /** Chunks in use this call (a prefix of `chunks`) and the bump offset in the last one. */
  private used = 0;
  private offset = 0;
  /** Bytes the current call has taken (the size of a single chunk that would have held them). */
  private callBytes = 0;

  constructor(
    readonly memory: KernelMemory,
    private readonly allocator: BlockAllocator,
  ) {}

  /** Starts a call: all scratch is free again. */
  reset(): void {
    if (this.chunks.length > 1) {
      // the last call needed several chunks: hold one of their total instead
      const total = this.chunks.reduce((sum, c) => sum + c.bytes, 0);
      for (const c of this.chunks) this.allocator.release(c.at);
      this.chunks = [];
      this.chunks.push({ at: this.allocateChunk(total), bytes: total });
    }
    this.used = 0;
    this.offset = 0;
    this.callBytes = 0;
  }

  /** Reserves `bytes` of scratch (64-byte aligned) and returns its byte address. */
  alloc(bytes: number): number {
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    this.callBytes += size;
    let chunk = this.used > 0 ? this.chunks[this.used - 1] : undefined;
    if (!chunk || this.offset + size > chunk.bytes) {
      chunk = this.chunks[this.used];
      if (!chunk || size > chunk.bytes) {
        const want = Math.max(size, MIN_CHUNK_BYTES, this.callBytes);
        chunk = { at: this.allocateChunk(want), bytes: want };
        this.chunks.splice(this.used, 0, chunk);
      }
      this.used++;
      this.offset = 0;
    }
    const at = chunk.at + this.offset;
    this.offset += size;
    return at;
  }

  /** The address of `values` in the memory: where they are, or a scratch copy. */
  input(values: ArrayLike<number>): number {
    if (this.memory.holds(values)) return (values as Float32Array).byteOffset;
    return this.allocCopy(values);
  }

  /** Copies `values` to fresh scratch and returns its byte address. */
  allocCopy(values: ArrayLike<number>): number {
    const at = this.alloc(values.length * 4);
    this.memory.f32.set(values, at / 4);
    return at;
  }

  /** Where a kernel writes the result `y`: y's own block, or scratch that `finish` copies out. */
  output(y: Float32Array): number {
    return this.memory.holds(y) ? y.byteOffset : this.alloc(4 * y.length);
  }

  /** Completes the result `y` written at `at` (its address from `output`) and returns it. */
  finish(y: Float32Array, at: number): Float32Array {
    if (at !== y.byteOffset || !this.memory.holds(y)) y.set(this.memory.f32.subarray(at / 4, at / 4 + y.length));
    return y;
  }

  /** The whole memory as float32s. */
  get f32(): Float32Array {
    return this.memory.f32;
  }

  /** The whole memory as int32s. */
  get i32(): Int32Array {
    return this.memory.i32;
  }

  /** `count` float64s at byte address `at` (8-byte aligned), as a fresh view. */
  f64(at: number, count: number): Float64Array {
    return this.memory.f64(at, count);
  }

  private allocateChunk(bytes: number): number {
    try {
      return this.allocator.allocate(bytes);
    } catch (error) {
      if (error instanceof MemoryLimitError) throw memoryExhausted('a kernel call\'s scratch', bytes, this.allocator.stats().liveBytes, this.memory.maxBytes, error);
      throw error;
    }
  }
}
