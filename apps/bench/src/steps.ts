/**
 * The `steps` group: training steps W2 (CIFAR-style conv net, also with weight norm), W3 (MLP)
 * and W4 (LSTM) on @wn, TensorFlow.js 4.22 (cpu, wasm) and PyTorch CPU, from the same initial
 * values; @wn wasm and PyTorch timed in alternation (median of per-pair ratios, PyTorch at its
 * best: see peers/torch.ts), ratios against TF.js; weight-norm overhead; W2's peak RSS over many
 * steps; a per-op profile of each workload on @wn's wasm backend at 1 and 2 threads; the issue's
 * targets marked met, not met or invalid (compare.ts).
 *
 * Environment: WN_BENCH_BACKENDS (which @wn backends), WN_BENCH_STEP_CAP_S (skip a peer whose
 * estimated step exceeds this, default 20), WN_BENCH_RSS_STEPS (default 100; the issue's check is
 * 500), WN_BENCH_TFJS_CPU_W2=full (run TF.js cpu's W2 step at batch 64 whatever the cap),
 * WN_BENCH_WORKLOADS=W3,W4 (a subset), WN_BENCH_PYTHON (default /usr/bin/python3),
 * WN_BENCH_PAIRS (@wn/PyTorch pairs per workload and thread count, default 12; fewer than 10 make
 * every verdict invalid), WN_BENCH_BLOCK_MS (steps per block chosen so the slower side's block
 * takes about this, default 200), WN_BENCH_PEERS=wn,torch (only @wn wasm and PyTorch: no TF.js,
 * no other @wn backends, no profiles, no RSS run).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '@wn/tensor';
import { formatTable, type Row } from './report.js';
import { machineLine } from './machine.js';
import { wnBackends } from './wn-backends.js';
import { useTf, tf } from './peers/tfjs.js';
import { tfTrainer } from './peers/tfjs-steps.js';
import { TorchPeer, describeTorchPeer, torchEnv, torchUnavailable, writeManifest, type TorchLayout } from './peers/torch.js';
import { usesOpenmpOpenblas } from './peers/torch-protocol.js';
import { MIN_PAIRS, TARGETS, TINY, compare, invalidPeerReason, median, referenceThreads, verdict, verdictLine, weightNormCostLine, WN_COST_PAIRS, type Comparison, type TorchTimes } from './compare.js';
import { alternate, stepsPerBlock, type Side } from './pairs.js';
import { GEN_IDS, WORKLOAD_IDS, workload, type Workload, type WorkloadId } from './workloads/spec.js';
import { wnTrainer, type Trainer } from './workloads/wn.js';
import { profileSteps, type Profile } from './profile.js';
import { measureOpOverhead, type OpOverhead } from './op-overhead.js';
import type { RssResult } from './steps-rss.js';

const CAP_MS = Number(process.env.WN_BENCH_STEP_CAP_S ?? 20) * 1000;
/** a peer whose warm full-batch step takes longer is timed from that one step, not a median */
const FAST_MS = 3000;
const CHECK_STEPS = 3;
const TIMING = { warmup: 2, minReps: 5, maxReps: 30, budgetMs: 4000 };
/**
 * Paired runs warm both sides up for at least this long before the blocks (WN_BENCH_WARMUP_MS): V8 tiers a
 * tiny step's JavaScript up over thousands of calls (W5a's action runs at ~3× its steady-state time for the
 * first ~2,000), which a 2-step warm-up would time as if it were @wn's cost.
 */
const WARMUP_MS = Number(process.env.WN_BENCH_WARMUP_MS ?? 1500);
const RSS_STEPS = Number(process.env.WN_BENCH_RSS_STEPS ?? 100);
const WN_PAIRS = Number(process.env.WN_BENCH_WN_PAIRS ?? 12);
const PAIRS = Number(process.env.WN_BENCH_PAIRS ?? 12);
const BLOCK_MS = Number(process.env.WN_BENCH_BLOCK_MS ?? 200);
/** only @wn wasm against PyTorch (no TF.js, other backends, profiles or RSS run) */
const PAIRED_ONLY = process.env.WN_BENCH_PEERS === 'wn,torch';
/** convnets: PyTorch is timed in both memory layouts and compared with the faster */
const layoutsOf = (id: WorkloadId): TorchLayout[] => (['W2', 'W2-WN', 'W7', 'W7-WN'].includes(id) ? ['contiguous', 'channels_last'] : ['contiguous']);

type How = 'median' | 'paired' | 'single' | 'estimated' | 'unsupported' | 'skipped';

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
/** One step's time: the timed part where the workload times only part of a step (W5a: the action after the update), else the whole step. */
function stepMs(tr: Trainer): number {
  const t = performance.now();
  tr.step();
  return tr.lastTimedMs ?? performance.now() - t;
}

function measure(w: Workload, peer: Omit<Measurement, 'workload' | 'how'>, make: (batch: number) => Trainer, forceFull = false): Measurement {
  const base = { workload: w.id, ...peer };
  let trainer: Trainer | undefined;
  try {
    // probe: warm steps at the probe batch b and at 2b, extrapolated linearly to the full batch
    // (a step's fixed costs, which dominate at small batches, are not multiplied up)
    const timed = stepMs;
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
      const ms = trainer.lastTimedMs ?? performance.now() - t;
      if ((i >= 1 && ms > FAST_MS) || forceFull) {
        log(`  ${peer.peer}: ${ms.toFixed(0)} ms/step (step ${i + 1} of a full batch, slow: no median)`);
        return { ...base, how: 'single', medianMs: ms, minMs: ms, reps: 1, losses, note: `step ${i + 1} only (slow: no median)` };
      }
    }
    for (let i = 0; i < TIMING.warmup; i++) trainer.step();
    const samples: number[] = [];
    const start = performance.now();
    while (samples.length < TIMING.maxReps && (samples.length < TIMING.minReps || performance.now() - start < TIMING.budgetMs)) {
      samples.push(stepMs(trainer));
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

/** One workload at one thread count: @wn wasm and PyTorch (each layout) timed in alternation. */
interface PairedRun {
  workload: WorkloadId;
  wnThreads: number;
  /** steps per block */
  k: number;
  wnMs: number[];
  torch: TorchTimes;
  wnLosses: number[];
  torchLosses: Partial<Record<TorchLayout, number[]>>;
  /** CPU this Node process used while PyTorch's blocks ran, and those blocks' wall time */
  nodeCpuMs: number;
  torchWallMs: number;
}

/**
 * Loads the workload on both sides (the first steps' losses are the agreement check), warms up,
 * then times PAIRS rounds of k steps per side, the order rotating (@wn, PyTorch layouts...).
 */
async function pairedRun(w: Workload, backend: string, wnThreads: number, peer: TorchPeer): Promise<PairedRun> {
  const trainer = wnTrainer(w, backend);
  try {
    const timedWn = (k: number) => Array.from({ length: k }, () => stepMs(trainer));
    const wnLosses = Array.from({ length: CHECK_STEPS }, () => trainer.step());
    const layouts = layoutsOf(w.id);
    const torchLosses: PairedRun['torchLosses'] = {};
    for (const l of layouts) torchLosses[l] = await peer.load(w.id, l, CHECK_STEPS);
    // warm-up for WARMUP_MS per side (at least TIMING.warmup steps), which also sizes the blocks
    let wnSpent = 0, wnRecent: number[] = [];
    while (wnRecent.length < TIMING.warmup || wnSpent < WARMUP_MS) {
      wnRecent = [...wnRecent.slice(-4), ...timedWn(1)];
      wnSpent += wnRecent.at(-1)!;
    }
    const wnWarm = Math.min(...wnRecent);
    let torchWarm = 0;
    for (const l of layouts) {
      const first = Math.min(...(await peer.run(w.id, l, TIMING.warmup)));
      const more = Math.max(0, Math.ceil((WARMUP_MS - first * TIMING.warmup) / Math.max(first, 1e-3)));
      torchWarm = Math.max(torchWarm, more > 0 ? Math.min(...(await peer.run(w.id, l, more)).slice(-5)) : first);
    }
    const k = stepsPerBlock(Math.max(wnWarm, torchWarm), BLOCK_MS);
    let nodeCpuMs = 0, torchWallMs = 0;
    const sides: Side[] = [
      { name: `@wn ${backend}`, run: timedWn },
      ...layouts.map((l): Side => ({
        name: `PyTorch ${l}`,
        run: async (n) => {
          const c0 = process.cpuUsage();
          const ms = await peer.run(w.id, l, n);
          const c = process.cpuUsage(c0);
          nodeCpuMs += (c.user + c.system) / 1000;
          torchWallMs += ms.reduce((a, b) => a + b, 0);
          return ms;
        },
      })),
    ];
    const [wnMs, ...torchMs] = await alternate(sides, PAIRS, k);
    const byLayout: Record<string, number[]> = {};
    layouts.forEach((l, i) => { byLayout[l] = torchMs[i]; });
    return { workload: w.id, wnThreads, k, wnMs, torch: { threads: peer.hello!.threads, byLayout }, wnLosses, torchLosses, nodeCpuMs, torchWallMs };
  } finally {
    trainer.dispose();
  }
}

/** The table rows a paired run yields: PyTorch per layout, and @wn wasm. */
function pairedMeasurements(r: PairedRun): Measurement[] {
  const reps = r.wnMs.length * r.k;
  const how = `median of ${r.wnMs.length} blocks of ${r.k} step${r.k > 1 ? 's' : ''}, in alternation`;
  const rows: Measurement[] = Object.entries(r.torch.byLayout).map(([layout, ms]) => ({
    workload: r.workload, peer: layout === 'contiguous' ? 'pytorch' : `pytorch ${layout}`, family: 'torch', threads: r.torch.threads,
    how: 'paired', medianMs: median(ms), minMs: Math.min(...ms), reps, losses: r.torchLosses[layout as TorchLayout], note: how,
  }));
  rows.push({ workload: r.workload, peer: '@wn wasm', family: 'wn', threads: r.wnThreads, how: 'paired', medianMs: median(r.wnMs), minMs: Math.min(...r.wnMs), reps, losses: r.wnLosses, note: how });
  for (const m of rows) log(`  ${m.peer} (${m.threads}t): ${m.medianMs!.toFixed(1)} ms/step, ${how} (min ${m.minMs!.toFixed(1)})`);
  return rows;
}

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

async function pairedTorch(peer: TorchPeer, layout: TorchLayout, pairs: number): Promise<Paired | string> {
  try {
    const side = (id: WorkloadId): Side => ({ name: `PyTorch ${id}`, run: (k) => peer.run(id, layout, k) });
    const [a, b] = await alternate([side('W2'), side('W2-WN')], pairs, 1);
    return pairedFrom(`pytorch${layout === 'contiguous' ? '' : ` ${layout}`}`, peer.hello!.threads, a, b);
  } catch (e) {
    return `pytorch (${peer.hello?.threads}t): failed: ${errorLine(e)}`;
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
  return results.filter((x) => x.workload === id && x !== ref && x.losses?.length).map((m) => {
    const n = Math.min(m.losses!.length, ref.losses!.length);
    const worst = Math.max(...m.losses!.slice(0, n).map((l, i) => relDiff(l, ref.losses![i])));
    return `${id} ${m.peer} (${m.threads}t) vs PyTorch, losses of steps 1–${n}: max rel. diff ${worst.toExponential(1)} ${worst <= tol ? '✓' : '✗'} (≤ ${tol})${id === 'W3' ? ' [required]' : ''}` +
      ` — ${m.losses!.slice(0, n).map((l) => l.toFixed(6)).join(', ')} vs ${ref.losses!.slice(0, n).map((l) => l.toFixed(6)).join(', ')}`;
  });
}

/**
 * W7/W8's self-check: @wn and PyTorch start from the same weights, images and noise, so their
 * first losses must agree (≤ 1e-4 relative); where they do not, the two sides did not run the same
 * step and the ratio is no verdict. Undefined when they agree (or the workload is not W7/W8).
 */
function lossMismatch(results: Measurement[], id: WorkloadId): string | undefined {
  if (!GEN_IDS.has(id)) return undefined;
  const ref = results.find((m) => m.workload === id && m.family === 'torch' && m.losses?.length);
  const wn = results.filter((m) => m.workload === id && m.family === 'wn' && m.losses?.length);
  if (!ref || wn.length === 0) return `no first losses of both sides to check (${id} compares only the same step)`;
  for (const m of wn) {
    const n = Math.min(m.losses!.length, ref.losses!.length);
    const worst = Math.max(...m.losses!.slice(0, n).map((l, i) => relDiff(l, ref.losses![i])));
    if (!(worst <= 1e-4)) return `the first losses of ${m.peer} (${m.threads}t) differ from PyTorch's by ${worst.toExponential(1)} relative (> 1e-4): not the same step`;
  }
  return undefined;
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
  for (const b of PAIRED_ONLY ? ['wasm'] : wnBackends()) {
    if (b === 'wasm') {
      wnPeers.push({ backend: 'wasm', label: '@wn wasm', threads: wasmThreads });
      if (wasmThreads > 1) wnPeers.push({ backend: 'wasm-1t', label: '@wn wasm', threads: 1 });
    } else if (b !== 'wasm-1t') wnPeers.push({ backend: b, label: `@wn ${b}`, threads: 1 });
  }
  log(`steps: ${ids.join(', ')} — ${machineLine()}; load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);

  const started = performance.now();
  let noTorch = torchUnavailable();
  if (noTorch) log(`PyTorch peer skipped: ${noTorch}`);
  const withWn = ids.includes('W2') && ids.includes('W2-WN');
  const manifest = noTorch ? undefined : writeManifest([...new Set<WorkloadId>([...ids, ...(withWn ? ['W2', 'W2-WN'] as const : [])])].map(workload));
  // one persistent PyTorch child per thread count, idle (blocked on its stdin) while @wn runs
  const peers = new Map<number, TorchPeer>();
  const envNotes = torchEnv(1).notes;
  try {
    if (manifest) for (const n of threadCounts) peers.set(n, await TorchPeer.start(manifest.manifest, n));
  } catch (e) {
    noTorch = `the PyTorch peer failed to start: ${errorLine(e)}`;
    log(noTorch);
    for (const p of peers.values()) await p.close();
    peers.clear();
  }
  const hello = peers.get(1)?.hello;
  if (hello) log(`PyTorch ${hello.torch}, BLAS mapped: ${hello.blas}${usesOpenmpOpenblas(hello) ? '' : ' — NOT the OpenMP OpenBLAS'}`);
  const wasmPeer = (n: number) => wnPeers.find((p) => p.threads === n && (p.backend === 'wasm' || p.backend === 'wasm-1t'));

  const results: Measurement[] = [];
  const pairedRuns: PairedRun[] = [];
  const comparisons: Comparison[] = [];
  const torchTimes = new Map<WorkloadId, TorchTimes[]>();
  const paired: Paired[] = [];
  const pairedErrors: string[] = [];
  try {
    for (const id of ids) {
      const w = workload(id);
      log(`\n${w.title}`);
      // @wn wasm and PyTorch in alternation; tiny workloads pair @wn at its own thread count with
      // PyTorch at each count (the verdict takes PyTorch's faster one)
      const pairings = TINY.has(id) ? threadCounts.map((n) => [wasmThreads, n] as const) : threadCounts.map((n) => [n, n] as const);
      const pairedWasm = new Set<number>();
      for (const [wnN, torchN] of peers.size ? pairings : []) {
        const wp = wasmPeer(wnN);
        if (!wp) continue;
        try {
          const r = await pairedRun(w, wp.backend, wnN, peers.get(torchN)!);
          pairedRuns.push(r);
          results.push(...pairedMeasurements(r).filter((m) => m.family === 'torch' || !pairedWasm.has(m.threads)));
          pairedWasm.add(wnN);
          torchTimes.set(id, [...(torchTimes.get(id) ?? []), r.torch]);
        } catch (e) {
          log(`  @wn ${wp.backend} / PyTorch ${torchN}t pairs failed: ${errorLine(e)}`);
          results.push({ workload: id, peer: 'pytorch', family: 'torch', threads: torchN, how: 'unsupported', note: `failed: ${errorLine(e)}` });
        }
      }
      // one comparison per @wn thread count: with PyTorch at the same count (tiny: at its faster one)
      for (const r of pairedRuns.filter((x) => x.workload === id)) {
        if (r.torch.threads === referenceThreads(id, r.wnThreads, torchTimes.get(id)!)) comparisons.push(compare(id, r.wnThreads, r.wnMs, r.torch));
      }
      for (const p of wnPeers) {
        if ((p.backend === 'wasm' || p.backend === 'wasm-1t') && pairedWasm.has(p.threads)) continue;
        results.push(measure(w, { peer: p.label, family: 'wn', threads: p.threads }, (batch) => wnTrainer(w, p.backend, batch)));
      }
      for (const b of PAIRED_ONLY ? [] : ['wasm', 'cpu'] as const) {
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
        const peer = peers.get(n);
        const times = torchTimes.get('W2')?.find((t) => t.threads === n);
        if (peer && times) {
          // PyTorch's own weight-norm overhead, on its faster W2 layout
          const layout = Object.entries(times.byLayout).sort(([, a], [, b]) => median(a) - median(b))[0][0] as TorchLayout;
          const p = await pairedTorch(peer, layout, WN_PAIRS);
          if (typeof p === 'string') pairedErrors.push(p); else paired.push(p);
        }
        paired.push(pairedWn(n === wasmThreads ? 'wasm' : 'wasm-1t', n, WN_PAIRS));
      }
      for (const p of paired) log(`  ${p.peer} (${p.threads}t): ${(p.overhead * 100).toFixed(1)}%`);
    }
  } finally {
    for (const p of peers.values()) await p.close();
    manifest?.cleanup();
  }

  // ---- profile, RSS ----------------------------------------------------------------------------
  // One profile per workload and wasm thread count, so every missed target comes with where the time goes.
  const profiles: { workload: WorkloadId; threads: number; profile: Profile }[] = [];
  for (const id of PAIRED_ONLY ? [] : ids.filter((w) => w !== 'W2-WN')) {
    for (const peer of wnPeers.filter((p) => p.backend === 'wasm' || p.backend === 'wasm-1t')) {
      log(`\nProfile of one ${id} step on @wn wasm, ${peer.threads} thread(s) (kernels wrapped with timers; mean of 3 steps after 2 warm-up)`);
      const tr = wnTrainer(workload(id), peer.backend);
      profiles.push({ workload: id, threads: peer.threads, profile: profileSteps(tr, peer.backend) });
      tr.dispose();
    }
  }
  // the fixed cost per op (the tiny workloads' contest), on the @wn backends timed against PyTorch
  const overheads: { backend: string; overhead: OpOverhead }[] = [];
  for (const peer of wnPeers.filter((p) => p.backend === 'wasm' || p.backend === 'wasm-1t')) {
    overheads.push({ backend: peer.backend, overhead: measureOpOverhead(peer.backend) });
  }
  let rss: RssResult | string | undefined;
  if (!PAIRED_ONLY && ids.includes('W2') && wnPeers.some((p) => p.backend === 'wasm')) {
    log(`\nPeak RSS: ${RSS_STEPS} W2 steps on @wn wasm in a child process`);
    rss = runRss(RSS_STEPS);
  }
  const load1 = os.loadavg();

  // ---- report ----------------------------------------------------------------------------------
  const timed = (m: Measurement) => m.medianMs !== undefined && (m.how === 'median' || m.how === 'paired' || m.how === 'single' || m.how === 'estimated');
  const find = (id: WorkloadId, peer: string, threads?: number) =>
    results.find((m) => m.workload === id && m.peer === peer && (threads === undefined || m.threads === threads) && timed(m));
  /** PyTorch at `threads` on its faster layout */
  const torchAt = (id: WorkloadId, threads: number) =>
    results.filter((m) => m.workload === id && m.family === 'torch' && m.threads === threads && timed(m)).sort((a, b) => a.medianMs! - b.medianMs!)[0];
  const comparisonOf = (m: Measurement) => (m.how === 'paired' ? comparisons.find((c) => c.workload === m.workload && c.wnThreads === m.threads) : undefined);
  const ratio = (m: Measurement, ref: Measurement | undefined) =>
    m.medianMs === undefined || !ref?.medianMs ? '—' : `${fmtRatio(m.medianMs / ref.medianMs)}${m.how === 'estimated' || ref.how === 'estimated' ? ' (est.)' : ''}`;
  const rows: Row[] = results.map((m) => {
    const w = workload(m.workload);
    const torchRef = torchAt(m.workload, m.threads) ?? torchAt(m.workload, 1);
    const c = comparisonOf(m);
    const value = m.medianMs === undefined ? '—' : `${m.how === 'estimated' ? '~' : ''}${fmt(m.medianMs)}`;
    return {
      workload: m.workload,
      peer: m.peer,
      threads: String(m.threads),
      'ms/step': value,
      'min ms': fmt(m.minMs),
      'items/s': m.medianMs ? `${m.how === 'estimated' ? '~' : ''}${fmt((1000 * w.batch) / m.medianMs)}` : '—',
      // @wn wasm: the median of per-pair ratios against PyTorch's faster layout; others: ratio of medians
      '× pytorch (same threads)': m.family === 'torch' ? (m === torchRef ? '1 (faster layout)' : ratio(m, torchRef)) : c ? `${fmtRatio(c.ratio)} (pairs)` : ratio(m, torchRef),
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
  // the peer is a valid reference only on the OpenMP OpenBLAS (the pthreads one oversubscribes the cores)
  const blasInvalid = hello && !usesOpenmpOpenblas(hello) ? `PyTorch did not run on the OpenMP OpenBLAS (mapped: ${hello.blas})` : undefined;
  const targets: string[] = [];
  const verdicts = comparisons.map((c) => {
    const target = TARGETS[c.workload];
    const v = target === undefined ? undefined : verdict(c, target, torchTimes.get(c.workload as WorkloadId) ?? [], blasInvalid ?? lossMismatch(results, c.workload as WorkloadId));
    if (v) targets.push(verdictLine(c, v));
    return { comparison: c, verdict: v };
  });
  // the issue: weight norm adds no more to W5 and W6 than PyTorch's own weight norm adds
  for (const [base, wn] of WN_COST_PAIRS) {
    for (const b of comparisons.filter((c) => c.workload === base)) {
      const w = comparisons.find((c) => c.workload === wn && c.wnThreads === b.wnThreads);
      if (w) targets.push(weightNormCostLine(b, w));
    }
  }
  const pairedLines = comparisons.map((c) => {
    const invalid = invalidPeerReason(c.workload, torchTimes.get(c.workload as WorkloadId) ?? []);
    const layouts = Object.entries(c.ratioByLayout).map(([l, r]) => `${fmtRatio(r)}× vs ${l}`).join(', ');
    return `${c.workload}, @wn ${c.wnThreads}t / PyTorch ${c.torchThreads}t: ${fmtRatio(c.ratio)}× (median of ${c.pairs} pair ratios; ${layouts})${invalid ? ` — INVALID: ${invalid}` : ''}`;
  });
  // did anything spin while the other side ran? (worker threads must sleep in Atomics.wait)
  const nodeCpuMs = pairedRuns.reduce((a, r) => a + r.nodeCpuMs, 0), torchWallMs = pairedRuns.reduce((a, r) => a + r.torchWallMs, 0);
  const wnWallMs = pairedRuns.reduce((a, r) => a + r.wnMs.reduce((x, y) => x + y, 0) * r.k, 0);
  const idleTorchCpuMs = [...peers.values()].reduce((a, p) => a + p.idleCpuS * 1000, 0);
  const quiet: string[] = pairedRuns.length ? [
    `While PyTorch ran its timed blocks (${fmt(torchWallMs / 1000, 2)} s), this Node process used ${fmt(nodeCpuMs / 1000, 2)} s of CPU (${fmt((100 * nodeCpuMs) / torchWallMs)} %; awaiting the reply in the event loop, wasm workers blocked in Atomics.wait)${nodeCpuMs > 0.05 * torchWallMs ? ' — MORE THAN 5 %: something in @wn kept running' : ''}.`,
    `While @wn ran (${fmt(wnWallMs / 1000, 2)} s of timed steps, plus loading and warm-up), the PyTorch children used ${fmt(idleTorchCpuMs / 1000, 2)} s of CPU between requests (OpenMP threads spin-waiting after a block before they sleep).`,
  ] : [];
  for (const p of paired.filter((x) => x.peer === '@wn wasm')) {
    const few = p.pairs < MIN_PAIRS ? `INVALID — only ${p.pairs} pairs (at least ${MIN_PAIRS} needed)` : undefined;
    targets.push(`Weight norm adds ≤ 5% to W2 (@wn wasm, ${p.threads}t): ${(p.overhead * 100).toFixed(1)}% — ${few ?? (p.overhead <= 0.05 ? 'MET' : 'NOT MET')}`);
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
    `Step ${fmt(p.profile.stepMs)} ms, of which ${fmt(p.profile.kernelMs)} ms in kernels; ${fmt(p.profile.dispatches)} ops dispatched; outside kernels ${fmt((1000 * (p.profile.stepMs - p.profile.kernelMs)) / p.profile.dispatches)} µs per dispatched op.`,
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
    `ms/step of the other peers: median of repeated steps after ${CHECK_STEPS} check steps and ${TIMING.warmup} warm-up steps (PyTorch: 3 warm-up), at least ${TIMING.minReps}, within ${TIMING.budgetMs / 1000} s.`,
    `Every non-PyTorch peer is first probed at a small batch b and at 2b (estimate linear in batch; one step over the cap at b is simply scaled); an estimated step over ${CAP_MS / 1000} s is reported as an estimate (~, "est.") and skipped; a peer whose second full step exceeds ${FAST_MS / 1000} s is reported from that step alone.`,
    `Threads: @wn wasm runs its GEMM/conv kernels on ${wasmThreads} thread(s) (and on 1, registered as wasm-1t); PyTorch uses torch.set_num_threads(n) at the same n; TF.js (cpu, and wasm in Node) and the other @wn backends are single-threaded and compare with PyTorch at 1 thread.`,
    noTorch || !hello ? `PyTorch: skipped (${noTorch ?? 'no peer'}).` : describeTorchPeer(hello, threadCounts, envNotes),
    `@wn wasm and PyTorch: ${PAIRS} rounds per workload and thread count, each a block of k steps per side back to back (k sized so the slower block takes ~${BLOCK_MS} ms; order rotated every round), after ${CHECK_STEPS} check steps and a warm-up of ≥ ${TIMING.warmup} steps and ≥ ${fmt(WARMUP_MS / 1000, 1)} s per side (V8 tiers tiny steps up over thousands of calls); "× pytorch" of @wn wasm is the median over rounds of (@wn / PyTorch's faster layout). A verdict needs ≥ ${MIN_PAIRS} pairs; for W2–W4 a run where PyTorch at 2 threads was slower than at 1 is INVALID; tiny workloads compare with PyTorch's faster thread count.`,
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
    '## Targets (issue "Fast on an ordinary CPU, round two"; median of paired ratios)',
    '',
    ...(targets.length ? targets : ['(no paired runs)']).map((t) => `- ${t}`),
    '',
    '## @wn wasm / PyTorch, timed in alternation',
    '',
    ...(pairedLines.length ? [...pairedLines, ...quiet] : ['(not measured)']).map((a) => `- ${a}`),
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
    '## Fixed cost per op on @wn (µs; one-element tensors, median of 15 rounds of 2000 ops)',
    '',
    ...(overheads.length
      ? [formatTable(overheads.map(({ backend, overhead: o }) => ({
        backend, 'bare op (mul + dispose)': o.bareUs, 'recorded op (forward + backward in valueAndGrads)': o.recordedUs, 'fused program with 2 number inputs': o.fusedScalarsUs,
      }))), '']
      : ['(not measured)', '']),
    '## Where the time goes: per-op profiles on @wn wasm (top 10 per step)',
    '',
    'Kernels wrapped with timers (the wrapping adds a little); "outside kernels" is autograd, dispatch and JS around the kernels.',
    '',
    ...(profiles.length ? profiles.flatMap(profileSection) : ['(not measured)', '']),
  ].join('\n');

  // WN_BENCH_RESULTS writes elsewhere (trial runs on a loaded machine must not replace the committed results)
  const dir = process.env.WN_BENCH_RESULTS ? `${path.resolve(process.env.WN_BENCH_RESULTS)}/` : new URL('../results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}steps.json`, JSON.stringify({
    title: 'Training steps', machine: machineLine(), date: new Date().toISOString(), loadavg: { start: load0, end: load1 }, notes,
    peer: hello ? { ...hello, threadCounts, envNotes } : noTorch, pairs: PAIRS, rows, measurements: results, pairedRuns, comparisons, verdicts,
    targets, agreement, wnOverhead, paired, rss, profiles, opOverhead: overheads,
  }, null, 2));
  writeFileSync(`${dir}steps.md`, md);
  console.log(`\n${md}`);
  log(`\nsteps: ${fmt((performance.now() - started) / 1000)} s; wrote ${dir}steps.md`);
  return md;
}
