import { afterAll, describe, expect, it } from 'vitest';
import { maxPool2x2, maxPool2x2Backward } from '../src/backends/wasm/max-pool-2x2.js';
import { createWasmBackend } from '../src/backends/wasm/index.js';
import type { Pool2dAttrs } from '../src/kernels.js';

const one = createWasmBackend({ threads: 1 });
const two = createWasmBackend({ threads: 2 });
const copying = createWasmBackend({ threads: 1, tensorsInMemory: false });
afterAll(() => {
  for (const b of [one, two, copying]) b.runtime.close();
});
const attrs: Pool2dAttrs = { mode: 'max', kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] };

/** Values drawn from a small set (many ties, ±0, NaN) or uniform noise. */
function values(n: number, seed: number, specials: boolean): Float32Array {
  const data = new Float32Array(n);
  let s = seed;
  const set = [0, -0, 1, 1, -1, 0.5, NaN, 2];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = specials && s % 3 === 0 ? set[(s >>> 8) % set.length] : ((s >>> 8) / 2 ** 24) * 4 - 2;
  }
  return data;
}

/** Bit-for-bit equality (±0 distinguished), any NaN matching any NaN. */
function expectSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  const bad = expected.findIndex((e, i) => !(Object.is(e, actual[i]) || (Number.isNaN(e) && Number.isNaN(actual[i]))));
  expect(bad === -1 ? 'all equal' : `${what}: index ${bad}: wasm ${actual[bad]} vs js ${expected[bad]}`).toBe('all equal');
}

describe('wasm 2×2 max pooling', () => {
  // even and odd sides, output rows that are not a multiple of 4 (the scalar tail), enough planes to split
  const shapes = [[2, 3, 8, 8], [4, 16, 32, 32], [3, 5, 11, 13], [2, 2, 7, 18], [64, 8, 16, 16]];
  for (const [label, backend] of [['1 thread', one], ['2 threads', two], ['copied operands', copying]] as const) {
    it(`equals the JS loops bit for bit, forward and backward (${label})`, () => {
      let seed = 1;
      for (const shape of shapes) {
        for (const specials of [false, true]) {
          const [n, c, h, w] = shape;
          const out = [n, c, Math.floor(h / 2), Math.floor(w / 2)];
          const size = n * c * h * w, outSize = out.reduce((p, q) => p * q, 1);
          const x = values(size, seed++, specials), dy = values(outSize, seed++, specials);
          const xd = backend.upload(x, size), dyd = backend.upload(dy, outSize);
          const what = `[${shape.join(', ')}] specials ${specials}`;
          expectSameBits(backend.kernels.pool2d({ data: xd, shape }, attrs, out), maxPool2x2(x, shape, out, new Float32Array(outSize)), `${what} forward`);
          // the reference fills a dx full of garbage first where the kernel must write zeros
          expectSameBits(backend.kernels.pool2dBackward({ data: dyd, shape: out }, { data: xd, shape }, attrs, shape), maxPool2x2Backward(dy, x, shape, out, new Float32Array(size)), `${what} backward`);
        }
      }
    });
  }

  it('writes zeros outside the windows even into a recycled block', () => {
    const fresh = createWasmBackend({ threads: 1 }); // no blocks freed by other tests (or the garbage collector)
    const shape = [4, 8, 9, 9], out = [4, 8, 4, 4];
    const x = fresh.upload(values(2592, 9, false), 2592), dy = fresh.upload(new Float32Array(512).fill(1), 512);
    const junk = fresh.upload(new Float32Array(2592).fill(5), 2592);
    fresh.free(junk); // the next 2592-float block handed out is this one, full of 5s
    const dx = fresh.kernels.pool2dBackward({ data: dy, shape: out }, { data: x, shape }, attrs, shape);
    expect(dx.byteOffset).toBe(junk.byteOffset);
    expect(dx.filter((v) => v === 5)).toHaveLength(0);
    expect(dx.reduce((s, v) => s + v, 0)).toBe(512);
  });
});
