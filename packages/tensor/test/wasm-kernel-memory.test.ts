import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockAllocator, blockClassBytes, MemoryLimitError } from '../src/backends/wasm/block-allocator.js';
import { createWasmBackend } from '../src/backends/wasm/index.js';
import { MIN_IN_MEMORY_LENGTH } from '../src/backends/wasm/heap-storage.js';
import { MIN_ELEMENTS_PER_THREAD, MIN_UNARY_PER_THREAD } from '../src/backends/wasm/runtime.js';
import { UNARY_OPS } from '../src/kernels.js';
import { weightNormLayout } from '../src/backends/reference/weight-norm.js';
import { fuse, WnError, type FusedProgram } from '../src/index.js';

/** Same bits everywhere (±0 distinguished), any NaN matching any NaN; reports the first difference. */
function expectSameBits(actual: Float32Array, expected: Float32Array, what = ''): void {
  expect(actual.length).toBe(expected.length);
  const bad = expected.findIndex((e, i) => !(Object.is(e, actual[i]) || (Number.isNaN(e) && Number.isNaN(actual[i]))));
  expect(bad === -1 ? 'all equal' : `${what} index ${bad}: ${actual[bad]} vs ${expected[bad]}`).toBe('all equal');
}

/** 0, step, 2·step, … (n values). */
function ramp(n: number, step: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => i * step);
}

/** A byte range allocator over a pretend memory of `limit` bytes that records its growth. */
function allocatorWithLimit(limit: number) {
  const grown: number[] = [];
  let end = 1024;
  const allocator = new BlockAllocator(1024, (want) => {
    if (want > limit) throw new MemoryLimitError(`${want} > ${limit}`);
    if (want > end) grown.push((end = want));
  });
  return { allocator, grown };
}

describe('wasm kernel memory: block allocator', () => {
  it('rounds requests up to size classes (64-byte steps, then 8 per power of two)', () => {
    expect([1, 64, 65, 4096].map(blockClassBytes)).toEqual([64, 64, 128, 4096]);
    expect(blockClassBytes(4097)).toBe(4608); // 4 KiB + 512
    expect(blockClassBytes(1_000_000)).toBe(1_048_576); // above 983,040, the class below
    expect(blockClassBytes(983_040)).toBe(983_040);
    for (const bytes of [5000, 123_457, 9_999_999]) {
      const c = blockClassBytes(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c / bytes).toBeLessThanOrEqual(1.125 + 1e-9);
      expect(c % 64).toBe(0);
    }
  });

  it('reuses a released block for a request of its class and grows only for new blocks', () => {
    const { allocator, grown } = allocatorWithLimit(1 << 20);
    const a = allocator.allocate(1000), b = allocator.allocate(5000);
    expect(a).toBe(1024);
    expect(b).toBe(1024 + 1024);
    expect(grown).toEqual([2048, 2048 + 5120]);
    expect(allocator.release(a)).toBe(true);
    expect(allocator.release(a)).toBe(false); // a second release is refused
    expect(allocator.release(12345)).toBe(false); // no block starts there
    expect(allocator.allocate(970)).toBe(a); // same class (1024): the freed block, no growth
    expect(grown).toHaveLength(2);
    expect(allocator.stats()).toEqual({ liveBytes: 1024 + 5120, freeBytes: 0, topBytes: 1024 + 1024 + 5120 });
  });

  it('carves from a larger free block when the memory is full, and fails when nothing is free', () => {
    const { allocator } = allocatorWithLimit(1024 + 8192 + 64);
    const big = allocator.allocate(8192);
    const pin = allocator.allocate(64); // keeps big's bytes from returning to the top
    expect(() => allocator.allocate(64)).toThrow(MemoryLimitError);
    allocator.release(big);
    expect(allocator.allocate(100)).toBe(big); // the first 128 bytes of the only free block
    expect(allocator.allocate(64)).toBe(big + 128); // the rest stayed free
    expect(allocator.stats()).toEqual({ liveBytes: 128 + 64 + 64, freeBytes: 8192 - 192, topBytes: 1024 + 8192 + 64 });
    expect(() => allocator.allocate(8192)).toThrow(MemoryLimitError);
    expect(allocator.blockBytes(pin)).toBe(64);
  });

  it('when full, merges the free blocks of old shapes so a new shape fits (and frees a run at the top)', () => {
    const { allocator } = allocatorWithLimit(1024 + 16 * 1024);
    // a first workload: sixteen 1 KiB blocks fill the memory, then all are released
    const small = Array.from({ length: 16 }, () => allocator.allocate(1024));
    expect(() => allocator.allocate(64)).toThrow(MemoryLimitError);
    for (const at of small.slice(0, 8)) allocator.release(at);
    // the next workload needs 8 KiB: no class-8 KiB block is free, but eight neighbours are
    expect(allocator.allocate(8192)).toBe(1024);
    for (const at of small.slice(8)) allocator.release(at);
    // the eight at the top merge and give their bytes back to the top: a 6 KiB block grows from there
    expect(allocator.allocate(6000)).toBe(1024 + 8192);
    expect(allocator.stats().topBytes).toBe(1024 + 8192 + 6144);
    expect(allocator.stats().freeBytes).toBe(0);
  });
});

describe('wasm kernel memory: tensor storage', () => {
  const backend = createWasmBackend({ threads: 1, tensorsInMemory: true });
  const copying = createWasmBackend({ threads: 1, tensorsInMemory: false });
  afterAll(() => {
    backend.runtime.close();
    copying.runtime.close();
  });

  it('hands out views of the shared kernel memory and recycles their blocks', () => {
    expect(backend.runtime.tensorsInMemory).toBe(true);
    const n = MIN_IN_MEMORY_LENGTH + 10;
    const x = backend.upload(ramp(n, 1), n);
    expect(x.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(x.byteOffset % 64).toBe(0);
    const at = x.byteOffset;
    const before = backend.runtime.memoryStats().liveBytes;
    backend.free(x);
    expect(backend.runtime.memoryStats().liveBytes).toBe(before - blockClassBytes(4 * n));
    backend.free(x); // a double free is ignored
    backend.free(x.subarray(0)); // so is a view the storage did not hand out
    const y = backend.upload(ramp(n - 5, 2), n - 5); // the same class
    expect(y.byteOffset).toBe(at);
    const z = backend.upload(ramp(n, 3), n);
    expect(z.byteOffset).not.toBe(at); // the block is y's now
    expect(Array.from(y)).toEqual(Array.from(ramp(n - 5, 2)));
    // tensors below MIN_IN_MEMORY_LENGTH stay plain arrays (cheaper to make than a view)
    expect(backend.upload([1, 2, 3], 3).buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });

  it('keeps earlier views valid when the memory grows', () => {
    const small = backend.upload([1, 2, 3, 4, ...new Array<number>(MIN_IN_MEMORY_LENGTH - 4).fill(0)], MIN_IN_MEMORY_LENGTH);
    expect(small.buffer).toBeInstanceOf(SharedArrayBuffer);
    const size0 = backend.runtime.memoryStats().memoryBytes;
    const big = backend.kernels.binary('add', { data: backend.upload(new Float32Array(1 << 22).fill(1), 1 << 22), shape: [1 << 22] }, { data: small.subarray(0, 1), shape: [1] }, [1 << 22]);
    expect(backend.runtime.memoryStats().memoryBytes).toBeGreaterThan(size0 + (1 << 24));
    expect(Array.from(small.subarray(0, 5))).toEqual([1, 2, 3, 4, 0]); // the old view still reads the memory
    small[0] = 7;
    const n = MIN_IN_MEMORY_LENGTH;
    const sum = backend.kernels.binary('mul', { data: small, shape: [n] }, { data: big.subarray(0, n), shape: [n] }, [n]);
    expect(Array.from(sum.subarray(0, 5))).toEqual([14, 4, 6, 8, 0]);
    expect(big[(1 << 22) - 1]).toBe(2);
  });

  it('gives the same results for operands in the memory and plain arrays (copied in)', () => {
    const n = 3000, m = 40;
    const a = Float32Array.from({ length: n * m }, (_, i) => Math.sin(i) * 3);
    const b = Float32Array.from({ length: m }, (_, i) => i - 7.5);
    const inMemory = { a: backend.upload(a, a.length), b: backend.upload(b, b.length) };
    for (const op of ['add', 'mul', 'div'] as const) {
      const here = backend.kernels.binary(op, { data: inMemory.a, shape: [n, m] }, { data: inMemory.b, shape: [m] }, [n, m]);
      const foreign = backend.kernels.binary(op, { data: a, shape: [n, m] }, { data: b, shape: [m] }, [n, m]);
      const copied = copying.kernels.binary(op, { data: a, shape: [n, m] }, { data: b, shape: [m] }, [n, m]);
      expectSameBits(foreign, here, `${op} foreign`);
      expectSameBits(copied, here, `${op} copied`);
      expect(copied.buffer).not.toBeInstanceOf(SharedArrayBuffer); // plain arrays on the copy path
    }
    const w = backend.kernels.matmul({ data: inMemory.a, shape: [1, n, m] }, { data: a.subarray(0, m * 8), shape: [1, m, 8] }, false, false, [1, n, 8]);
    const wCopied = copying.kernels.matmul({ data: a, shape: [1, n, m] }, { data: a.subarray(0, m * 8), shape: [1, m, 8] }, false, false, [1, n, 8]);
    expectSameBits(w, wCopied, 'matmul');
  });

  it('without shared memory keeps plain arrays and stays correct across growth', () => {
    const plain = createWasmBackend({ threads: 1, tensorsInMemory: false });
    const x = plain.upload([1, 2, 3, 4], 4);
    expect(x.buffer).toBeInstanceOf(ArrayBuffer);
    const big = plain.upload(new Float32Array(1 << 21).fill(0.5), 1 << 21);
    const y = plain.kernels.binary('add', { data: big, shape: [1 << 21] }, { data: big, shape: [1 << 21] }, [1 << 21]); // grows the memory
    expect(y[12345]).toBe(1);
    expect(Array.from(plain.kernels.binary('mul', { data: x, shape: [4] }, { data: x, shape: [4] }, [4]))).toEqual([1, 4, 9, 16]);
    plain.runtime.close();
  });

  it('returns the block of a view dropped without free once the garbage collector collects it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const leaky = createWasmBackend({ threads: 1, tensorsInMemory: true });
    const live = () => leaky.runtime.memoryStats().liveBytes;
    const kept = leaky.upload(ramp(2000, 1), 2000);
    const before = live();
    for (let i = 0; i < 100; i++) leaky.upload(new Float32Array(2000), 2000); // never freed, never referenced
    expect(live()).toBe(before + 100 * 8192);
    for (let k = 0; k < 100 && live() > before; k++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 5)); // finalizers run between tasks
    }
    expect(live()).toBe(before);
    expect(Array.from(kept)).toEqual(Array.from(ramp(2000, 1))); // a referenced view keeps its block
    leaky.runtime.close();
  });

  it('past three quarters of the memory limit, new tensors spill to plain arrays (right results), and come back once memory is free', () => {
    const capped = createWasmBackend({ threads: 1, tensorsInMemory: true, maxMemoryMiB: 24 }); // tensors: up to 18 MiB
    const stats = () => capped.runtime.memoryStats();
    const a = capped.upload(new Float32Array(1 << 22), 1 << 22); // 16 MiB: in the memory
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    const b = capped.upload(ramp(1 << 20, 1), 1 << 20); // 4 more would pass 18: a plain array
    expect(b.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(stats().spilledTensors).toBe(1);
    capped.free(a);
    // kernels take the spilled tensor (copied in, its scratch carved from a's freed block); the result is in the memory again
    const sum = capped.kernels.binary('add', { data: b, shape: [1 << 20] }, { data: b, shape: [1 << 20] }, [1 << 20]);
    expect([sum[0], sum[7], sum[(1 << 20) - 1]]).toEqual([0, 14, 2 * ((1 << 20) - 1)]);
    expect(sum.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(stats().spilledTensors).toBe(1);
    capped.runtime.close();
  });

  it('a kernel whose scratch cannot fit says what to do', () => {
    const capped = createWasmBackend({ threads: 1, tensorsInMemory: true, maxMemoryMiB: 4 });
    const x = new Float32Array(1 << 21); // 8 MiB plain operands: their copies cannot fit in 4 MiB
    const big = () => capped.kernels.binary('add', { data: x, shape: [1 << 21] }, { data: x, shape: [1 << 21] }, [1 << 21]);
    expect(big).toThrow(WnError);
    expect(big).toThrow(/out of kernel memory: .* of the 4\.00 MiB limit.*maxMemoryMiB/);
    expect(Array.from(capped.upload([1, 2], 2))).toEqual([1, 2]); // still usable
    capped.runtime.close();
    expect(() => createWasmBackend({ maxMemoryMiB: 0 })).toThrow(/maxMemoryMiB/);
    expect(() => createWasmBackend({ maxMemoryMiB: 4096 })).toThrow(/maxMemoryMiB/);
  });
});

describe('wasm memory-bound kernels over worker threads', () => {
  const one = createWasmBackend({ threads: 1 });
  const two = createWasmBackend({ threads: 2 });
  const copying = createWasmBackend({ threads: 1, tensorsInMemory: false });
  afterAll(() => {
    one.runtime.close();
    two.runtime.close();
    copying.runtime.close();
  });
  const backends = [one, two, copying];

  /** Values with NaN, ±0 and ties mixed into uniform(-2, 2) noise, on `backend`. */
  function values(backend: typeof one, n: number, seed: number): Float32Array {
    const data = new Float32Array(n);
    let s = seed;
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      data[i] = s % 97 === 0 ? [NaN, 0, -0, 1][(s >>> 8) % 4] : ((s >>> 8) / 2 ** 24) * 4 - 2;
    }
    return backend.upload(data, n);
  }

  /** Runs `kernel` on each backend with the same inputs and expects the same bits from all. */
  function sameBits(shapes: number[][], kernel: (backend: typeof one, xs: Float32Array[]) => Float32Array): void {
    const results = backends.map((backend) => kernel(backend, shapes.map((shape, k) => values(backend, shape.reduce((p, q) => p * q, 1), 11 + k))));
    for (let k = 1; k < results.length; k++) expectSameBits(results[k], results[0], `backend ${k}`);
  }

  const big = 2 * MIN_ELEMENTS_PER_THREAD + 37; // split in two at 2 threads, ragged end

  it('splits binary elementwise ops (one run, and rows of a broadcast) with identical bits', () => {
    expect(two.runtime.threads).toBe(2);
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      sameBits([[big], [big]], (b, [x, y]) => b.kernels.binary(op, { data: x, shape: [big] }, { data: y, shape: [big] }, [big]));
      sameBits([[1500, 123], [123]], (b, [x, y]) => b.kernels.binary(op, { data: x, shape: [1500, 123] }, { data: y, shape: [123] }, [1500, 123]));
      sameBits([[1], [big]], (b, [x, y]) => b.kernels.binary(op, { data: x, shape: [1] }, { data: y, shape: [big] }, [big]));
    }
  });

  it('splits unary ops (JS loops compiled on the workers) with identical bits', () => {
    const n = 3 * MIN_UNARY_PER_THREAD + 5;
    for (const op of UNARY_OPS) sameBits([[n]], (b, [x]) => b.kernels.unary(op, { data: x, shape: [n] }, [n]));
    // a plain array is not split (the loop runs here) and gives the same values
    const x = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 4);
    expectSameBits(two.kernels.unary('tanh', { data: x, shape: [n] }, [n]), one.kernels.unary('tanh', { data: one.upload(x, n), shape: [n] }, [n]));
  });

  it('splits sums over leading axes by columns with identical bits', () => {
    sameBits([[700, 301]], (b, [x]) => b.kernels.reduce('sum', { data: x, shape: [700, 301] }, [0], [1, 301]));
    sameBits([[8, 90, 333]], (b, [x]) => b.kernels.reduce('sum', { data: x, shape: [8, 90, 333] }, [0, 1], [1, 1, 333]));
  });

  it('splits fused SIMD programs with identical bits (scalar and full inputs, ragged length)', () => {
    const adam: FusedProgram = fuse(6, ([p, m, v, bc, eps, step], k) => k.sub(p, k.mul(k.div(m, k.add(k.div(k.sqrt(v), bc), eps)), step)));
    const fused = (b: typeof one) => b.kernels.fusedElementwise!;
    sameBits([[big], [big], [big], [1], [1], [1]], (b, xs) => fused(b)(adam, xs.map((data, k) => ({ data, shape: k < 3 ? [big] : [] })), [big]));
    const where: FusedProgram = fuse(3, ([c, a, x], k) => k.where(k.greater(c, 0), k.maximum(a, x), k.neg(x)));
    sameBits([[big], [big], [big]], (b, xs) => fused(b)(where, xs.map((data) => ({ data, shape: [big] })), [big]));
  });

  it('splits fused programs that run as JS loops (transcendental ops) with identical bits', () => {
    const n = 3 * MIN_UNARY_PER_THREAD + 7;
    const gates: FusedProgram = fuse(4, ([a, b, c, s], k) => k.add(k.mul(k.sigmoid(a), k.tanh(b)), k.mul(k.exp(k.mul(c, s)), k.log(k.abs(a)))));
    const fused = (b: typeof one) => b.kernels.fusedElementwise!;
    sameBits([[n], [n], [n], [1]], (b, xs) => fused(b)(gates, xs.map((data, k) => ({ data, shape: k < 3 ? [n] : [] })), [n]));
  });

  it('splits weight norm and its gradients by units with identical bits', () => {
    // enough units × elements to split at 2 threads (whole units per thread)
    const units = Math.ceil((2 * MIN_ELEMENTS_PER_THREAD) / 576) + 3;
    const v = [units, 64, 3, 3], g = [units, 1, 1, 1];
    for (const dim of [0, 1]) {
      sameBits([v, dim === 0 ? g : [1, 64, 1, 1]], (b, [vd, gd]) => b.kernels.weightNorm!({ data: vd, shape: v }, { data: gd, shape: dim === 0 ? g : [1, 64, 1, 1] }, dim, v));
      for (const wrt of ['v', 'g'] as const) {
        const gs = dim === 0 ? g : [1, 64, 1, 1];
        sameBits([v, v, gs], (b, [dw, vd, gd]) => b.kernels.weightNormBackward!({ data: dw, shape: v }, { data: vd, shape: v }, { data: gd, shape: gs }, dim, wrt, wrt === 'v' ? v : gs));
      }
    }
    expect(weightNormLayout(v, 0)).toEqual([1, units, 576]);
  });
});
