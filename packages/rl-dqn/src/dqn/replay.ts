/**
 * DQN's replay memory in typed arrays: a ring of `capacity` transitions (s, a, r, terminated,
 * truncated). Each observation is stored once: the next observation of slot i is the observation
 * of slot i + 1 (the following step of the same episode), so nothing is stored twice. An episode
 * that ends by termination needs no next observation (no bootstrap); one cut by the time limit
 * keeps its final observation in a small side table (one entry per truncated episode).
 *
 * Observations whose every element is 0 or 1 (MinAtar's channels) are bit-packed, 8 per byte:
 * 100,000 Seaquest transitions (1,000 bits each) take 12.5 MB instead of 400 MB as float32.
 */
import { WnError, type Rng } from '@wn/tensor';
import type { ObsArray } from '../envs/index.js';

/** Options of {@link ReplayBuffer}. */
export interface ReplayOptions {
  /** Transitions held (at least 2); the oldest is overwritten first. */
  capacity: number;
  /** elements per observation */
  obsSize: number;
  /** store observations as bits (every element must be 0 or 1) instead of float32 */
  packed: boolean;
}

/** A sampled batch, ready for the network: observations as float32 rows. */
export interface ReplayBatch {
  /** The sampled slots. */
  indices: Int32Array;
  /** Observations, batch × obsSize, row-major. */
  obs: Float32Array;
  /** Next observations (the following slot's, or the kept final observation of a truncated episode). */
  nextObs: Float32Array;
  /** The actions taken. */
  actions: Int32Array;
  /** The rewards received. */
  rewards: Float32Array;
  /** 1 where the transition ended the episode by termination (no bootstrap) */
  terminated: Float32Array;
}

const TERMINATED = 1;
const TRUNCATED = 2;

/** The arrays a checkpoint stores (see `state()` / `ReplayBuffer.restore`). */
export interface ReplayState {
  /** The next slot to write. */
  head: number;
  /** Transitions held. */
  size: number;
  /** Observations of every slot (bit-packed bytes or float32). */
  obs: Uint8Array | Float32Array;
  /** Action of every slot. */
  actions: Uint8Array;
  /** Reward of every slot. */
  rewards: Float32Array;
  /** Per slot: bit 0 terminated, bit 1 truncated. */
  flags: Uint8Array;
  /** slots whose episode was truncated, and their final observations (in the same storage) */
  finalSlots: Int32Array;
  /** Final observations of the truncated episodes, in `finalSlots` order. */
  finalObs: Uint8Array | Float32Array;
}

const fail = (message: string) => new WnError('ReplayBuffer', message);

/**
 * DQN's replay memory: a ring of transitions in typed arrays, each observation stored once, bit-packed when every
 * element is 0 or 1. Throws a `WnError` for bad options, observations and sample requests.
 */
export class ReplayBuffer {
  /** Transitions held at most. */
  readonly capacity: number;
  /** Elements per observation. */
  readonly obsSize: number;
  /** Whether observations are stored as bits. */
  readonly packed: boolean;
  /** storage units (bytes when packed, floats otherwise) per observation */
  readonly rowSize: number;
  private obs: Uint8Array | Float32Array;
  private readonly actions: Uint8Array;
  private readonly rewards: Float32Array;
  private readonly flags: Uint8Array;
  private readonly finals = new Map<number, Uint8Array | Float32Array>();
  /** next slot to write */
  private head = 0;
  /** Transitions currently held (up to `capacity`). */
  size = 0;

  constructor(options: ReplayOptions) {
    const { capacity, obsSize, packed } = options;
    if (!Number.isInteger(capacity) || capacity < 2) throw fail(`capacity must be an integer ≥ 2, got ${capacity}`);
    if (!Number.isInteger(obsSize) || obsSize < 1) throw fail(`obsSize must be a positive integer, got ${obsSize}`);
    this.capacity = capacity;
    this.obsSize = obsSize;
    this.packed = packed;
    this.rowSize = packed ? Math.ceil(obsSize / 8) : obsSize;
    this.obs = packed ? new Uint8Array(capacity * this.rowSize) : new Float32Array(capacity * this.rowSize);
    this.actions = new Uint8Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  /** Bytes held by the arrays. */
  get byteLength(): number {
    let finals = 0;
    for (const f of this.finals.values()) finals += f.byteLength;
    return this.obs.byteLength + this.actions.byteLength + this.rewards.byteLength + this.flags.byteLength + finals;
  }

  private encode(o: ArrayLike<number>, what: string): Uint8Array | Float32Array {
    if (o.length !== this.obsSize) throw fail(`${what}: expected ${this.obsSize} elements, got ${o.length}`);
    if (!this.packed) return Float32Array.from(o);
    const row = new Uint8Array(this.rowSize);
    for (let i = 0; i < this.obsSize; i++) {
      const v = o[i];
      if (v === 1) row[i >> 3] |= 1 << (i & 7);
      else if (v !== 0) throw fail(`${what}: a packed buffer stores 0/1 observations, got ${v} at element ${i}`);
    }
    return row;
  }

  /** Decodes stored row `row` (from `src`) into `out` at element offset `at`. */
  private decode(src: Uint8Array | Float32Array, rowStart: number, out: Float32Array, at: number): void {
    if (!this.packed) {
      out.set(src.subarray(rowStart, rowStart + this.obsSize), at);
      return;
    }
    // a byte (8 cells) at a time: an update decodes 2 × 32 observations, 25,600 cells for MinAtar
    const n = this.obsSize, whole = n >> 3;
    for (let k = 0, o = at; k < whole; k++, o += 8) {
      const v = src[rowStart + k];
      out[o] = v & 1;
      out[o + 1] = (v >> 1) & 1;
      out[o + 2] = (v >> 2) & 1;
      out[o + 3] = (v >> 3) & 1;
      out[o + 4] = (v >> 4) & 1;
      out[o + 5] = (v >> 5) & 1;
      out[o + 6] = (v >> 6) & 1;
      out[o + 7] = (v >> 7) & 1;
    }
    for (let i = whole << 3; i < n; i++) out[at + i] = (src[rowStart + (i >> 3)] >> (i & 7)) & 1;
  }

  /**
   * Adds the transition taken from `obs`. `finalObs` is the observation the episode ended in;
   * it is needed (and kept) only when the episode was truncated without terminating.
   */
  add(obs: ObsArray, action: number, reward: number, terminated: boolean, truncated: boolean, finalObs?: ObsArray): void {
    if (!Number.isInteger(action) || action < 0 || action > 255) throw fail(`action must be an integer in 0..255, got ${action}`);
    if (!Number.isFinite(reward)) throw fail(`reward must be finite, got ${reward}`);
    const i = this.head;
    this.obs.set(this.encode(obs, 'obs'), i * this.rowSize);
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.flags[i] = (terminated ? TERMINATED : 0) | (truncated ? TRUNCATED : 0);
    this.finals.delete(i);
    if (truncated && !terminated) {
      if (!finalObs) throw fail('a truncated, non-terminal transition needs its final observation (finalObs)');
      this.finals.set(i, this.encode(finalObs, 'finalObs'));
    }
    this.head = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The most recently written slot. */
  private get newest(): number {
    return (this.head - 1 + this.capacity) % this.capacity;
  }

  /** Transitions that can be sampled: all but the newest, whose next observation is not stored yet, unless its episode ended. */
  get sampleable(): number {
    if (this.size === 0) return 0;
    return this.flags[this.newest] !== 0 ? this.size : this.size - 1;
  }

  /** Slot of the k-th oldest transition. */
  private slot(k: number): number {
    return this.size < this.capacity ? k : (this.head + k) % this.capacity;
  }

  /**
   * `batchSize` distinct transitions, uniformly at random (without replacement within the batch),
   * drawn with `rng`.
   */
  sample(batchSize: number, rng: Rng): ReplayBatch {
    const n = this.sampleable;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw fail(`batchSize must be a positive integer, got ${batchSize}`);
    if (batchSize > n) throw fail(`cannot sample ${batchSize} distinct transitions from ${n}`);
    const chosen = new Set<number>();
    const indices = new Int32Array(batchSize);
    let k = 0;
    while (k < batchSize) {
      const r = rng.nextInt(n); // the r-th oldest of the sampleable ones (the unsampleable newest is last)
      if (chosen.has(r)) continue;
      chosen.add(r);
      indices[k++] = this.slot(r);
    }
    return this.gather(indices);
  }

  /** The transitions in `slots`, decoded. */
  gather(slots: Int32Array): ReplayBatch {
    const b = slots.length, d = this.obsSize;
    const out: ReplayBatch = {
      indices: slots,
      obs: new Float32Array(b * d),
      nextObs: new Float32Array(b * d),
      actions: new Int32Array(b),
      rewards: new Float32Array(b),
      terminated: new Float32Array(b),
    };
    for (let j = 0; j < b; j++) {
      const i = slots[j];
      this.decode(this.obs, i * this.rowSize, out.obs, j * d);
      out.actions[j] = this.actions[i];
      out.rewards[j] = this.rewards[i];
      const f = this.flags[i];
      out.terminated[j] = f & TERMINATED ? 1 : 0;
      if (f & TERMINATED) continue; // next observation unused: left at 0
      const final = this.finals.get(i);
      if (final) this.decode(final, 0, out.nextObs, j * d);
      else this.decode(this.obs, ((i + 1) % this.capacity) * this.rowSize, out.nextObs, j * d);
    }
    return out;
  }

  /** `n` observations (e.g. for data-dependent init): the `n` most recent ones, decoded. */
  recentObservations(n: number): Float32Array {
    const k = Math.min(n, this.size);
    const slots = Int32Array.from({ length: k }, (_, j) => (this.newest - j + this.capacity) % this.capacity);
    const out = new Float32Array(k * this.obsSize);
    slots.forEach((s, j) => this.decode(this.obs, s * this.rowSize, out, j * this.obsSize));
    return out;
  }

  /** Everything a checkpoint needs, as typed arrays (live views of the stored data for the big ones). */
  state(): ReplayState {
    const slots = [...this.finals.keys()].sort((a, b) => a - b);
    const finalObs = this.packed ? new Uint8Array(slots.length * this.rowSize) : new Float32Array(slots.length * this.rowSize);
    slots.forEach((s, j) => finalObs.set(this.finals.get(s)!, j * this.rowSize));
    return { head: this.head, size: this.size, obs: this.obs, actions: this.actions, rewards: this.rewards, flags: this.flags, finalSlots: Int32Array.from(slots), finalObs };
  }

  /** Restores `state` (checked against this buffer's shape first; nothing changes on an error). */
  restore(s: ReplayState): void {
    const c = this.capacity;
    const want = (what: string, a: { length: number } | undefined, n: number, kind: string, ok: boolean) => {
      if (!a || !ok || a.length !== n) throw fail(`restore: '${what}' must be a ${kind} of ${n} elements, got ${a ? `${a.constructor.name}(${a.length})` : 'nothing'}`);
    };
    if (!Number.isInteger(s.head) || s.head < 0 || s.head >= c) throw fail(`restore: head must be an integer in 0..${c - 1}, got ${s.head}`);
    if (!Number.isInteger(s.size) || s.size < 0 || s.size > c) throw fail(`restore: size must be an integer in 0..${c}, got ${s.size}`);
    if (s.size < c && s.head !== s.size) throw fail(`restore: a buffer not yet full has head = size, got head ${s.head} and size ${s.size}`);
    const obsKind = this.packed ? 'Uint8Array' : 'Float32Array';
    const isObs = (a: unknown) => (this.packed ? a instanceof Uint8Array : a instanceof Float32Array);
    want('obs', s.obs, c * this.rowSize, obsKind, isObs(s.obs));
    want('actions', s.actions, c, 'Uint8Array', s.actions instanceof Uint8Array);
    want('rewards', s.rewards, c, 'Float32Array', s.rewards instanceof Float32Array);
    want('flags', s.flags, c, 'Uint8Array', s.flags instanceof Uint8Array);
    if (!(s.finalSlots instanceof Int32Array)) throw fail('restore: finalSlots must be an Int32Array');
    want('finalObs', s.finalObs, s.finalSlots.length * this.rowSize, obsKind, isObs(s.finalObs));
    for (const f of s.flags) if (f > (TERMINATED | TRUNCATED)) throw fail(`restore: flags hold 0..3, got ${f}`);
    for (const slot of s.finalSlots) {
      if (!Number.isInteger(slot) || slot < 0 || slot >= c || s.flags[slot] !== TRUNCATED) throw fail(`restore: final observation for slot ${slot}, which is not a truncated, non-terminal transition`);
    }
    this.obs.set(s.obs);
    this.actions.set(s.actions);
    this.rewards.set(s.rewards);
    this.flags.set(s.flags);
    this.finals.clear();
    s.finalSlots.forEach((slot, j) => this.finals.set(slot, s.finalObs.slice(j * this.rowSize, (j + 1) * this.rowSize)));
    this.head = s.head;
    this.size = s.size;
  }
}
