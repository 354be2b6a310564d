/**
 * A size-class free-list allocator of byte ranges in the kernel memory (tensor storage and the
 * per-call scratch chunks). Requests round up to a class (64-byte steps up to 4 KiB, then eight
 * classes per power of two: at most 12.5 % slack); a freed block goes on its class's list and the
 * next request of that class takes it back. A training step allocates the same shapes every
 * iteration, so after the first step every request is a list pop. New blocks come from the top
 * of the used range, which grows the memory (through `grow`) when it passes the end.
 *
 * Blocks keep their class while the memory can grow. When it cannot, the allocator first merges
 * adjacent free blocks (a run of them at the top of the used range gives its bytes back to the
 * top), then tries again, then carves the request from the smallest larger free block (the rest
 * stays free) before it fails — so a process whose shapes change (many workloads, evaluation
 * batches) reuses the bytes its old shapes freed instead of running out of memory.
 */

/** Every block starts on this many bytes (a cache line; v128 loads need 16). */
export const BLOCK_ALIGN = 64;
const SMALL_LIMIT = 4096;

/** The byte size of the class a request of `bytes` falls in. */
export function blockClassBytes(bytes: number): number {
  const b = Math.max(BLOCK_ALIGN, Math.ceil(bytes / BLOCK_ALIGN) * BLOCK_ALIGN);
  if (b <= SMALL_LIMIT) return b;
  const step = 2 ** (Math.floor(Math.log2(b - 1)) - 3); // eight classes per power of two
  return Math.ceil(b / step) * step;
}

/** Thrown by `grow` when the memory cannot reach the requested end (the allocator then looks for a free block). */
export class MemoryLimitError extends Error {
  override readonly name = 'MemoryLimitError';
}

/** Counters of an allocator (bytes). */
export interface BlockAllocatorStats {
  /** Bytes in blocks handed out and not released (class sizes). */
  readonly liveBytes: number;
  /** Bytes in released blocks waiting on the free lists. */
  readonly freeBytes: number;
  /** The end of the used range: every block lies below it. */
  readonly topBytes: number;
}

export class BlockAllocator {
  private top: number;
  /** Released block addresses by class size. */
  private readonly free = new Map<number, number[]>();
  /** Class size of every block handed out, by address. */
  private readonly live = new Map<number, number>();
  private liveBytes = 0;
  private freeBytes = 0;

  /**
   * @param base first usable byte address (a multiple of BLOCK_ALIGN)
   * @param grow makes bytes below `end` addressable, or throws MemoryLimitError
   */
  constructor(
    base: number,
    private readonly grow: (end: number) => void,
  ) {
    this.top = Math.ceil(base / BLOCK_ALIGN) * BLOCK_ALIGN;
  }

  /** The byte address of a block of at least `bytes` bytes (aligned to BLOCK_ALIGN). */
  allocate(bytes: number): number {
    const size = blockClassBytes(bytes);
    let at = this.free.get(size)?.pop();
    if (at === undefined) {
      try {
        this.grow(this.top + size);
        at = this.top;
        this.top += size;
      } catch (error) {
        if (!(error instanceof MemoryLimitError)) throw error;
        return this.allocateWhenFull(size, error);
      }
    } else {
      this.freeBytes -= size;
    }
    this.live.set(at, size);
    this.liveBytes += size;
    return at;
  }

  /** Returns the block at `at` to its free list; false (and nothing happens) when no block starts there. */
  release(at: number): boolean {
    const size = this.live.get(at);
    if (size === undefined) return false;
    this.live.delete(at);
    this.liveBytes -= size;
    this.pushFree(at, size);
    return true;
  }

  /** The class size of the live block at `at`, or undefined. */
  blockBytes(at: number): number | undefined {
    return this.live.get(at);
  }

  /** Byte counts: live, free, and the top of the used range. */
  stats(): BlockAllocatorStats {
    return { liveBytes: this.liveBytes, freeBytes: this.freeBytes, topBytes: this.top };
  }

  /** The memory is full: merge free neighbours, then grow again or carve from a larger free block, else rethrow. */
  private allocateWhenFull(size: number, error: MemoryLimitError): number {
    this.coalesce();
    let at = this.free.get(size)?.pop();
    if (at !== undefined) {
      this.freeBytes -= size;
    } else {
      try {
        this.grow(this.top + size);
        at = this.top;
        this.top += size;
      } catch (again) {
        if (!(again instanceof MemoryLimitError)) throw again;
        at = this.carve(size, error);
      }
    }
    this.live.set(at, size);
    this.liveBytes += size;
    return at;
  }

  /** Merges adjacent free blocks into larger ones; a merged run that ends at the top lowers the top instead. */
  private coalesce(): void {
    const blocks: [number, number][] = [];
    for (const [bytes, list] of this.free) for (const at of list) blocks.push([at, bytes]);
    blocks.sort((a, b) => a[0] - b[0]);
    const runs: [number, number][] = [];
    for (const [at, bytes] of blocks) {
      const last = runs[runs.length - 1];
      if (last && last[0] + last[1] === at) last[1] += bytes;
      else runs.push([at, bytes]);
    }
    const top = runs[runs.length - 1];
    if (top && top[0] + top[1] === this.top) {
      this.top = top[0];
      runs.pop();
    }
    this.free.clear();
    this.freeBytes = 0;
    for (const [at, bytes] of runs) this.pushFree(at, bytes);
  }

  /** `size` bytes from the start of the smallest free block larger than it (the rest stays free), else rethrows `error`. */
  private carve(size: number, error: MemoryLimitError): number {
    let best: number | undefined;
    for (const [bytes, list] of this.free) {
      if (bytes > size && list.length > 0 && (best === undefined || bytes < best)) best = bytes;
    }
    if (best === undefined) throw error;
    const at = this.free.get(best)!.pop()!;
    this.freeBytes -= best;
    this.pushFree(at + size, best - size); // both are multiples of BLOCK_ALIGN
    return at;
  }

  private pushFree(at: number, bytes: number): void {
    let list = this.free.get(bytes);
    if (!list) this.free.set(bytes, (list = []));
    list.push(at);
    this.freeBytes += bytes;
  }
}
