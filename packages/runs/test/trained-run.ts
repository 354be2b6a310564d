/**
 * A small trained run for the checkpoint tests and the fuzz formats (no vitest import: the long
 * fuzz script loads it too).
 */
import { dispose, tensor } from '@wn/tensor';
import { Adam, BatchNorm, Linear, mseLoss, paramGrads, ParamEMA, Sequential } from '@wn/layers';
import type { CheckpointParts } from '../src/index.js';

/** A small model with a batch-norm buffer (int64 counter), trained a few Adam steps with averages. */
export function trained(seed: number, steps = 3) {
  const model = new Sequential([new Linear(3, 4, { rng: seed }), new BatchNorm(4), new Linear(4, 2, { rng: seed + 1 })]);
  const optimizer = new Adam(model, { lr: 0.01 });
  const ema = new ParamEMA(model, { decay: 0.5 });
  for (let i = 0; i < steps; i++) {
    const x = tensor(Array.from({ length: 15 }, (_, k) => Math.sin(k + i)), [5, 3]);
    const y = tensor(Array.from({ length: 10 }, (_, k) => Math.cos(k * i)), [5, 2]);
    const { loss, grads } = paramGrads(optimizer.params, () => mseLoss(model.forward(x), y));
    optimizer.step(grads);
    ema.update();
    dispose([loss, x, y, ...grads]);
  }
  const parts: CheckpointParts = { modules: { model }, optimizers: { adam: optimizer }, emas: { ema } };
  return { model, optimizer, ema, parts, dispose: () => { model.dispose(); optimizer.dispose(); ema.dispose(); } };
}

