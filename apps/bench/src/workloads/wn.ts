/**
 * The workloads on @wn: @wn/tensor ops, @wn/autograd's valueAndGrads, and @wn/layers' Adam (which
 * follows torch.optim.Adam's formula, so the losses of the first steps agree with PyTorch's).
 * Each trainer owns its tensors; `step()` runs one forward, backward (and update) and returns the
 * loss.
 */
import { Adam, Param, weightNormWeight as wnWeight } from '@wn/layers';
import * as T from '@wn/tensor';
import type { Tensor } from '@wn/tensor';
import { valueAndGrads } from '@wn/autograd';
import { ADAM, LEAKY_SLOPE, W2_LAYERS, W4, batchOf, type Workload } from './spec.js';

export interface Trainer {
  /** One training step; returns the loss (read back, so the step has finished). */
  step(): number;
  dispose(): void;
}

const leaky = (x: Tensor) => T.leakyRelu(x, LEAKY_SLOPE);
const bias4 = (b: Tensor) => T.reshape(b, [1, b.shape[0], 1, 1]);

/** w = g·v/‖v‖ per output channel: @wn/layers' own computation, so the bench measures the library path. */
const weightNormWeight = (v: Tensor, g: Tensor): Tensor => wnWeight(v, g, 0);

/** W2's loss from its parameters (W2: [w, b] per conv; W2-WN: [g, v, b] per conv). */
function w2Loss(p: readonly Tensor[], x: Tensor, labels: number[], wn: boolean): Tensor {
  let h = x;
  let k = 0;
  for (const layer of W2_LAYERS) {
    if ('pool' in layer) { h = T.maxPool2d(h, { kernel: 2 }); continue; }
    const w = wn ? weightNormWeight(p[k + 1], p[k]) : p[k];
    const b = p[wn ? k + 2 : k + 1];
    k += wn ? 3 : 2;
    h = T.add(T.conv2d(h, w, { padding: layer.conv.padding }), bias4(b));
    if (!layer.conv.last) h = leaky(h);
  }
  return T.softmaxCrossEntropy(T.globalAvgPool(h), labels);
}

function w3Loss(p: readonly Tensor[], x: Tensor, labels: number[]): Tensor {
  let h = x;
  for (let i = 0; i < p.length; i += 2) {
    h = T.add(T.matmul(h, p[i], { transposeB: true }), p[i + 1]);
    if (i + 2 < p.length) h = T.relu(h);
  }
  return T.softmaxCrossEntropy(h, labels);
}

/** sum(h_T) of an LSTM cell unrolled over xs [T, N, input]. */
function w4Loss([wIh, wHh, b]: readonly Tensor[], xs: Tensor[]): Tensor {
  const n = xs[0].shape[0];
  let h = T.zeros([n, W4.hidden]);
  let c = T.zeros([n, W4.hidden]);
  for (const x of xs) {
    const gates = T.add(T.add(T.matmul(x, wIh, { transposeB: true }), T.matmul(h, wHh, { transposeB: true })), b);
    const [i, f, g, o] = T.split(gates, 4, 1);
    c = T.add(T.mul(T.sigmoid(f), c), T.mul(T.sigmoid(i), T.tanh(g)));
    h = T.mul(T.sigmoid(o), T.tanh(c));
  }
  return T.sum(h);
}

/**
 * A trainer for workload `w` on @wn backend `backend` at batch `batch` (default the workload's).
 * Tensors live on that backend; every op of `step()` runs there.
 */
export function wnTrainer(w: Workload, backend: string, batch = w.batch): Trainer {
  return T.withBackend(backend, () => {
    const data = batchOf(w, batch);
    const params = w.params.map(([, a]) => new Param(T.tensor(a.data, a.shape)));
    const values = () => params.map((p) => p.value);
    const x = T.keep(T.tensor(data.x.data, data.x.shape));
    const xs = w.id === 'W4' ? T.tidy(() => T.split(x, W4.steps, 0).map((t) => T.squeeze(t, 0))).map((t) => T.keep(t)) : [];
    const labels = data.labels ? Array.from(data.labels.data) : [];
    const loss = (): Tensor => {
      switch (w.id) {
        case 'W2': return w2Loss(values(), x, labels, false);
        case 'W2-WN': return w2Loss(values(), x, labels, true);
        case 'W3': return w3Loss(values(), x, labels);
        case 'W4': return w4Loss(values(), xs);
      }
    };
    const adam = w.adam ? new Adam(params, { lr: ADAM.lr, beta1: ADAM.beta1, beta2: ADAM.beta2, eps: ADAM.eps }) : undefined;
    return {
      step: () => T.withBackend(backend, () => {
        const { value, grads } = valueAndGrads(loss, values());
        adam?.step(grads);
        const l = value.item();
        T.dispose([value, grads]);
        return l;
      }),
      dispose: () => {
        T.dispose([values(), x, xs]);
        adam?.dispose();
      },
    };
  });
}
