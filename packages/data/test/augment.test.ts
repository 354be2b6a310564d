import { describe, expect, it } from 'vitest';
import { augmentBatch } from '../src/augment.js';
import { Rng } from '@wn/tensor';

/** An Rng stand-in that replays fixed draws, to test the geometry exactly. */
function scripted(ints: number[], bools: boolean[] = []): Pick<Rng, 'nextInt' | 'nextBool'> {
  return { nextInt: () => ints.shift() as number, nextBool: () => bools.shift() as boolean };
}

// One 2-channel 3×4 image: channel c, row y, column x holds 100c + 10y + x + 1 (never 0).
const shape = { channels: 2, height: 3, width: 4 };
const image = () => Float32Array.from({ length: 24 }, (_, k) => 100 * Math.floor(k / 12) + 10 * Math.floor((k % 12) / 4) + (k % 4) + 1);
const at = (x: Float32Array, c: number, y: number, col: number) => x[c * 12 + y * 4 + col];

describe('augmentBatch', () => {
  it('flips every row of every channel left-right', () => {
    const x = image();
    augmentBatch(x, 1, shape, { horizontalFlip: true }, scripted([], [true]));
    for (let c = 0; c < 2; c++) for (let y = 0; y < 3; y++) for (let col = 0; col < 4; col++) {
      expect(at(x, c, y, col)).toBe(at(image(), c, y, 3 - col));
    }
  });

  it('translates with zero fill: out(y, x) = in(y + dy, x + dx)', () => {
    const x = image();
    // pad 2: draws are offset + 2, so 3 → dx = +1 and 0 → dy = −2.
    augmentBatch(x, 1, shape, { cropPadding: 2 }, scripted([3, 0]));
    for (let c = 0; c < 2; c++) for (let y = 0; y < 3; y++) for (let col = 0; col < 4; col++) {
      const sy = y - 2;
      const sx = col + 1;
      const expected = sy >= 0 && sy < 3 && sx < 4 ? at(image(), c, sy, sx) : 0;
      expect(at(x, c, y, col)).toBe(expected);
    }
  });

  it('leaves the image alone for a zero offset and no flip', () => {
    const x = image();
    augmentBatch(x, 1, shape, { cropPadding: 1, horizontalFlip: true }, scripted([1, 1], [false]));
    expect(x).toEqual(image());
  });

  it('is deterministic for a seed and varies between images', () => {
    const batch = () => {
      const x = new Float32Array(24 * 8);
      for (let b = 0; b < 8; b++) x.set(image(), 24 * b);
      augmentBatch(x, 8, shape, { cropPadding: 1, horizontalFlip: true }, new Rng(3));
      return x;
    };
    const a = batch();
    expect(batch()).toEqual(a);
    const distinct = new Set(Array.from({ length: 8 }, (_, b) => a.subarray(24 * b, 24 * b + 24).join(',')));
    expect(distinct.size).toBeGreaterThan(1);
  });

  it('rejects a batch that is too small for its shape', () => {
    expect(() => augmentBatch(new Float32Array(10), 1, shape, {}, new Rng(1))).toThrow(/x has 10 values, 1 images of 2×3×4 need 24/);
  });
});
