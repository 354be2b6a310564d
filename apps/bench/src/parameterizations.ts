/**
 * The cost of each parameterization on one CIFAR-style training step: W2 (batch 64, 3×32×32,
 * convs 32-32-pool-64-64-pool-64v-64(1×1)-10(1×1), global average pool, softmax cross-entropy,
 * Adam 1e-3) built from @wn/layers' `convUnit` under standard, weight norm, weight norm +
 * mean-only batch norm and batch norm. The paper reports batch norm ≈16% slower per epoch than
 * weight norm. Steps are interleaved across parameterizations so machine load hits all alike.
 */
import { Adam, GlobalAvgPool2d, LeakyReLU, MaxPool2d, Sequential, convUnit, trainStep, type VariantName } from '@wn/layers';
import * as T from '@wn/tensor';
import { machineLine } from './machine.js';
import { formatTable, writeReport, type Row } from './report.js';
import type { Trainer } from './workloads/wn.js';

/** The parameterizations compared, in the table's order. */
export const PARAMS: VariantName[] = ['standard', 'weightnorm', 'weightnorm+meanonlybn', 'batchnorm'];
const BATCH = 64;
const ROUNDS = Number(process.env.WN_BENCH_PARAM_ROUNDS ?? 6);

/** W2 built from @wn/layers' convUnit under parameterization `p`. */
export function w2(p: VariantName): Sequential {
  const unit = (i: number, o: number, k: number, padding: 'same' | 'valid', act = true) =>
    convUnit(i, o, k, { variant: p, padding, activation: act ? new LeakyReLU(0.1) : null, rng: 7 });
  return new Sequential([
    unit(3, 32, 3, 'same'), unit(32, 32, 3, 'same'), new MaxPool2d(2),
    unit(32, 64, 3, 'same'), unit(64, 64, 3, 'same'), new MaxPool2d(2),
    unit(64, 64, 3, 'valid'), unit(64, 64, 1, 'valid'), unit(64, 10, 1, 'valid', false),
    new GlobalAvgPool2d(),
  ]);
}

/** A W2 training step under parameterization `p` on `backend` (the bench's model, input and optimizer), for profile.ts. */
export function parameterizationTrainer(p: VariantName, backend = T.getBackend()): Trainer {
  return T.withBackend(backend, () => {
    const rng = new T.Rng(3);
    const x = T.keep(rng.normal([BATCH, 3, 32, 32]));
    const labels = Array.from(rng.uniformArray(BATCH, 0, 10), Math.floor);
    const model = w2(p);
    const opt = new Adam(model, { lr: 1e-3 });
    return {
      step: () => T.withBackend(backend, () => trainStep(opt, () => T.softmaxCrossEntropy(model.forward(x), labels)).loss),
      dispose: () => T.dispose(x),
    };
  });
}

export async function runParameterizations(): Promise<string> {
  console.log(`Parameterization cost: W2 training step (batch ${BATCH}) on @wn ${T.getBackend()} — ${machineLine()}`);
  const rng = new T.Rng(3);
  const x = T.keep(rng.normal([BATCH, 3, 32, 32]));
  const labels = Array.from(rng.uniformArray(BATCH, 0, 10), Math.floor);
  const models = PARAMS.map((p) => {
    const model = w2(p);
    return { p, model, opt: new Adam(model, { lr: 1e-3 }), times: [] as number[] };
  });
  // two warm-up steps each, then interleaved timed rounds
  for (let r = -2; r < ROUNDS; r++) {
    for (const m of models) {
      const t0 = performance.now();
      trainStep(m.opt, () => T.softmaxCrossEntropy(m.model.forward(x), labels));
      if (r >= 0) m.times.push(performance.now() - t0);
    }
  }
  const median = (a: number[]) => [...a].sort((u, v) => u - v)[Math.floor(a.length / 2)];
  const wn = median(models.find((m) => m.p === 'weightnorm')!.times);
  const std = median(models.find((m) => m.p === 'standard')!.times);
  const rows: Row[] = models.map((m) => ({
    parameterization: m.p,
    'ms/step (median)': median(m.times),
    'images/s': (BATCH * 1000) / median(m.times),
    '× standard': median(m.times) / std,
    '× weightnorm': median(m.times) / wn,
  }));
  const bn = median(models.find((m) => m.p === 'batchnorm')!.times);
  const notes = [
    `W2 from @wn/layers' convUnit; Adam lr 1e-3; ${ROUNDS} timed rounds after 2 warm-up rounds, parameterizations interleaved; backend ${T.getBackend()}.`,
    `weight norm adds ${(((wn - std) / std) * 100).toFixed(1)}% to the standard step; batch norm is ${(((bn - wn) / wn) * 100).toFixed(1)}% slower than weight norm (paper: ≈16% per epoch on a GPU).`,
    `load average at the end: ${(await import('node:os')).loadavg().map((v) => v.toFixed(2)).join(' ')} on 2 cores.`,
  ];
  console.log(formatTable(rows));
  const md = writeReport('parameterizations', 'Cost of each parameterization on one CIFAR-style training step', notes, rows);
  console.log(notes.join('\n'));
  return md;
}
