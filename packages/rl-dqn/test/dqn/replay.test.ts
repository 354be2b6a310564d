/** The replay memory: bit packing, next observations from the following slot, sampling, wraparound, size. */
import { describe, expect, it } from 'vitest';
import { Rng } from '@wn/tensor';
import { encodeCheckpoint, StateBag } from '@wn/runs';
import { ReplayBuffer } from '../../src/index.js';

const bits = (rng: Rng, n: number) => Uint8Array.from({ length: n }, () => (rng.nextFloat() < 0.3 ? 1 : 0));

describe('ReplayBuffer', () => {
  it('packs 0/1 observations 8 per byte and decodes them exactly; next obs is the following slot', () => {
    const rng = new Rng(1);
    const buf = new ReplayBuffer({ capacity: 16, obsSize: 37, packed: true });
    expect(buf.rowSize).toBe(5);
    const seen = Array.from({ length: 6 }, () => bits(rng, 37));
    for (let t = 0; t < 5; t++) buf.add(seen[t], t % 3, t * 0.5, false, false);
    expect(buf.size).toBe(5);
    expect(buf.sampleable).toBe(4); // the newest has no next observation yet
    const b = buf.gather(Int32Array.from([0, 1, 2, 3]));
    for (let j = 0; j < 4; j++) {
      expect(Array.from(b.obs.subarray(j * 37, (j + 1) * 37))).toEqual(Array.from(seen[j]));
      expect(Array.from(b.nextObs.subarray(j * 37, (j + 1) * 37))).toEqual(Array.from(seen[j + 1]));
      expect(b.actions[j]).toBe(j % 3);
      expect(b.rewards[j]).toBe(j * 0.5);
    }
    expect(() => buf.add(Uint8Array.from({ length: 37 }, (_, i) => (i === 3 ? 2 : 0)), 0, 0, false, false)).toThrow(/0\/1 observations, got 2 at element 3/);
  });

  it('terminal transitions need no next obs; truncated ones keep their final observation', () => {
    const buf = new ReplayBuffer({ capacity: 8, obsSize: 2, packed: false });
    buf.add(Float32Array.of(1, 1), 0, 0, false, false);
    buf.add(Float32Array.of(2, 2), 1, 1, true, false);          // terminal: next unused
    buf.add(Float32Array.of(3, 3), 0, 0, false, true, Float32Array.of(9, 9)); // time limit
    expect(buf.sampleable).toBe(3); // the newest ended its episode
    const b = buf.gather(Int32Array.from([0, 1, 2]));
    expect(Array.from(b.nextObs)).toEqual([2, 2, 0, 0, 9, 9]);
    expect(Array.from(b.terminated)).toEqual([0, 1, 0]);
    expect(() => buf.add(Float32Array.of(4, 4), 0, 0, false, true)).toThrow(/needs its final observation/);
  });

  it('samples distinct transitions, uniformly, never the newest unfinished one', () => {
    const buf = new ReplayBuffer({ capacity: 50, obsSize: 1, packed: false });
    for (let t = 0; t < 20; t++) buf.add(Float32Array.of(t), 0, t, false, false);
    const rng = new Rng(3);
    const counts = new Array(20).fill(0);
    for (let k = 0; k < 3000; k++) {
      const b = buf.sample(19, rng);
      expect(new Set(b.indices).size).toBe(19); // without replacement within a batch
      for (const i of b.indices) counts[i]++;
    }
    expect(counts[19]).toBe(0);
    expect(counts.slice(0, 19).every((c) => c === 3000)).toBe(true); // 19 of 19: each exactly once
    const small = new Array(20).fill(0);
    for (let k = 0; k < 4000; k++) for (const i of buf.sample(5, rng).indices) small[i]++;
    // 20,000 draws over 19 slots: each ≈ 1053 ± 31 (binomial sd); 5 sd bounds
    for (const c of small.slice(0, 19)) expect(Math.abs(c - 20000 / 19)).toBeLessThan(160);
    expect(() => buf.sample(20, rng)).toThrow(/cannot sample 20 distinct transitions from 19/);
  });

  it('wraps around: the oldest transitions are overwritten, links across the seam stay right', () => {
    const buf = new ReplayBuffer({ capacity: 5, obsSize: 1, packed: false });
    for (let t = 0; t < 12; t++) buf.add(Float32Array.of(t), 0, t, t === 9, false);
    expect(buf.size).toBe(5);
    // slots hold t = 10, 11, 7, 8, 9 (head at 2); the oldest is t = 7
    const all = buf.gather(Int32Array.from([2, 3, 4, 0]));
    expect(Array.from(all.obs)).toEqual([7, 8, 9, 10]);
    expect(Array.from(all.nextObs)).toEqual([8, 9, 0, 11]); // t = 9 ended its episode
    const rng = new Rng(5);
    const seen = new Set<number>();
    for (let k = 0; k < 200; k++) for (const i of buf.sample(2, rng).indices) seen.add(buf.gather(Int32Array.of(i)).obs[0]);
    expect([...seen].sort((a, b) => a - b)).toEqual([7, 8, 9, 10]);
  });

  it('state() / restore() round-trip, and restore refuses arrays of the wrong size', () => {
    const rng = new Rng(2);
    const a = new ReplayBuffer({ capacity: 6, obsSize: 10, packed: true });
    for (let t = 0; t < 9; t++) a.add(bits(rng, 10), t % 4, t, t === 4, t === 6, bits(rng, 10));
    const b = new ReplayBuffer({ capacity: 6, obsSize: 10, packed: true });
    b.restore(a.state());
    const slots = Int32Array.from([0, 1, 2, 3, 4, 5]);
    expect(b.gather(slots)).toEqual(a.gather(slots));
    expect(b.sampleable).toBe(a.sampleable);
    const c = new ReplayBuffer({ capacity: 6, obsSize: 20, packed: true });
    expect(() => c.restore(a.state())).toThrow(/'obs' must be a Uint8Array of 18 elements, got Uint8Array\(12\)/);
  });

  it('100,000 MinAtar transitions (Seaquest, 1,000 bits each) and their checkpoint stay under 20 MB', () => {
    const size = 10 * 10 * 10;
    const buf = new ReplayBuffer({ capacity: 100_000, obsSize: size, packed: true });
    const rng = new Rng(9);
    const pool = Array.from({ length: 64 }, () => bits(rng, size));
    for (let t = 0; t < 100_000; t++) buf.add(pool[t % 64], t % 6, t % 7 === 0 ? 1 : 0, t % 500 === 499, false);
    expect(buf.byteLength).toBeLessThan(20e6);
    expect(buf.byteLength).toBeGreaterThan(12.5e6); // the observations themselves: 125 bytes each
    const s = buf.state();
    const bag = new StateBag().setArray('replay.obs', s.obs).setArray('replay.actions', s.actions).setArray('replay.rewards', s.rewards)
      .setArray('replay.flags', s.flags).setArray('replay.finalSlots', s.finalSlots).setArray('replay.finalObs', s.finalObs);
    const bytes = encodeCheckpoint({ kind: 'test', settings: {}, parts: {}, bag });
    expect(bytes.length).toBeLessThan(20e6);
  }, 30_000);
});
