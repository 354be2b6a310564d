/**
 * Splits the row-range kernels of `row-kernels.ts` across worker threads. A kernel takes
 * (r0, r1, ...args) and writes its rows of output arrays; typed arrays on a SharedArrayBuffer
 * are shared with the workers, everything else is copied to each worker when the job is posted.
 */
import { WnError } from '@wn/tensor';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as rowKernels from './row-kernels.js';

const KERNELS = {
  accumulateReflectorRows: rowKernels.accumulateReflectorRows,
  tridiagonalQlRows: rowKernels.tridiagonalQlRows,
  addLowerGramRows: rowKernels.addLowerGramRows,
} as const;

export type KernelName = keyof typeof KERNELS;
export type RowRange = readonly [start: number, end: number];

/** The machine's cores, at most 8. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

export function checkThreads(threads: unknown, where: string): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    throw new WnError(where, `threads must be a positive integer, got ${String(threads)}`);
  }
  return threads;
}

/** A Float64Array whose memory worker threads can share. */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

/**
 * Splits [0, rows) into at most `parts` contiguous ranges of equal work, where row i costs i + 1
 * when `triangular` (lower-triangle outputs) and 1 otherwise.
 */
export function splitRows(rows: number, parts: number, triangular: boolean): RowRange[] {
  const ranges: RowRange[] = [];
  let start = 0;
  for (let p = 1; p <= parts; p++) {
    const end = triangular ? Math.round(rows * Math.sqrt(p / parts)) : Math.round((rows * p) / parts);
    if (end > start) {
      ranges.push([start, end]);
      start = end;
    }
  }
  return ranges;
}

function workerSource(): string {
  const functions = Object.values(rowKernels)
    .map((fn) => fn.toString())
    .join('\n');
  // Transpilers with keepNames (esbuild, used by tsx and vitest) may wrap inner functions in
  // __name(fn, "name"); the worker has no such helper, so it gets a no-op one.
  return `'use strict';
const { parentPort } = require('node:worker_threads');
const __name = (target) => target;
${functions}
const kernels = { ${Object.keys(KERNELS).join(', ')} };
parentPort.on('message', ({ id, kernel, range, args }) => {
  try {
    parentPort.postMessage({ id, result: kernels[kernel](range[0], range[1], ...args) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.stack ?? error.message : String(error) });
  }
});
`;
}

/**
 * Worker threads for the row kernels. The calling thread runs the first range itself, so a pool
 * for `threads` threads starts `threads − 1` workers (none for 1). Call `close()` when done.
 */
export class KernelPool {
  private readonly workers: Worker[] = [];
  private nextId = 0;

  /** @param threads Threads the work is split over (the calling thread counts as one); a positive integer. */
  constructor(readonly threads: number) {
    checkThreads(threads, 'KernelPool');
    if (threads > 1) {
      const source = workerSource();
      for (let t = 1; t < threads; t++) this.workers.push(new Worker(source, { eval: true }));
    }
  }

  /** Runs `kernel` once per range (at most `threads` ranges); resolves with each call's result. */
  async run(kernel: KernelName, ranges: readonly RowRange[], args: readonly unknown[]): Promise<unknown[]> {
    if (ranges.length > this.threads) {
      throw new WnError('KernelPool.run', `${ranges.length} ranges for a pool of ${this.threads} threads`);
    }
    // Post first: the workers' copies of unshared arguments are taken now, before the calling
    // thread's share may modify the originals.
    const pending = ranges.slice(1).map((range, w) => this.post(this.workers[w], kernel, range, args));
    const fn = KERNELS[kernel] as (r0: number, r1: number, ...rest: unknown[]) => unknown;
    let local: unknown;
    let localError: unknown;
    try {
      local = ranges.length > 0 ? fn(ranges[0][0], ranges[0][1], ...args) : undefined;
    } catch (error) {
      localError = error ?? new WnError('KernelPool', `kernel ${kernel} failed`);
    }
    // Wait for every worker even after a failure, so none writes after we return.
    const settled = await Promise.allSettled(pending);
    if (localError !== undefined) throw localError;
    const results: unknown[] = ranges.length > 0 ? [local] : [];
    for (const outcome of settled) {
      if (outcome.status === 'rejected') throw outcome.reason;
      results.push(outcome.value);
    }
    return results;
  }

  /** Splits `rows` over the pool's threads and runs `kernel` on every part. */
  runRows(kernel: KernelName, rows: number, args: readonly unknown[], triangular = false): Promise<unknown[]> {
    return this.run(kernel, splitRows(rows, this.threads, triangular), args);
  }

  private post(worker: Worker, kernel: KernelName, range: RowRange, args: readonly unknown[]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (message: { id: number; result?: unknown; error?: string }): void => {
        if (message.id !== id) return;
        cleanup();
        if (message.error !== undefined) reject(new WnError('KernelPool', `worker kernel ${kernel} failed: ${message.error}`));
        else resolve(message.result);
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(new WnError('KernelPool', `worker for kernel ${kernel} crashed: ${error.message}`));
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new WnError('KernelPool', `worker for kernel ${kernel} exited with code ${code} before finishing`));
      };
      const cleanup = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ id, kernel, range, args });
    });
  }

  /** Terminates the worker threads. The pool cannot be used afterwards. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers.length = 0;
  }
}

/** Runs `body` with a pool of `threads` threads (or the given pool), closing a pool it created. */
export async function withPool<T>(threads: number | undefined, pool: KernelPool | undefined, where: string, body: (pool: KernelPool) => Promise<T>): Promise<T> {
  if (pool !== undefined) return body(pool);
  const own = new KernelPool(checkThreads(threads ?? defaultThreads(), where));
  try {
    return await body(own);
  } finally {
    await own.close();
  }
}
