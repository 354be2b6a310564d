/**
 * The `steps` group: training steps W2 (CIFAR-style conv net, also with weight norm), W3 (MLP)
 * and W4 (LSTM) on @wn, TensorFlow.js 4.22 (cpu, wasm) and PyTorch CPU, from the same initial
 * values; ratios against PyTorch at equal threads and against TF.js; weight-norm overhead; W2's
 * peak RSS over many steps; a per-op profile of each workload on @wn's wasm backend at 1 and 2 threads; the issue's
 * targets marked met or missed.
 *
 * Environment: WN_BENCH_BACKENDS (which @wn backends), WN_BENCH_STEP_CAP_S (skip a peer whose
 * estimated step exceeds this, default 20), WN_BENCH_RSS_STEPS (default 100; the issue's check is
 * 500), WN_BENCH_TFJS_CPU_W2=full (run TF.js cpu's W2 step at batch 64 whatever the cap),
 * WN_BENCH_WORKLOADS=W3,W4 (a subset), WN_BENCH_PYTHON (default /usr/bin/python3).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as T from '@wn/tensor';
import { formatTable, type Row } from './report.js';
import { machineLine } from './machine.js';
import { wnBackends } from './wn-backends.js';
import { useTf, tf } from './peers/tfjs.js';
import { tfTrainer } from './peers/tfjs-steps.js';
import { runTorch, torchUnavailable, writeManifest, PYTHON, type TorchRun } from './peers/torch.js';
import { WORKLOAD_IDS, workload, type Workload, type WorkloadId } from './workloads/spec.js';
import { wnTrainer, type Trainer } from './workloads/wn.js';
import { profileSteps, type Profile } from './profile.js';
import type { RssResult } from './steps-rss.js';

const CAP_MS = Number(process.env.WN_BENCH_STEP_CAP_S ?? 20) * 1000;
/** a peer whose warm full-batch step takes longer is timed from that one step, not a median */
const FAST_MS = 3000;
const CHECK_STEPS = 3;
const TIMING = { warmup: 2, minReps: 5, maxReps: 30, budgetMs: 4000 };
const RSS_STEPS = Number(process.env.WN_BENCH_RSS_STEPS ?? 100);
const WN_PAIRS = Number(process.env.WN_BENCH_WN_PAIRS ?? 8);

type How = 'median' | 'single' | 'estimated' | 'unsupported' | 'skipped';

interface Measurement {
  workload: WorkloadId;
  peer: string;
  /** 'wn', 'torch', 'tfjs' */
  family: 'wn' | 'torch' | 'tfjs';
  threads: number;
  how: How;
  medianMs?: number;
  minMs?: number;
  reps?: number;
  note?: string;
  losses?: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (s: string) => console.log(s);

function errorLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 120);
}

/**
 * Measures one peer on one workload: a probe at the workload's small batch estimates the full
 * step; above the cap the estimate is reported; a peer whose warm full step exceeds FAST_MS is
 * reported from that step; otherwise the median of repeated steps after a warm-up. Errors become
 * 'unsupported'.
 */
function measure(w: Workload, peer: Omit<Measurement, 'workload' | 'how'>, make: (batch: number) => Trainer, forceFull = false): Measurement {
  const base = { workload: w.id, ...peer };
  let trainer: Trainer | undefined;
  try {
    // probe: warm steps at the probe batch b and at 2b, extrapolated linearly to the full batch
    // (a step's fixed costs, which dominate at small batches, are not multiplied up)
    const timed = (tr: Trainer) => { const t0 = performance.now(); tr.step(); return performance.now() - t0; };
    const b = w.probeBatch, scale = w.batch / b;
    let estimate: number, how: string;
    trainer = make(b);
    const cold = timed(trainer);
    if (cold > CAP_MS) {
      // the full step is slower still
      estimate = cold * scale;
      how = `est. from one batch-${b} step (${(cold / 1000).toFixed(1)} s) ×${scale}`;
    } else {
      const t1 = Math.min(cold, timed(trainer));
      trainer.dispose();
      trainer = make(2 * b);
      let t2 = timed(trainer);
      if (t2 <= CAP_MS) t2 = Math.min(t2, timed(trainer));
      // noise can make t2 < t1: then fall back to proportional scaling of t2, an upper bound
      estimate = t2 > t1 ? t1 + ((t2 - t1) * (w.batch - b)) / b : (t2 * w.batch) / (2 * b);
      how = `est. from batch ${b} and ${2 * b} steps (${(t1 / 1000).toFixed(2)} s, ${(t2 / 1000).toFixed(2)} s), linear in batch`;
    }
    trainer.dispose();
    trainer = undefined;
    if (estimate > CAP_MS && !forceFull) {
      const m: Measurement = { ...base, how: 'estimated', medianMs: estimate, note: `${how}; skipped over the ${CAP_MS / 1000} s cap` };
      log(`  ${peer.peer}: ~${(estimate / 1000).toFixed(1)} s/step, ${m.note}`);
      return m;
    }
    let t: number;
    trainer = make(w.batch);
    const losses: number[] = [];
    // the check steps (their losses are compared with PyTorch's) double as warm-up; a peer whose
    // warm step takes over FAST_MS (or any step, when forced) is reported from that one step
    for (let i = 0; i < CHECK_STEPS; i++) {
      t = performance.now();
      losses.push(trainer.step());
      const ms = performance.now() - t;
      if ((i >= 1 && ms > FAST_MS) || forceFull) {
        log(`  ${peer.peer}: ${ms.toFixed(0)} ms/step (step ${i + 1} of a full batch, slow: no median)`);
        return { ...base, how: 'single', medianMs: ms, minMs: ms, reps: 1, losses, note: `step ${i + 1} only (slow: no median)` };
      }
    }
    for (let i = 0; i < TIMING.warmup; i++) trainer.step();
    const samples: number[] = [];
    const start = performance.now();
    while (samples.length < TIMING.maxReps && (samples.length < TIMING.minReps || performance.now() - start < TIMING.budgetMs)) {
      t = performance.now();
      trainer.step();
      samples.push(performance.now() - t);
    }
    const m: Measurement = { ...base, how: 'median', medianMs: median(samples), minMs: Math.min(...samples), reps: samples.length, losses };
    log(`  ${peer.peer} (${peer.threads}t): ${m.medianMs!.toFixed(1)} ms/step median of ${samples.length} (min ${m.minMs!.toFixed(1)})`);
    return m;
  } catch (e) {
    const note = `unsupported: ${errorLine(e)}`;
    log(`  ${peer.peer}: ${note}`);
    return { ...base, how: 'unsupported', note };
  } finally {
    try { trainer?.dispose(); } catch { /* a failed step may leave it half-disposed */ }
  }
}

function torchMeasurements(w: Workload, manifest: string, threadCounts: number[]): Measurement[] {
  return threadCounts.map((n) => {
    const peer = { peer: 'pytorch', family: 'torch' as const, threads: n };
    try {
      const run: TorchRun = runTorch(manifest, n, { checkSteps: CHECK_STEPS, warmup: 3, minReps: TIMING.minReps, maxReps: TIMING.maxReps, budgetS: TIMING.budgetMs / 1000, only: [w.id] });
      const r = run.results[w.id]!;
      torchInfo = `PyTorch ${run.torch}, BLAS: ${run.blas}, oneDNN ${run.mkldnn ? 'on' : 'off'}`;
      const m: Measurement = { workload: w.id, ...peer, how: 'median', medianMs: median(r.samplesMs), minMs: Math.min(...r.samplesMs), reps: r.samplesMs.length, losses: r.losses };
      log(`  pytorch (${n}t): ${m.medianMs!.toFixed(1)} ms/step median of ${m.reps} (min ${m.minMs!.toFixed(1)})`);
      return m;
    } catch (e) {
      log(`  pytorch (${n}t): failed: ${errorLine(e)}`);
      return { workload: w.id, ...peer, how: 'unsupported', note: `failed: ${errorLine(e)}` };
    }
  });
}
let torchInfo = '';

/** W2 vs W2-WN step times measured in alternation, so that load drift hits both alike. */
interface Paired {
  peer: string;
  threads: number;
  pairs: number;
  w2Ms: number;
  wnMs: number;
  /** median over pairs of (W2-WN step / W2 step) − 1 */
  overhead: number;
}

function pairedFrom(peer: string, threads: number, a: number[], b: number[]): Paired {
  return { peer, threads, pairs: a.length, w2Ms: median(a), wnMs: median(b), overhead: median(a.map((x, i) => b[i] / x)) - 1 };
}

function pairedWn(backend: string, threads: number, pairs: number): Paired {
  const ta = wnTrainer(workload('W2'), backend), tb = wnTrainer(workload('W2-WN'), backend);
  try {
    for (let i = 0; i < 2; i++) { ta.step(); tb.step(); }
    const a: number[] = [], b: number[] = [];
    const timed = (tr: Trainer) => { const t = performance.now(); tr.step(); return performance.now() - t; };
    for (let i = 0; i < pairs; i++) {
      // alternate the order too: A B, B A, ...
      if (i % 2 === 0) { a.push(timed(ta)); b.push(timed(tb)); } else { b.push(timed(tb)); a.push(timed(ta)); }
    }
    return pairedFrom('@wn wasm', threads, a, b);
  } finally {
    ta.dispose();
    tb.dispose();
  }
}

function pairedTorch(manifest: string, threads: number, pairs: number): Paired | string {
  try {
    const run = runTorch(manifest, threads, { checkSteps: 0, warmup: 2, minReps: 0, maxReps: 0, budgetS: 0, only: [], paired: ['W2', 'W2-WN'], pairs });
    const p = run.paired!;
    return pairedFrom('pytorch', threads, p.a, p.b);
  } catch (e) {
    return `pytorch (${threads}t): failed: ${errorLine(e)}`;
  }
}

function runRss(steps: number): RssResult | string {
  const script = fileURLToPath(new URL('./steps-rss.ts', import.meta.url));
  const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', script, String(steps), 'wasm'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  if (r.status !== 0) return `RSS run failed (exit ${r.status}): ${r.error?.message ?? ''}`;
  return JSON.parse(r.stdout) as RssResult;
}

/** The first losses of each peer against PyTorch's, from the same initial values (W3: required ≤ 1e-4). */
function agreementLines(results: Measurement[], id: WorkloadId): string[] {
  const ref = results.find((m) => m.workload === id && m.family === 'torch' && m.losses?.length);
  if (!ref) return [];
  const tol = 1e-4;
  return results.filter((x) => x.workload === id && x.family !== 'torch' && x.losses?.length).map((m) => {
    const n = Math.min(m.losses!.length, ref.losses!.length);
    const worst = Math.max(...m.losses!.slice(0, n).map((l, i) => relDiff(l, ref.losses![i])));
    return `${id} ${m.peer} (${m.threads}t) vs PyTorch, losses of steps 1–${n}: max rel. diff ${worst.toExponential(1)} ${worst <= tol ? '✓' : '✗'} (≤ ${tol})${id === 'W3' ? ' [required]' : ''}` +
      ` — ${m.losses!.slice(0, n).map((l) => l.toFixed(6)).join(', ')} vs ${ref.losses!.slice(0, n).map((l) => l.toFixed(6)).join(', ')}`;
  });
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
const fmtRatio = (r: number) => (r < 0.1 ? r.toPrecision(1) : r.toFixed(2));
const fmt = (v: number | undefined, digits = 1) => (v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(digits));

export async function runSteps(): Promise<string> {
  const load0 = os.loadavg();
  const ids = (process.env.WN_BENCH_WORKLOADS?.split(',').filter(Boolean) as WorkloadId[] | undefined) ?? WORKLOAD_IDS;
  const wasmThreads = (T.ENGINE.findBackend('wasm') as T.WasmBackend).runtime.threads;
  // @wn at the wasm backend's own thread count and at one thread, PyTorch at both
  const threadCounts = wasmThreads > 1 ? [wasmThreads, 1] : [1];
  if (wasmThreads > 1 && !T.ENGINE.registeredBackends().includes('wasm-1t')) T.registerBackend('wasm-1t', () => T.createWasmBackend({ threads: 1 }), -10);
  const wnPeers: { backend: string; label: string; threads: number }[] = [];
  for (const b of wnBackends()) {
    if (b === 'wasm') {
      wnPeers.push({ backend: 'wasm', label: '@wn wasm', threads: wasmThreads });
      if (wasmThreads > 1) wnPeers.push({ backend: 'wasm-1t', label: '@wn wasm', threads: 1 });
    } else if (b !== 'wasm-1t') wnPeers.push({ backend: b, label: `@wn ${b}`, threads: 1 });
  }
  log(`steps: ${ids.join(', ')} — ${machineLine()}; load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);

  const noTorch = torchUnavailable();
  if (noTorch) log(`PyTorch peer skipped: ${noTorch}`);
  const withWn = ids.includes('W2') && ids.includes('W2-WN');
  const manifest = noTorch ? undefined : writeManifest([...new Set<WorkloadId>([...ids, ...(withWn ? ['W2', 'W2-WN'] as const : [])])].map(workload));

  const results: Measurement[] = [];
  const paired: Paired[] = [];
  const pairedErrors: string[] = [];
  try {
    for (const id of ids) {
      const w = workload(id);
      log(`\n${w.title}`);
      // interleaved per workload, so that a change in machine load hits every peer alike
      if (manifest) results.push(...torchMeasurements(w, manifest.manifest, threadCounts));
      for (const p of wnPeers) {
        results.push(measure(w, { peer: p.label, family: 'wn', threads: p.threads }, (batch) => wnTrainer(w, p.backend, batch)));
      }
      for (const b of ['wasm', 'cpu'] as const) {
        const name = await useTf(b);
        const label = b === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu';
        if (b === 'cpu' && id === 'W2-WN') {
          results.push({ workload: id, peer: label, family: 'tfjs', threads: 1, how: 'skipped', note: 'not run (see W2: minutes per step)' });
          continue;
        }
        const force = b === 'cpu' && id === 'W2' && process.env.WN_BENCH_TFJS_CPU_W2 === 'full';
        const m = measure(w, { peer: label, family: 'tfjs', threads: 1, note: name }, (batch) => tfTrainer(w, batch), force);
        results.push(m);
        // a failed TF.js step can strand tensors; start the next peer clean
        if (m.how === 'unsupported') tf.disposeVariables();
      }
      for (const line of agreementLines(results, id)) log(`  ${line}`);
    }
    if (withWn && wnPeers.some((p) => p.backend === 'wasm')) {
      log(`\nWeight-norm overhead: W2 and W2-WN steps in alternation, ${WN_PAIRS} pairs`);
      for (const n of threadCounts) {
        if (manifest) {
          const p = pairedTorch(manifest.manifest, n, WN_PAIRS);
          if (typeof p === 'string') pairedErrors.push(p); else paired.push(p);
        }
        paired.push(pairedWn(n === wasmThreads ? 'wasm' : 'wasm-1t', n, WN_PAIRS));
      }
      for (const p of paired) log(`  ${p.peer} (${p.threads}t): ${(p.overhead * 100).toFixed(1)}%`);
    }
  } finally {
    manifest?.cleanup();
  }

  // ---- profile, RSS ----------------------------------------------------------------------------
  // One profile per workload and wasm thread count, so every missed target comes with where the time goes.
  const profiles: { workload: WorkloadId; threads: number; profile: Profile }[] = [];
  for (const id of ids.filter((w) => w !== 'W2-WN')) {
    for (const peer of wnPeers.filter((p) => p.backend === 'wasm' || p.backend === 'wasm-1t')) {
      log(`\nProfile of one ${id} step on @wn wasm, ${peer.threads} thread(s) (kernels wrapped with timers; mean of 3 steps after 2 warm-up)`);
      const tr = wnTrainer(workload(id), peer.backend);
      profiles.push({ workload: id, threads: peer.threads, profile: profileSteps(tr, peer.backend) });
      tr.dispose();
    }
  }
  let rss: RssResult | string | undefined;
  if (ids.includes('W2') && wnPeers.some((p) => p.backend === 'wasm')) {
    log(`\nPeak RSS: ${RSS_STEPS} W2 steps on @wn wasm in a child process`);
    rss = runRss(RSS_STEPS);
  }
  const load1 = os.loadavg();

  // ---- report ----------------------------------------------------------------------------------
  const find = (id: WorkloadId, peer: string, threads?: number) =>
    results.find((m) => m.workload === id && m.peer === peer && (threads === undefined || m.threads === threads) && m.medianMs !== undefined && (m.how === 'median' || m.how === 'single' || m.how === 'estimated'));
  const ratio = (m: Measurement, ref: Measurement | undefined) =>
    m.medianMs === undefined || !ref?.medianMs ? '—' : `${fmtRatio(m.medianMs / ref.medianMs)}${m.how === 'estimated' || ref.how === 'estimated' ? ' (est.)' : ''}`;
  const rows: Row[] = results.map((m) => {
    const w = workload(m.workload);
    const torchRef = find(m.workload, 'pytorch', m.threads) ?? find(m.workload, 'pytorch', 1);
    const value = m.medianMs === undefined ? '—' : `${m.how === 'estimated' ? '~' : ''}${fmt(m.medianMs)}`;
    return {
      workload: m.workload,
      peer: m.peer,
      threads: String(m.threads),
      'ms/step': value,
      'min ms': fmt(m.minMs),
      'items/s': m.medianMs ? `${m.how === 'estimated' ? '~' : ''}${fmt((1000 * w.batch) / m.medianMs)}` : '—',
      '× pytorch (same threads)': m.family === 'torch' ? '1' : ratio(m, torchRef),
      '× tfjs-wasm': ratio(m, find(m.workload, 'tfjs-wasm')),
      '× tfjs-cpu': ratio(m, find(m.workload, 'tfjs-cpu')),
      'loss step 1': m.losses?.length ? m.losses[0].toFixed(5) : '—',
      how: m.how === 'median' ? `median of ${m.reps}` : (m.note ?? m.how),
    };
  });
  // correctness: the first losses of each peer against PyTorch's (same initial values)
  const agreement = ids.flatMap((id) => agreementLines(results, id));

  const wnOverhead: string[] = [
    ...paired.map((p) => `${p.peer} (${p.threads}t): W2 ${fmt(p.w2Ms)} ms, W2-WN ${fmt(p.wnMs)} ms (medians) — weight norm adds ${(p.overhead * 100).toFixed(1)}% (median of ${p.pairs} paired ratios)`),
    ...pairedErrors,
  ];
  const targets: string[] = [];
  for (const id of ['W2', 'W3', 'W4'] as const) {
    for (const n of threadCounts) {
      const m = find(id, '@wn wasm', n), ref = find(id, 'pytorch', n);
      if (!m?.medianMs || !ref?.medianMs) continue;
      const r = m.medianMs / ref.medianMs, rmin = m.minMs! / ref.minMs!;
      // PyTorch's OpenMP threads spin-wait: on an oversubscribed machine n threads can be far slower than 1
      const one = find(id, 'pytorch', 1);
      const suspect = n > 1 && one?.medianMs !== undefined && ref.medianMs > one.medianMs * 1.2
        ? ` (caution: PyTorch at ${n} threads was slower than at 1 — ${fmt(ref.medianMs)} vs ${fmt(one.medianMs)} ms — the machine is oversubscribed; this ratio is not meaningful)`
        : '';
      targets.push(`${id} ≤ 3× PyTorch at ${n} thread${n > 1 ? 's' : ''}: ${r.toFixed(1)}× (min-based ${rmin.toFixed(1)}×) — ${r <= 3 ? 'MET' : 'MISSED'}${suspect}`);
    }
  }
  for (const p of paired.filter((x) => x.peer === '@wn wasm')) {
    targets.push(`Weight norm adds ≤ 5% to W2 (@wn wasm, ${p.threads}t): ${(p.overhead * 100).toFixed(1)}% — ${p.overhead <= 0.05 ? 'MET' : 'MISSED'}`);
  }
  const rssLines: string[] = [];
  if (rss && typeof rss !== 'string') {
    // A leak of W2 tensors adds megabytes a step and keeps doing so. Uncollected V8 garbage and
    // the buffer pool's warm-up also raise RSS for a while, so the verdict looks at what is left
    // after a GC (live tensors, ArrayBuffers incl. wasm memory, V8 heap, RSS) and at whether the
    // raw RSS is still rising over the last quarter of the run.
    const rise = rss.atEndMiB - rss.at50MiB;
    const gcRise = rss.rssAfterGcMiB[1] - rss.rssAfterGcMiB[0];
    const reasons = [
      rss.tensorsAtEnd > rss.tensorsAt50 && `live tensors ${rss.tensorsAt50} → ${rss.tensorsAtEnd}`,
      rss.arrayBuffersMiB[1] - rss.arrayBuffersMiB[0] > 8 && `ArrayBuffers +${fmt(rss.arrayBuffersMiB[1] - rss.arrayBuffersMiB[0])} MiB`,
      rss.heapMiB[1] - rss.heapMiB[0] > 8 && `V8 heap after GC +${fmt(rss.heapMiB[1] - rss.heapMiB[0])} MiB`,
      gcRise > Math.max(32, 0.05 * rss.rssAfterGcMiB[0]) && `RSS after GC +${fmt(gcRise)} MiB`,
      rss.lastQuarterMiB > Math.max(32, 0.05 * rss.atEndMiB) && `RSS still rising over the last quarter (+${fmt(rss.lastQuarterMiB)} MiB)`,
    ].filter((r): r is string => typeof r === 'string');
    const sign = (v: number) => `${v >= 0 ? '+' : ''}${fmt(v)}`;
    rssLines.push(
      `W2 on @wn wasm, ${rss.steps} steps (${fmt(rss.msPerStep)} ms/step), own process: peak RSS ${fmt(rss.maxMiB)} MiB (process before the model: ${fmt(rss.baselineMiB)} MiB)`,
      `Raw RSS after step 50: ${fmt(rss.at50MiB)} MiB, after step ${rss.steps}: ${fmt(rss.atEndMiB)} MiB (${sign(rise)} MiB); over the last quarter ${sign(rss.lastQuarterMiB)} MiB; least-squares slope over 50..${rss.steps}: ${rss.slopeMiBPer100.toFixed(2)} MiB/100 steps`,
      `${rss.gcBeforeSamples ? 'After a GC' : 'Without a GC (no --expose-gc)'}, step 50 → ${rss.steps}: RSS ${fmt(rss.rssAfterGcMiB[0])} → ${fmt(rss.rssAfterGcMiB[1])} MiB, V8 heap ${fmt(rss.heapMiB[0])} → ${fmt(rss.heapMiB[1])} MiB, ArrayBuffers (incl. wasm memory) ${fmt(rss.arrayBuffersMiB[0])} → ${fmt(rss.arrayBuffersMiB[1])} MiB, live tensors ${rss.tensorsAt50} → ${rss.tensorsAtEnd} — ${reasons.length ? `GROWS: ${reasons.join('; ')}` : 'no growth'}`,
    );
    targets.push(`W2 peak RSS < 1 GiB: ${fmt(rss.maxMiB)} MiB — ${rss.maxMiB < 1024 ? 'MET' : 'MISSED'}`);
    targets.push(`No RSS growth over ${rss.steps} steps${rss.steps < 500 ? ' (the issue asks for 500: WN_BENCH_RSS_STEPS=500)' : ''}: ${reasons.length ? `MISSED (${reasons.join('; ')})` : `MET (after GC, step 50 → ${rss.steps}: RSS ${sign(gcRise)} MiB, live tensors constant; raw RSS ${sign(rise)} MiB)`}`);
  } else if (typeof rss === 'string') rssLines.push(rss);

  const profileSection = (p: (typeof profiles)[number]): string[] => [
    `### ${p.workload}, ${p.threads} thread(s)`,
    '',
    `Step ${fmt(p.profile.stepMs)} ms, of which ${fmt(p.profile.kernelMs)} ms in kernels; ${fmt(p.profile.dispatches)} ops dispatched.`,
    '',
    formatTable(p.profile.rows.slice(0, 10).map((r) => ({ op: r.op, 'calls/step': r.calls, 'ms/step': r.ms, '% of step': r.pct }))),
    '',
  ];

  const notes = [
    // the bench itself keeps about one core busy (two with the wasm worker), so only load beyond
    // the core count says that something else competed
    `Load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}, at end ${load1.map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} logical cores (this bench adds up to ${wasmThreads}): ${Math.max(load0[0], load1[0]) > os.cpus().length ? 'a LOADED machine — treat the times as noisy' : 'no sign of competing load'}.`,
    'Every peer starts from the same initial weights and data (generated with @wn\'s Rng, PyTorch layouts; TF.js gets them permuted to NHWC/HWIO/[in, out]).',
    'Step = forward + backward + Adam (lr 1e-3, β 0.9/0.999, ε 1e-8) for W2, W2-WN, W3; forward + backward for W4 (loss = sum of the final h).',
    `ms/step: median of repeated steps after ${CHECK_STEPS} check steps and ${TIMING.warmup} warm-up steps (PyTorch: 3 warm-up), at least ${TIMING.minReps}, within ${TIMING.budgetMs / 1000} s.`,
    `Every non-PyTorch peer is first probed at a small batch b and at 2b (estimate linear in batch; one step over the cap at b is simply scaled); an estimated step over ${CAP_MS / 1000} s is reported as an estimate (~, "est.") and skipped; a peer whose second full step exceeds ${FAST_MS / 1000} s is reported from that step alone.`,
    `Threads: @wn wasm runs its GEMM/conv kernels on ${wasmThreads} thread(s) (and on 1, registered as wasm-1t); PyTorch uses torch.set_num_threads(n) at the same n; TF.js (cpu, and wasm in Node) and the other @wn backends are single-threaded and compare with PyTorch at 1 thread.`,
    noTorch ? `PyTorch: skipped (${noTorch}).` : `PyTorch: ${PYTHON}, ${torchInfo}.`,
    'items/s = batch / step time: images (W2), samples (W3), sequences of 16 steps (W4).',
    'TF.js gradients: tfjs-core\'s node bundle lacks them; peers/tfjs-steps.ts loads tfjs-core\'s register_all_gradients like the @tensorflow/tfjs umbrella does.',
  ];
  const md = [
    '# Training steps: @wn vs PyTorch vs TensorFlow.js',
    '',
    `Machine: ${machineLine()}`,
    `Date: ${new Date().toISOString()}`,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    formatTable(rows),
    '',
    '## Targets (issue "Fast on an ordinary CPU")',
    '',
    ...targets.map((t) => `- ${t}`),
    '',
    '## Loss agreement with PyTorch (same initial values)',
    '',
    ...agreement.map((a) => `- ${a}`),
    '',
    '## Weight-norm overhead on W2',
    '',
    ...(wnOverhead.length ? wnOverhead : ['(not measured)']).map((a) => `- ${a}`),
    '',
    '## Peak RSS',
    '',
    ...(rssLines.length ? rssLines : ['(not measured)']).map((a) => `- ${a}`),
    '',
    '## Where the time goes: per-op profiles on @wn wasm (top 10 per step)',
    '',
    'Kernels wrapped with timers (the wrapping adds a little); "outside kernels" is autograd, dispatch and JS around the kernels.',
    '',
    ...(profiles.length ? profiles.flatMap(profileSection) : ['(not measured)', '']),
  ].join('\n');

  const dir = new URL('../results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}steps.json`, JSON.stringify({
    title: 'Training steps', machine: machineLine(), date: new Date().toISOString(), loadavg: { start: load0, end: load1 }, notes,
    rows, measurements: results, targets, agreement, wnOverhead, paired, rss, profiles,
  }, null, 2));
  writeFileSync(`${dir}steps.md`, md);
  console.log(`\n${md}`);
  return md;
}
