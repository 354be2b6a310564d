/**
 * W1 (SGEMM) and the conv layers of the W2 CIFAR-style network, per backend: every @wn backend
 * next to TensorFlow.js 4.22's cpu and wasm backends, measured in the same process.
 */
import * as T from '@wn/tensor';
import { tf, useTf, type TfBackend } from './peers/tfjs.js';
import type * as TfCore from '@tensorflow/tfjs-core';
import { writeReport, formatTable, type Row } from './report.js';
import { time } from './timing.js';
import { wnBackends } from './wn-backends.js';
import { machineLine } from './machine.js';
import { loadavg } from 'node:os';
import { gemmInstructions, matchingPeak, measureSimdPeaks, peakRows, percentOfPeak, type SimdPeak } from './simd-peak.js';

const SIZES = [256, 512, 1024];
/** The conv layers of W2 (batch 16 here to keep slow backends bounded): [inC, outC, size, k, pad] */
const CONVS: [number, number, number, number, number][] = [
  [3, 32, 32, 3, 1], [32, 32, 32, 3, 1], [32, 64, 16, 3, 1], [64, 64, 16, 3, 1], [64, 64, 8, 3, 0], [64, 64, 6, 1, 0], [64, 10, 6, 1, 0],
];
const CONV_BATCH = 16;
const convFlops = CONVS.reduce((s, [ci, co, hw, k, p]) => s + 2 * CONV_BATCH * co * ci * k * k * (hw + 2 * p - k + 1) ** 2, 0);

async function wnRow(backend: string): Promise<Row> {
  // setBackend, not withBackend: the timing loop awaits, and withBackend restores the previous
  // backend as soon as its callback returns its promise
  const previous = T.getBackend();
  T.setBackend(backend);
  try {
    const row: Row = { backend, threads: backend === 'wasm' ? (T.ENGINE.findBackend('wasm') as T.WasmBackend).runtime.threads : 1 };
    const rng = new T.Rng(1);
    for (const n of SIZES) {
      if (!backend.startsWith('wasm') && n > 512) { row[`matmul ${n} GFLOP/s`] = '—'; continue; } // minutes per call
      const a = rng.normal([n, n]), b = rng.normal([n, n]);
      const t = await time(() => T.tidy(() => T.matmul(a, b).dataSync()));
      row[`matmul ${n} GFLOP/s`] = (2 * n ** 3) / t.medianMs / 1e6;
      T.dispose([a, b]);
    }
    const xs = CONVS.map(([ci, , hw]) => rng.normal([CONV_BATCH, ci, hw, hw]));
    const ws = CONVS.map(([ci, co, , k]) => rng.normal([co, ci, k, k], 0, 0.1));
    const t = await time(() => T.tidy(() => CONVS.forEach((c, i) => T.conv2d(xs[i], ws[i], { padding: c[4] }).dataSync())), 2000, 5);
    row['convs fwd ms'] = t.medianMs;
    row['convs GFLOP/s'] = convFlops / t.medianMs / 1e6;
    T.dispose([...xs, ...ws]);
    return row;
  } finally {
    T.setBackend(previous);
  }
}

async function tfRow(which: TfBackend): Promise<Row> {
  const name = await useTf(which);
  const row: Row = { backend: name, threads: 1 };
  for (const n of SIZES) {
    const a = tf.randomNormal([n, n], 0, 1, 'float32', 1), b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
    // outputs are disposed after timing: disposing inside the timed loop makes XNNPACK's next
    // matmul ~10× slower here (allocator churn), which would understate the peer
    const outs: TfCore.Tensor[] = [];
    const t = await time(() => { const c = tf.matMul(a, b); c.dataSync(); outs.push(c); });
    row[`matmul ${n} GFLOP/s`] = (2 * n ** 3) / t.medianMs / 1e6;
    tf.dispose([a, b, ...outs]);
  }
  // TF.js convs are NHWC with [kh, kw, in, out] filters
  const xs = CONVS.map(([ci, , hw]) => tf.randomNormal([CONV_BATCH, hw, hw, ci]));
  const ws = CONVS.map(([ci, co, , k]) => tf.randomNormal([k, k, ci, co], 0, 0.1));
  const outs: TfCore.Tensor[] = [];
  const t = await time(() => CONVS.forEach((c, i) => { const y = tf.conv2d(xs[i] as TfCore.Tensor4D, ws[i] as TfCore.Tensor4D, 1, c[4] === 1 ? 'same' : 'valid'); y.dataSync(); outs.push(y); }), 2000, 5);
  tf.dispose(outs);
  row['convs fwd ms'] = t.medianMs;
  row['convs GFLOP/s'] = convFlops / t.medianMs / 1e6;
  tf.dispose([...xs, ...ws]);
  return row;
}

/**
 * Each GEMM size's rate as a percentage of the peak of the instructions the GEMM kernel issues, at
 * the row's thread count (the @wn wasm rows; '—' for the others).
 */
export function addPeakFractions(row: Row, peaks: readonly SimdPeak[], instructions: ReturnType<typeof gemmInstructions>): Row {
  const ours = String(row.backend).startsWith('wasm');
  const peak = ours ? matchingPeak(peaks, instructions, Number(row.threads)) : undefined;
  for (const n of SIZES) row[`matmul ${n} % of peak`] = percentOfPeak(row[`matmul ${n} GFLOP/s`], peak);
  return row;
}

export async function runKernels(): Promise<string> {
  console.log(`W1 SGEMM N=${SIZES.join('/')} and W2's ${CONVS.length} conv layers (batch ${CONV_BATCH}, forward) — ${machineLine()}`);
  const load0 = loadavg();
  const rows: Row[] = [];
  const runtime = (T.ENGINE.findBackend('wasm') as T.WasmBackend).runtime;
  const wasmThreads = runtime.threads;
  // first, while nothing else of ours has run: the SIMD peak the GEMM rates are stated against
  const peaks = await measureSimdPeaks(runtime);
  const instructions = gemmInstructions(runtime);
  console.log(formatTable(peakRows(peaks)));
  // the W1 target is per thread count: the wasm backend also at one thread
  if (wasmThreads > 1 && !T.ENGINE.registeredBackends().includes('wasm-1t')) T.registerBackend('wasm-1t', () => T.createWasmBackend({ threads: 1 }), -10);
  for (const b of wnBackends()) {
    const r = await wnRow(b);
    console.log(formatTable([r]).split('\n').slice(2).join('\n'));
    rows.push(r);
  }
  for (const b of ['cpu', 'wasm'] as const) rows.push(await tfRow(b));
  for (const r of rows) addPeakFractions(r, peaks, instructions);
  const peer = rows.find((r) => String(r.backend).startsWith('tfjs-wasm'));
  const best = rows.filter((r) => !String(r.backend).startsWith('tfjs')).sort((a, b) => Number(b['matmul 1024 GFLOP/s']) - Number(a['matmul 1024 GFLOP/s']) || 0)[0];
  const notes = [
    'GFLOP/s = 2N³ / median time (steady state, after a warm-up call); conv GFLOP/s counts 2·N·Cout·Cin·k²·Hout·Wout over all layers.',
    'Every row ran in the same process; TF.js tensors are NHWC (its native layout).',
    `WebAssembly SIMD peak (table below): the f32x4 multiply-add throughput of @wn/tensor's probe, ${T.SIMD_PEAK_CHAINS} independent acc·m + c chains per thread with nothing else in the loop (fastest of 9 calls after 8 warm-up calls), as f32x4.mul + f32x4.add${runtime.fma ? ' and as f32x4.relaxed_madd' : ' (relaxed SIMD does not validate here)'}; on 1 thread and on the wasm backend's ${wasmThreads}-thread pool. Its "CPU share" is the process's CPU time over threads × wall time while it ran: below ~90 % other work took cores from it, so the peak at that thread count is understated (the GEMM rows ran under the same load).`,
    `"% of peak": the @wn wasm GEMM's rate over the peak of the instructions it issues (${instructions}${runtime.fma ? ': relaxed SIMD is on' : ''}) at the row's thread count.`,
  ];
  if (peer && best && typeof best['matmul 1024 GFLOP/s'] === 'number') {
    notes.push(`ratio: best @wn backend (${best.backend}) / tfjs-wasm at matmul 1024 = ${(Number(best['matmul 1024 GFLOP/s']) / Number(peer['matmul 1024 GFLOP/s'])).toFixed(2)}×; convs = ${(Number(best['convs GFLOP/s']) / Number(peer['convs GFLOP/s'])).toFixed(2)}×`);
  }
  // Targets: W1 at N=1024, @wn wasm vs TF.js wasm at equal threads. TF.js's threaded wasm build
  // cannot start in Node, so the 2-thread comparison uses twice its 1-thread rate (ideal scaling).
  const gf = (name: string) => Number(rows.find((r) => r.backend === name)?.['matmul 1024 GFLOP/s']);
  const tf1 = peer ? Number(peer['matmul 1024 GFLOP/s']) : NaN;
  const verdict = (ours: number, theirs: number) => `${ours.toFixed(1)} vs ${theirs.toFixed(1)} GFLOP/s (${(ours / theirs).toFixed(2)}×) — ${ours >= theirs ? 'MET' : 'MISSED'}`;
  if (Number.isFinite(tf1)) {
    const one = wasmThreads > 1 ? gf('wasm-1t') : gf('wasm');
    if (Number.isFinite(one)) notes.push(`Target W1 N=1024, 1 thread: @wn wasm vs tfjs-wasm ${verdict(one, tf1)}`);
    if (wasmThreads > 1 && Number.isFinite(gf('wasm'))) notes.push(`Target W1 N=1024, ${wasmThreads} threads: @wn wasm vs tfjs-wasm at ${wasmThreads}× its 1-thread rate (its threaded build does not start in Node; ideal scaling assumed) ${verdict(gf('wasm'), wasmThreads * tf1)}`);
  }
  const md = writeReport('kernels', 'Kernel benchmark: SGEMM and conv layers', notes, rows, {
    loadavg: { start: load0, end: loadavg() },
    tables: [{ title: 'WebAssembly SIMD peak (f32x4 multiply-add throughput)', rows: peakRows(peaks) }],
  });
  console.log(md);
  return md;
}
