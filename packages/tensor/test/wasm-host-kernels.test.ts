import { describe, expect, it } from 'vitest';
import { BINARY_OPS, UNARY_OPS, type KernelInput, type Pool2dAttrs } from '../src/kernels.js';
import { broadcastShapes, sizeOf } from '../src/shape.js';
import { createReferenceKernels } from '../src/backends/reference/index.js';
import { createHostKernels } from '../src/backends/wasm/host-kernels.js';
import { BufferPool } from '../src/backends/wasm/buffer-pool.js';
import { createWasmBackend } from '../src/backends/wasm/index.js';

const reference = createReferenceKernels((n) => new Float32Array(n));
const host = createHostKernels();

/** Values with NaN, ±Infinity, ±0 and repeats mixed into uniform(-2, 2) noise. */
function values(shape: number[], seed: number): KernelInput<Float32Array> {
  const data = new Float32Array(sizeOf(shape));
  let s = seed;
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1, 1];
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s % 11 === 0 ? specials[(s >>> 8) % specials.length] : ((s >>> 8) / 2 ** 24) * 4 - 2;
  }
  return { data, shape };
}

const broadcastPairs: [number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4]],
  [[4, 3, 5, 6], [1, 3, 1, 1]], // conv bias
  [[4, 3, 5, 6], []], // scalar
  [[1, 5], [7, 1]], // outer product
  [[3, 1, 4], [1, 5, 1]],
  [[2, 3, 4, 5], [3, 1, 5]],
  [[6], [1]],
  [[0, 3], [1, 3]],
];

describe('wasm backend host kernels match the reference kernels', () => {
  it('binary ops under broadcasting, NaN and infinities included (bit-exact)', () => {
    let seed = 1;
    for (const op of BINARY_OPS)
      for (const [sa, sb] of broadcastPairs)
        for (const [x, y] of [[sa, sb], [sb, sa]]) {
          const a = values(x, seed++), b = values(y, seed++);
          const out = broadcastShapes(op, x, y);
          expect(host.binary(op, a, b, out), `${op} ${JSON.stringify([x, y])}`).toEqual(reference.binary(op, a, b, out));
        }
  });

  it('unary ops (bit-exact)', () => {
    const x = values([3, 50], 7);
    for (const op of UNARY_OPS) expect(host.unary(op, x, x.shape), op).toEqual(reference.unary(op, x, x.shape));
  });

  it('expand: held runs (fill) and contiguous runs (copy) under broadcasting, bit-exact', () => {
    const cases: [number[], number[]][] = [
      [[128, 1], [128, 1024]], // a keep-dims sum's gradient over weight norm's v
      [[1, 1024], [128, 1024]],
      [[3, 1, 4], [3, 5, 4]],
      [[3, 1, 7], [2, 3, 4, 7]],
      [[], [4, 5]],
      [[1, 3, 1], [2, 3, 5]],
      [[0, 1], [0, 6]],
    ];
    let seed = 40;
    for (const [from, to] of cases) {
      const x = values(from, seed++);
      const y = host.expand(x, to);
      expect(y.length).toBe(sizeOf(to));
      expect(y).toEqual(reference.expand(x, to));
    }
  });

  it('where under broadcasting', () => {
    const triples: number[][][] = [
      [[4, 3, 5], [4, 3, 5], [4, 3, 5]],
      [[4, 3, 5], [], [4, 3, 5]],
      [[4, 3, 5], [4, 3, 5], []],
      [[1, 3, 1], [4, 1, 5], [1]],
      [[2, 1], [1, 6], [2, 6]],
    ];
    let seed = 100;
    for (const [sc, sa, sb] of triples) {
      const c = values(sc, seed++), a = values(sa, seed++), b = values(sb, seed++);
      const out = broadcastShapes('where', broadcastShapes('where', sc, sa), sb);
      expect(host.where(c, a, b, out)).toEqual(reference.where(c, a, b, out));
    }
  });

  it('sum and max over every axis subset', () => {
    const shape = [3, 4, 5, 6];
    const x = values(shape, 11);
    const finite = { data: x.data.map((v) => (Number.isFinite(v) ? v : 0.5)), shape };
    for (let mask = 1; mask < 16; mask++) {
      const axes = [0, 1, 2, 3].filter((d) => mask & (1 << d));
      const out = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      expect(host.reduce('max', x, axes, out), `max ${axes}`).toEqual(reference.reduce('max', x, axes, out));
      const got = host.reduce('sum', finite, axes, out), want = reference.reduce('sum', finite, axes, out);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
    }
  });

  it('pooling forward and backward with padding, overlap and ties', () => {
    const cases: [number[], Pool2dAttrs][] = [
      [[2, 3, 8, 8], { mode: 'max', kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] }],
      [[2, 3, 8, 8], { mode: 'avg', kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] }],
      [[1, 2, 7, 9], { mode: 'max', kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1] }],
      [[1, 2, 7, 9], { mode: 'avg', kernel: [3, 2], stride: [1, 2], pad: [1, 1, 1, 1] }],
      [[1, 1, 5, 5], { mode: 'max', kernel: [2, 2], stride: [1, 1], pad: [0, 0, 0, 0] }],
    ];
    let seed = 50;
    for (const [shape, attrs] of cases) {
      const x = values(shape, seed++);
      x.data[3] = x.data[4] = 1.5; // a tie
      const oh = Math.floor((shape[2] + attrs.pad[0] + attrs.pad[1] - attrs.kernel[0]) / attrs.stride[0]) + 1;
      const ow = Math.floor((shape[3] + attrs.pad[2] + attrs.pad[3] - attrs.kernel[1]) / attrs.stride[1]) + 1;
      const out = [shape[0], shape[1], oh, ow];
      expect(host.pool2d(x, attrs, out)).toEqual(reference.pool2d(x, attrs, out));
      const dy = values(out, seed++);
      const finiteDy = { data: dy.data.map((v) => (Number.isFinite(v) ? v : 0.25)), shape: out };
      expect(host.pool2dBackward(finiteDy, x, attrs, shape)).toEqual(reference.pool2dBackward(finiteDy, x, attrs, shape));
    }
  });
});

describe('wasm backend buffer pool', () => {
  it('recycles freed arrays by length and zeroes them on request', () => {
    const pool = new BufferPool();
    const a = pool.takeDirty(10000);
    a.fill(7);
    pool.give(a);
    pool.give(a); // a double free is ignored
    const b = pool.takeZeroed(10000);
    expect(b).toBe(a);
    expect(b.every((v) => v === 0)).toBe(true);
    expect(pool.takeDirty(10000)).not.toBe(a);
    pool.give(new Float32Array(10)); // small arrays are not kept
    expect(pool.takeDirty(10).length).toBe(10);
  });

  for (const tensorsInMemory of [false, true]) {
    it(`never hands out a freed array twice and keeps results intact (tensors in kernel memory: ${tensorsInMemory})`, () => {
      const backend = createWasmBackend({ threads: 1, tensorsInMemory });
      const shape = [64, 100];
      const x = backend.upload(values(shape, 3).data, 6400);
      const y = backend.kernels.unary('neg', { data: x, shape }, shape);
      const copy = y.slice();
      backend.free(x);
      const z = backend.kernels.unary('abs', { data: y, shape }, shape);
      // recycled: the same array, or a new view of the same block of the kernel memory
      if (tensorsInMemory) expect([z.buffer, z.byteOffset]).toEqual([x.buffer, x.byteOffset]);
      else expect(z).toBe(x);
      expect(y).toEqual(copy);
      expect(z).toEqual(copy.map(Math.abs));
    });
  }
});
