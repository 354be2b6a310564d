/**
 * The cost of each parameterization on one CIFAR-style training step: W2 (batch 64, 3×32×32,
 * convs 32-32-pool-64-64-pool-64v-64(1×1)-10(1×1), global average pool, softmax cross-entropy,
 * Adam 1e-3) built from @wn/layers' `convUnit` under standard, weight norm, weight norm +
 * mean-only batch norm and batch norm. The paper reports batch norm ≈16% slower per epoch than
 * weight norm. Steps are interleaved across parameterizations so machine load hits all alike.
 */
import { Adam, GlobalAvgPool2d, LeakyReLU, MaxPool2d, Sequential, convUnit, trainStep, type VariantName } from '@wn/layers';
import * as T from '@wn/tensor';
import { loadavg } from 'node:os';
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
  const load0 = loadavg();
  const models = PARAMS.map((p) => {
    const model = w2(p);
    return { p, model, opt: new Adam(model, { lr: 1e-3 }), times: [] as number[], cpu: [] as number[] };
  });
  // two warm-up steps each, then interleaved timed rounds
  for (let r = -2; r < ROUNDS; r++) {
    for (const m of models) {
      const c0 = process.cpuUsage(), t0 = performance.now();
      trainStep(m.opt, () => T.softmaxCrossEntropy(m.model.forward(x), labels));
      const wall = performance.now() - t0, cpu = process.cpuUsage(c0);
      if (r >= 0) {
        m.times.push(wall);
        m.cpu.push((cpu.user + cpu.system) / 1000);
      }
    }
  }
  const load1 = loadavg();
  const median = (a: number[]) => [...a].sort((u, v) => u - v)[Math.floor(a.length / 2)];
  const of = (p: VariantName) => models.find((m) => m.p === p)!;
  // per-round ratios: the two steps of a round ran seconds apart, so a load change hits both
  const paired = (a: number[], b: number[]) => median(a.map((t, i) => t / b[i]));
  const wnM = of('weightnorm'), stdM = of('standard'), bnM = of('batchnorm');
  const rows: Row[] = models.map((m) => ({
    parameterization: m.p,
    'ms/step (median)': median(m.times),
    'images/s': (BATCH * 1000) / median(m.times),
    '× standard': paired(m.times, stdM.times),
    '× weightnorm': paired(m.times, wnM.times),
    'CPU ms/step': median(m.cpu),
    'CPU × weightnorm': paired(m.cpu, wnM.cpu),
  }));
  const wnOverStd = paired(wnM.times, stdM.times), bnOverWn = paired(bnM.times, wnM.times);
  const threads = T.getBackend() === 'wasm' ? (T.ENGINE.findBackend('wasm') as T.WasmBackend).runtime.threads : 1;
  const share = median(models.flatMap((m) => m.cpu.map((c, i) => c / (threads * m.times[i]))));
  const notes = [
    `W2 from @wn/layers' convUnit; Adam lr 1e-3; ${ROUNDS} timed rounds after 2 warm-up rounds, parameterizations interleaved; backend ${T.getBackend()} (${threads} thread${threads === 1 ? '' : 's'}).`,
    'Ratios are medians of per-round ratios (the steps of one round ran back to back); "CPU" columns count this process\'s CPU time (all its threads), which other processes on the machine disturb less than wall time.',
    `weight norm adds ${((wnOverStd - 1) * 100).toFixed(1)}% to the standard step; batch norm is ${((bnOverWn - 1) * 100).toFixed(1)}% slower than weight norm (paper: ≈16% per epoch on a GPU).`,
    `Target: a batch-norm step ≤ 1.3× a weight-norm step: ${bnOverWn.toFixed(2)}× wall, ${paired(bnM.cpu, wnM.cpu).toFixed(2)}× CPU — ${bnOverWn <= 1.3 ? 'MET' : 'MISSED'}.`,
    `CPU share (CPU time over threads × wall time, median over steps): ${(100 * share).toFixed(0)} %${share < 0.9 ? ' — other work took cores from this run' : ''}.`,
  ];
  console.log(formatTable(rows));
  const md = writeReport('parameterizations', 'Cost of each parameterization on one CIFAR-style training step', notes, rows, { loadavg: { start: load0, end: load1 } });
  console.log(notes.join('\n'));
  return md;
}
