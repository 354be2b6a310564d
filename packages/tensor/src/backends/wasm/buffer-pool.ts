/**
 * Recycles freed Float32Array storage by length. A training step allocates the same few large
 * shapes every iteration; a fresh multi-megabyte typed array costs a page fault per 4 KiB on
 * first touch (about 6 ms per 8 MiB in a VM), a recycled one costs nothing or a memset.
 *
 * Only the backend's `free` gives arrays back, and the engine frees storage exactly once, after
 * its last tensor is gone (`dataSync` returns copies), so a recycled array has no other owner.
 */

import type { TensorStorage } from './tensor-storage.js';

/** Arrays shorter than this are left to the garbage collector (cheap to allocate anyway). */
const MIN_POOLED_LENGTH = 4096;

export class BufferPool implements TensorStorage {
  private readonly free = new Map<number, Float32Array[]>();
  private pooledBytes = 0;

  /** @param maxBytes upper bound on memory held by idle arrays */
  constructor(private readonly maxBytes = 256 * 2 ** 20) {}

  /** An array of `length` floats with arbitrary contents (the caller overwrites all of it). */
  takeDirty(length: number): Float32Array {
    const list = this.free.get(length);
    const recycled = list?.pop();
    if (recycled) {
      this.pooledBytes -= recycled.byteLength;
      return recycled;
    }
    return new Float32Array(length);
  }

  /** An array of `length` zeros. */
  takeZeroed(length: number): Float32Array {
    const list = this.free.get(length);
    if (list && list.length > 0) return this.takeDirty(length).fill(0);
    return new Float32Array(length);
  }

  give(array: Float32Array): void {
    // Only whole, unshared arrays the pool can hand out again as-is.
    if (array.length < MIN_POOLED_LENGTH || array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength) return;
    if (this.pooledBytes + array.byteLength > this.maxBytes) return;
    let list = this.free.get(array.length);
    if (!list) this.free.set(array.length, (list = []));
    if (list.includes(array)) return;
    list.push(array);
    this.pooledBytes += array.byteLength;
  }

  /** Drops every idle array. */
  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }
}
