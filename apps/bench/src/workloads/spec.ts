/**
 * The training-step workloads of the `steps` group (issue "Fast on an ordinary CPU"), defined
 * once: architecture, batch, and every initial value (weights and data) generated here with
 * @wn's counter-based `Rng`, so @wn, TensorFlow.js and PyTorch all start from the same numbers.
 *
 * Layouts are PyTorch's: conv weights [out, in, kh, kw], linear weights [out, in], images NCHW.
 * The TF.js peer permutes them on the host (NHWC, HWIO) before upload.
 */
import { Rng } from '@wn/tensor';
import { GEN_BUILDERS, type GenSpec } from './gen.js';

export type WorkloadId = 'W2' | 'W2-WN' | 'W3' | 'W4' | 'W5' | 'W5-WN' | 'W5a' | 'W5a-WN' | 'W5a-eval' | 'W5a-eval-WN' | 'W6' | 'W6-WN' | 'W7' | 'W7-WN' | 'W8' | 'W8-WN';

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
  /** W5, W5a, W6: the DQN update's batch and settings (x is s) */
  dqn?: DqnSpec;
  /** W7, W8: the generative model's step (x is the binary images [N, 1, 28, 28]) */
  gen?: GenSpec;
}

/** A DQN update (issue "Fast on an ordinary CPU, round two"): TD targets from a target copy. */
export interface DqnSpec {
  net: 'minatar' | 'mlp';
  /** weight norm on every layer (g = ‖v‖: the standard network's function at step 1) */
  wn: boolean;
  /** s' (same shape as x), actions, rewards and done flags [N] */
  next: HostArray;
  actions: HostArray;
  rewards: HostArray;
  done: HostArray;
  /** W5a: one W5 update, then one greedy action on `observation` [1, ...], the action timed; W5a-eval: actions only (unchanged weights) */
  timed: 'update' | 'action-after-update' | 'action';
  observation: HostArray;
  actionCount: number;
  gamma: number;
  loss: 'huber' | 'mse';
  optimizer: { name: 'rmsprop-centered'; lr: number; alpha: number; eps: number } | { name: 'adam'; lr: number; beta1: number; beta2: number; eps: number };
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
  return withWeightNorm(w2(), 'W2-WN', 'W2 with weight norm on every conv');
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

export const W5_NET = { channels: 4, size: 10, conv: 16, hidden: 128, actions: 6 } as const;
export const W6_SIZES = [4, 120, 84, 2];
export const DQN_GAMMA = 0.99;
export const W5_RMSPROP = { name: 'rmsprop-centered', lr: 2.5e-4, alpha: 0.95, eps: 0.01 } as const;
export const W6_ADAM = { name: 'adam', lr: 2.5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

const bernoulli = (rng: Rng, n: number, p: number) => Array.from(rng.uniformArray(n), (u) => (u < p ? 1 : 0));
const uniformInts = (rng: Rng, n: number, k: number) => Array.from(rng.uniformArray(n), (u) => Math.floor(u * k));

/** W5: MinAtar DQN update, batch 32 of [4, 10, 10] 0/1 states (p 0.1), Huber, centered RMSProp. */
function w5(timed: DqnSpec['timed'] = 'update'): Workload {
  const rng = new Rng(5);
  const { channels: c, size: h, conv, hidden, actions } = W5_NET;
  const flat = conv * (h - 2) * (h - 2);
  const params: [string, HostArray][] = [
    ['conv.w', torchDefault(rng, [conv, c, 3, 3], c * 9)], ['conv.b', torchDefault(rng, [conv], c * 9)],
    ['fc.w', torchDefault(rng, [hidden, flat], flat)], ['fc.b', torchDefault(rng, [hidden], flat)],
    ['q.w', torchDefault(rng, [actions, hidden], hidden)], ['q.b', torchDefault(rng, [actions], hidden)],
  ];
  const batch = 32, per = c * h * h;
  const id = timed === 'update' ? 'W5' : timed === 'action' ? 'W5a-eval' : 'W5a';
  return {
    id, batch, unit: 'samples', adam: false, probeBatch: batch, params,
    title: {
      update: 'W5 MinAtar DQN update (batch 32 of 4×10×10, conv 16 → FC 128 → 6, target net, Huber, centered RMSProp)',
      'action-after-update': 'W5a one greedy action (1 observation of 4×10×10, argmax) right after a W5 update, the action timed',
      action: 'W5a-eval one greedy action in evaluation (no update between actions: unchanged weights)',
    }[timed],
    x: host([batch, c, h, h], bernoulli(rng, batch * per, 0.1)),
    loss: timed === 'update' ? 'Huber (δ = 1) mean of Q(s, a) − (r + 0.99·(1 − d)·max Q_target(s′))' : 'none: the action is timed (the step\'s "loss" is the action)',
    dqn: {
      net: 'minatar', wn: false, timed,
      next: host([batch, c, h, h], bernoulli(rng, batch * per, 0.1)),
      actions: host([batch], uniformInts(rng, batch, actions)),
      rewards: host([batch], bernoulli(rng, batch, 0.5)),
      done: host([batch], bernoulli(rng, batch, 0.05)),
      observation: host([1, c, h, h], bernoulli(rng, per, 0.1)),
      actionCount: actions, gamma: DQN_GAMMA, loss: 'huber', optimizer: W5_RMSPROP,
    },
  };
}

/** W6: CartPole DQN update, MLP 4-120-84-2 ReLU, batch 128 of normal states, MSE, Adam. */
function w6(): Workload {
  const rng = new Rng(6);
  const params: [string, HostArray][] = [];
  const names = ['fc1', 'fc2', 'q'];
  for (let i = 0; i + 1 < W6_SIZES.length; i++) {
    const [inp, out] = [W6_SIZES[i], W6_SIZES[i + 1]];
    params.push([`${names[i]}.w`, torchDefault(rng, [out, inp], inp)], [`${names[i]}.b`, torchDefault(rng, [out], inp)]);
  }
  const batch = 128;
  return {
    id: 'W6', title: 'W6 CartPole DQN update (MLP 4-120-84-2 ReLU, batch 128, target net, MSE, Adam)', batch, unit: 'samples', adam: false, probeBatch: batch, params,
    x: host([batch, 4], rng.normalArray(batch * 4)),
    loss: 'MSE of Q(s, a) − (r + 0.99·(1 − d)·max Q_target(s′)), r = 1',
    dqn: {
      net: 'mlp', wn: false, timed: 'update',
      next: host([batch, 4], rng.normalArray(batch * 4)),
      actions: host([batch], uniformInts(rng, batch, 2)),
      rewards: host([batch], new Array<number>(batch).fill(1)),
      done: host([batch], bernoulli(rng, batch, 0.05)),
      observation: host([1, 4], rng.normalArray(4)),
      actionCount: 2, gamma: DQN_GAMMA, loss: 'mse', optimizer: W6_ADAM,
    },
  };
}

/**
 * A workload with weight norm on every weight of rank ≥ 2: w = g·v/‖v‖ per output unit, v = the
 * weight and g = ‖v‖ (shape [out, 1, …]), so the network computes the base's function at step 1.
 * Names: `<stem>.g`, `<stem>.v` in place of `<stem>.w`.
 */
export function withWeightNorm(base: Workload, id: WorkloadId, title: string): Workload {
  const params: [string, HostArray][] = [];
  for (const [name, a] of base.params) {
    if (!name.endsWith('.w') || a.shape.length < 2) { params.push([name, a]); continue; }
    const [out] = a.shape, per = a.data.length / out;
    const g = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = 0;
      for (let j = 0; j < per; j++) s += a.data[o * per + j] ** 2;
      g[o] = Math.sqrt(s);
    }
    const stem = name.slice(0, -2);
    params.push([`${stem}.g`, host([out, ...a.shape.slice(1).map(() => 1)], g)], [`${stem}.v`, a]);
  }
  return { ...base, id, title, params, dqn: base.dqn && { ...base.dqn, wn: true } };
}

const BUILDERS: Record<WorkloadId, () => Workload> = {
  W2: w2, 'W2-WN': w2wn, W3: w3, W4: w4,
  W5: () => w5(), 'W5-WN': () => withWeightNorm(w5(), 'W5-WN', 'W5 with weight norm on all three layers'),
  W5a: () => w5('action-after-update'), 'W5a-WN': () => withWeightNorm(w5('action-after-update'), 'W5a-WN', 'W5a with weight norm on all three layers'),
  'W5a-eval': () => w5('action'), 'W5a-eval-WN': () => withWeightNorm(w5('action'), 'W5a-eval-WN', 'W5a-eval with weight norm on all three layers'),
  W6: w6, 'W6-WN': () => withWeightNorm(w6(), 'W6-WN', 'W6 with weight norm on all three layers'),
  ...GEN_BUILDERS,
};
const cache = new Map<WorkloadId, Workload>();

/** The workload with its initial values (generated once per process). */
export function workload(id: WorkloadId): Workload {
  let w = cache.get(id);
  if (!w) cache.set(id, (w = BUILDERS[id]()));
  return w;
}

export const WORKLOAD_IDS: WorkloadId[] = ['W2', 'W2-WN', 'W3', 'W4', 'W5', 'W5-WN', 'W5a', 'W5a-WN', 'W5a-eval', 'W5a-eval-WN', 'W6', 'W6-WN', 'W7', 'W7-WN', 'W8', 'W8-WN'];

/** The generative workloads (W7 VAE, W8 DRAW and their weight-norm forms): @wn and PyTorch only. */
export const GEN_IDS: ReadonlySet<WorkloadId> = new Set(['W7', 'W7-WN', 'W8', 'W8-WN']);

/** The DQN workloads (W5, W5a, W6 and their weight-norm forms): @wn and PyTorch only. */
export const DQN_IDS: ReadonlySet<WorkloadId> = new Set(['W5', 'W5-WN', 'W5a', 'W5a-WN', 'W5a-eval', 'W5a-eval-WN', 'W6', 'W6-WN']);

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
