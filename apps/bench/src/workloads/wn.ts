/**
 * The workloads on @wn: @wn/tensor ops, @wn/autograd's valueAndGrads, and @wn/layers' Adam (which
 * follows torch.optim.Adam's formula, so the losses of the first steps agree with PyTorch's).
 * Each trainer owns its tensors; `step()` runs one forward, backward (and update) and returns the
 * loss.
 */
import { Adam, Adamax, huberLoss, mseLoss, Param, RMSprop, trainStep, weightNormWeight as wnWeight, type Optimizer } from '@wn/layers';
import { MODELS, type ConvVae, type Draw } from '@wn/gen-vae-draw';
import * as T from '@wn/tensor';
import type { Tensor } from '@wn/tensor';
import { noGrad, valueAndGrads } from '@wn/autograd';
import { ADAM, LEAKY_SLOPE, W2_LAYERS, W4, batchOf, type DqnSpec, type Workload } from './spec.js';
import { firstRows, genNoiseRng, upload, type GenSpec } from './gen.js';

export interface Trainer {
  /** One training step; returns the loss (read back, so the step has finished). */
  step(): number;
  /** Where only part of a step is timed (W5a: the action after the update), its ms in the last step. */
  lastTimedMs?: number;
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
    // c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c') (what torch.lstm_cell computes after its matmuls)
    ({ h, c } = T.lstmCell(gates, c));
  }
  return T.sum(h);
}

/**
 * Q-values of a DQN workload's network from its parameters (standard: [w, b] per layer; weight
 * norm: [g, v, b]): MinAtar's conv 3×3 valid → ReLU → flatten → FC → ReLU → FC, or the MLP.
 */
export function dqnForward(spec: DqnSpec, p: readonly Tensor[], x: Tensor): Tensor {
  const per = spec.wn ? 3 : 2;
  const layers = p.length / per;
  let h = x;
  for (let l = 0; l < layers; l++) {
    const k = l * per;
    const w = spec.wn ? wnWeight(p[k + 1], p[k], 0) : p[k];
    const b = p[k + per - 1];
    if (spec.net === 'minatar' && l === 0) {
      h = T.relu(T.add(T.conv2d(h, w), bias4(b)));
      h = T.reshape(h, [h.shape[0], -1]);
      continue;
    }
    h = T.add(T.matmul(h, w, { transposeB: true }), b);
    if (l + 1 < layers) h = T.relu(h);
  }
  return h;
}

/** y = r + γ·(1 − d)·max_a Q_target(s′, a) (a constant: computed without gradients). */
export function tdTargetsOf(spec: DqnSpec, target: readonly Tensor[], next: Tensor, rewards: Tensor, notDone: Tensor): Tensor {
  return noGrad(() => T.tidy(() => T.add(rewards, T.mul(T.mul(notDone, spec.gamma), T.max(dqnForward(spec, target, next), 1)))));
}

/**
 * A DQN workload on @wn: `step()` is one update (target forward on s′, TD targets, policy
 * forward on s, Q(s, a), Huber/MSE mean, backward, RMSProp/Adam), for W5a one update and then
 * one greedy action, whose time `step()` reports through `lastTimedMs`, for W5a-eval one action.
 */
function dqnTrainer(w: Workload, spec: DqnSpec, backend: string): Trainer {
  return T.withBackend(backend, () => {
    const params = w.params.map(([, a]) => new Param(T.tensor(a.data, a.shape)));
    const target = w.params.map(([, a]) => T.keep(T.tensor(a.data, a.shape)));
    const values = () => params.map((p) => p.value);
    const keep = (a: { data: Float32Array; shape: number[] }) => T.keep(T.tensor(a.data, a.shape));
    const x = keep(w.x), next = keep(spec.next), rewards = keep(spec.rewards);
    const notDone = T.keep(T.tidy(() => T.sub(1, T.tensor(spec.done.data, spec.done.shape))));
    const actionMask = T.keep(T.oneHot(Array.from(spec.actions.data), spec.actionCount));
    const obs = spec.observation.data;
    const o = spec.optimizer;
    const optimizer: Optimizer = o.name === 'adam'
      ? new Adam(params, { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps })
      : new RMSprop(params, { lr: o.lr, alpha: o.alpha, eps: o.eps, centered: true, momentum: 0 });
    const update = (): number => {
      dropActWeights();
      const y = tdTargetsOf(plain, targetWeights, next, rewards, notDone);
      const loss = () => {
        const q = T.sum(T.mul(dqnForward(spec, values(), x), actionMask), 1);
        return spec.loss === 'huber' ? huberLoss(q, y, { delta: 1 }) : mseLoss(q, y);
      };
      const { value, grads } = valueAndGrads(loss, values());
      optimizer.step(grads);
      const l = value.item();
      T.dispose([value, grads, y]);
      return l;
    };
    // The weights an action uses, computed once per update as @wn/layers' version-keyed cache does:
    // with weight norm, w = g·v/‖v‖ is recomputed on the first action after an update only.
    let actWeights: Tensor[] | null = null;
    const plain: DqnSpec = { ...spec, wn: false };
    /** [w, b] per layer from [g, v, b] (w = g·v/‖v‖), without gradients; the caller owns the ws. */
    const normalized = (p: readonly Tensor[]): Tensor[] => noGrad(() => {
      const out: Tensor[] = [];
      for (let k = 0; k < p.length; k += 3) out.push(T.keep(wnWeight(p[k + 1], p[k], 0)), p[k + 2]);
      return out;
    });
    // The target network's weights: with weight norm, w is computed once, as @wn/layers' cache
    // does between target syncs (@wn/rl-dqn's agent runs the target forward without gradients, so
    // its parametrized weights are reused while g and v are unchanged; this target never changes).
    const targetWeights = spec.wn ? normalized(target) : target;
    const weightsForActions = (): Tensor[] => {
      if (!spec.wn) return values();
      actWeights ??= normalized(values());
      return actWeights;
    };
    const dropActWeights = () => {
      if (actWeights) T.dispose(actWeights.filter((_, i) => i % 2 === 0));
      actWeights = null;
    };
    // the greedy action as an agent takes it: forward of one observation without gradients, argmax read back
    const act = (): number => noGrad(() => T.tidy(() => {
      const q = dqnForward(plain, weightsForActions(), T.tensor(obs, spec.observation.shape)).dataSync();
      let best = 0;
      for (let a = 1; a < q.length; a++) if (q[a] > q[best]) best = a;
      return best;
    }));
    const trainer: Trainer = {
      step: () => T.withBackend(backend, () => {
        if (spec.timed === 'action') return act();
        const l = update();
        if (spec.timed === 'update') return l;
        const t = performance.now();
        const a = act();
        trainer.lastTimedMs = performance.now() - t;
        return a;
      }),
      dispose: () => {
        dropActWeights();
        if (spec.wn) T.dispose(targetWeights.filter((_, i) => i % 2 === 0));
        T.dispose([values(), target, x, next, rewards, notDone, actionMask]);
        optimizer.dispose();
      },
    };
    return trainer;
  });
}

/**
 * W7/W8 on @wn: @wn/gen-vae-draw's model (built under the workload's variant and sizes, its
 * parameters then set to the workload's values), one step = the negative ELBO of the batch with ε
 * from a fresh `Rng` (the same draws as the PyTorch peer's ε), gradients, clipping (W8) and the
 * Adamax/Adam update — @wn/layers' `trainStep`, what the model package's trainer runs. The loss is
 * built without the per-part read-backs of `GenerativeModel.loss` (a trainer's progress line, not
 * the step). At a batch below the workload's (probing slow backends) ε comes from the same seed at
 * that batch.
 */
function genTrainer(w: Workload, spec: GenSpec, backend: string, batch: number): Trainer {
  return T.withBackend(backend, () => {
    const model = MODELS[spec.model].build({ variant: spec.variant, rng: new T.Rng(1), settings: spec.settings });
    const named = model.module.namedParameters();
    if (named.length !== w.params.length) throw new Error(`genTrainer: ${w.id} has ${w.params.length} parameters, the model ${named.length}`);
    noGrad(() => named.forEach(([name, p], i) => {
      if (w.params[i][0] !== name) throw new Error(`genTrainer: parameter ${i} is '${name}', the workload's '${w.params[i][0]}'`);
      p.update(upload(w.params[i][1]));
    }));
    const x = T.keep(upload(batch === w.batch ? w.x : firstRows(w.x, batch)));
    const o = spec.optimizer;
    const options = { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps };
    const optimizer: Optimizer = o.name === 'adamax' ? new Adamax(model.module, options) : new Adam(model.module, options);
    const loss = (): Tensor => spec.model === 'vae'
      ? T.neg(T.mean((model as ConvVae).elbo(x, genNoiseRng())))
      : (model as Draw).module.negativeElbo(x, genNoiseRng()).loss;
    return {
      step: () => T.withBackend(backend, () => trainStep(optimizer, loss, spec.clipNorm > 0 ? { clipNorm: spec.clipNorm } : {}).loss),
      dispose: () => {
        T.dispose(x);
        optimizer.dispose();
        model.dispose();
      },
    };
  });
}

/**
 * A trainer for workload `w` on @wn backend `backend` at batch `batch` (default the workload's).
 * Tensors live on that backend; every op of `step()` runs there.
 */
export function wnTrainer(w: Workload, backend: string, batch = w.batch): Trainer {
  if (w.dqn) return dqnTrainer(w, w.dqn, backend);
  if (w.gen) return genTrainer(w, w.gen, backend, batch);
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
        default: throw new Error(`wnTrainer: ${w.id} has no loss here`);
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
