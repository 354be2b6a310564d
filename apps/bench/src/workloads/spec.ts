/**
 * The training-step workloads of the `steps` group (issue "Fast on an ordinary CPU"), defined
 * once: architecture, batch, and every initial value (weights and data) generated here with
 * @wn's counter-based `Rng`, so @wn, TensorFlow.js and PyTorch all start from the same numbers.
 *
 * Layouts are PyTorch's: conv weights [out, in, kh, kw], linear weights [out, in], images NCHW.
 * The TF.js peer permutes them on the host (NHWC, HWIO) before upload.
 */
import { Rng } from '@wn/tensor';

export type WorkloadId = 'W2' | 'W2-WN' | 'W3' | 'W4';

/** A host array: row-major float32 values and their shape. */
export interface HostArray {
  shape: number[];
  data: Float32Array;
}

/** One W2 layer: a conv (with bias, leaky ReLU 0.1 unless `last`) or a 2×2 max pool. */
export type W2Layer = { conv: { in: number; out: number; k: number; padding: 'same' | 'valid'; last?: boolean } } | { pool: 2 };

/** conv3×3 'same' 32 → conv3×3 'same' 32 → pool → conv3×3 'same' 64 ×2 → pool → conv3×3 'valid' 64 → conv1×1 64 → conv1×1 10. */
export const W2_LAYERS: W2Layer[] = [
  { conv: { in: 3, out: 32, k: 3, padding: 'same' } },
  { conv: { in: 32, out: 32, k: 3, padding: 'same' } },
  { pool: 2 },
  { conv: { in: 32, out: 64, k: 3, padding: 'same' } },
  { conv: { in: 64, out: 64, k: 3, padding: 'same' } },
  { pool: 2 },
  { conv: { in: 64, out: 64, k: 3, padding: 'valid' } },
  { conv: { in: 64, out: 64, k: 1, padding: 'valid' } },
  { conv: { in: 64, out: 10, k: 1, padding: 'valid', last: true } },
];
export const W2_CONVS = W2_LAYERS.flatMap((l) => ('conv' in l ? [l.conv] : []));
export const LEAKY_SLOPE = 0.1;

export const W3_SIZES = [784, 512, 512, 10];
export const W4 = { input: 784, hidden: 256, steps: 16 } as const;
export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

export interface Workload {
  id: WorkloadId;
  title: string;
  batch: number;
  /** what one batch element is, for the throughput column */
  unit: 'images' | 'samples' | 'sequences';
  /** true: forward, backward and an Adam update; false (W4): forward and backward only */
  adam: boolean;
  /** the batch at which slow peers are probed before attempting a full step */
  probeBatch: number;
  /** trainable tensors, in a fixed order (the gradient/optimizer order for every peer) */
  params: [string, HostArray][];
  /** x (W2: [N,3,32,32], W3: [N,784], W4: [T,N,784]) and, for classifiers, labels [N] (integers as floats) */
  x: HostArray;
  labels?: HostArray;
  /** the loss, in words */
  loss: string;
}

function host(shape: number[], values: ArrayLike<number>): HostArray {
  return { shape, data: Float32Array.from(values) };
}
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** PyTorch's default init for Linear/Conv2d weights and biases (kaiming_uniform a=√5): U(±1/√fanIn). */
const torchDefault = (rng: Rng, shape: number[], fanIn: number) => host(shape, rng.uniformArray(size(shape), -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
const labels = (rng: Rng, n: number, classes: number) => host([n], Array.from(rng.uniformArray(n), (u) => Math.floor(u * classes)));

function w2(): Workload {
  const rng = new Rng(2);
  const params: [string, HostArray][] = [];
  W2_CONVS.forEach((c, i) => {
    const fanIn = c.in * c.k * c.k;
    params.push([`conv${i + 1}.w`, torchDefault(rng, [c.out, c.in, c.k, c.k], fanIn)], [`conv${i + 1}.b`, torchDefault(rng, [c.out], fanIn)]);
  });
  const batch = 64;
  return {
    id: 'W2', title: 'W2 CIFAR-style conv net step (batch 64, 3×32×32, Adam)', batch, unit: 'images', adam: true, probeBatch: 2, params,
    x: host([batch, 3, 32, 32], rng.normalArray(batch * 3 * 32 * 32)), labels: labels(rng, batch, 10),
    loss: 'mean softmax cross-entropy',
  };
}

/**
 * W2 with weight norm on every conv: w = g·v/‖v‖ per output channel. v = W2's weight and g = ‖v‖,
 * so the network computes exactly W2's function at step 1 (the losses must agree).
 */
function w2wn(): Workload {
  const base = w2();
  const params: [string, HostArray][] = [];
  for (const [name, a] of base.params) {
    if (!name.endsWith('.w')) { params.push([name, a]); continue; }
    const [out] = a.shape, per = a.data.length / out;
    const g = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = 0;
      for (let j = 0; j < per; j++) s += a.data[o * per + j] ** 2;
      g[o] = Math.sqrt(s);
    }
    const stem = name.slice(0, -2);
    params.push([`${stem}.g`, host([out, 1, 1, 1], g)], [`${stem}.v`, a]);
  }
  return { ...base, id: 'W2-WN', title: 'W2 with weight norm on every conv', params };
}

function w3(): Workload {
  const rng = new Rng(3);
  const params: [string, HostArray][] = [];
  for (let i = 0; i + 1 < W3_SIZES.length; i++) {
    const [inp, out] = [W3_SIZES[i], W3_SIZES[i + 1]];
    params.push([`fc${i + 1}.w`, torchDefault(rng, [out, inp], inp)], [`fc${i + 1}.b`, torchDefault(rng, [out], inp)]);
  }
  const batch = 128;
  return {
    id: 'W3', title: 'W3 MLP step 784-512-512-10 ReLU (batch 128, Adam)', batch, unit: 'samples', adam: true, probeBatch: 16, params,
    x: host([batch, 784], rng.normalArray(batch * 784)), labels: labels(rng, batch, 10),
    loss: 'mean softmax cross-entropy',
  };
}

function w4(): Workload {
  const rng = new Rng(4);
  const { input, hidden, steps } = W4;
  const bound = 1 / Math.sqrt(hidden); // PyTorch's LSTMCell init
  const u = (shape: number[]) => host(shape, rng.uniformArray(size(shape), -bound, bound));
  const params: [string, HostArray][] = [['w_ih', u([4 * hidden, input])], ['w_hh', u([4 * hidden, hidden])], ['b', u([4 * hidden])]];
  const batch = 64;
  return {
    id: 'W4', title: `W4 LSTM cell (input ${input}, hidden ${hidden}, batch ${batch}, ${steps} steps unrolled), forward + backward`,
    batch, unit: 'sequences', adam: false, probeBatch: 8, params,
    x: host([steps, batch, input], rng.normalArray(steps * batch * input)),
    loss: 'sum of the final hidden state h_T (gates i, f, g, o as PyTorch; h0 = c0 = 0; one bias b = b_ih + b_hh)',
  };
}

const BUILDERS: Record<WorkloadId, () => Workload> = { W2: w2, 'W2-WN': w2wn, W3: w3, W4: w4 };
const cache = new Map<WorkloadId, Workload>();

/** The workload with its initial values (generated once per process). */
export function workload(id: WorkloadId): Workload {
  let w = cache.get(id);
  if (!w) cache.set(id, (w = BUILDERS[id]()));
  return w;
}

export const WORKLOAD_IDS: WorkloadId[] = ['W2', 'W2-WN', 'W3', 'W4'];

/** The first `n` entries along the batch axis (axis 1 for W4's time-major x). */
export function sliceBatch(a: HostArray, n: number, axis: 0 | 1 = 0): HostArray {
  if (axis === 0) {
    const per = a.data.length / a.shape[0];
    return { shape: [n, ...a.shape.slice(1)], data: a.data.slice(0, n * per) };
  }
  const [t, b, ...rest] = a.shape, per = size(rest);
  const out = new Float32Array(t * n * per);
  for (let i = 0; i < t; i++) out.set(a.data.subarray(i * b * per, i * b * per + n * per), i * n * per);
  return { shape: [t, n, ...rest], data: out };
}

/** The workload's data at batch `n` (slow peers are probed at a smaller batch). */
export function batchOf(w: Workload, n: number): { x: HostArray; labels?: HostArray } {
  if (n === w.batch) return { x: w.x, labels: w.labels };
  return { x: sliceBatch(w.x, n, w.id === 'W4' ? 1 : 0), labels: w.labels && sliceBatch(w.labels, n) };
}

/** Host-side permutation (NCHW → NHWC, OIHW → HWIO for TF.js). */
export function permute(a: HostArray, perm: number[]): HostArray {
  const shape = perm.map((p) => a.shape[p]);
  const inStrides = a.shape.map((_, i) => size(a.shape.slice(i + 1)));
  const out = new Float32Array(a.data.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < shape.length; k++) src += idx[k] * inStrides[perm[k]];
    out[o] = a.data[src];
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return { shape, data: out };
}
