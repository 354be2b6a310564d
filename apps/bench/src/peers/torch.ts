/**
 * PyTorch (CPU) as a peer of the `steps` group: writes the workloads' initial values as float32
 * files plus a JSON manifest, runs `torch_steps.py` under /usr/bin/python3 at a given thread count
 * and parses the JSON it prints. Skipped (with a notice) where `import torch` fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADAM, LEAKY_SLOPE, W2_LAYERS, W4, type HostArray, type Workload, type WorkloadId } from '../workloads/spec.js';

export const PYTHON = process.env.WN_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch_steps.py', import.meta.url));

export interface TorchRun {
  torch: string;
  threads: number;
  blas: string;
  mkldnn: boolean;
  results: Partial<Record<WorkloadId, { losses: number[]; samplesMs: number[] }>>;
  /** with options.paired: step times of the two workloads measured in alternation */
  paired?: { a: number[]; b: number[] };
}

export interface TorchOptions {
  checkSteps: number;
  warmup: number;
  minReps: number;
  maxReps: number;
  budgetS: number;
  only?: WorkloadId[];
  /** time these two workloads in alternation (A B, B A, ...) for `pairs` pairs */
  paired?: [WorkloadId, WorkloadId];
  pairs?: number;
}

/** `undefined` when PyTorch can be used; otherwise why not. */
export function torchUnavailable(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not runnable (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} -c "import torch, numpy" failed: ${r.stderr.trim().split('\n').pop()}`;
  return undefined;
}

/** Writes the workloads' arrays and manifest into a fresh temp dir; returns the manifest path. */
export function writeManifest(workloads: Workload[]): { manifest: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wn-bench-steps-'));
  let n = 0;
  const file = (a: HostArray) => {
    const name = `a${n++}.f32`;
    writeFileSync(path.join(dir, name), new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
    return { file: name, shape: a.shape };
  };
  const manifest = {
    adam: ADAM,
    workloads: workloads.map((w) => ({
      id: w.id, adam: w.adam, layers: W2_LAYERS, leakySlope: LEAKY_SLOPE, hidden: W4.hidden,
      paramNames: w.params.map(([name]) => name),
      params: w.params.map(([, a]) => file(a)),
      x: file(w.x),
      labels: w.labels && file(w.labels),
    })),
  };
  const manifestPath = path.join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return { manifest: manifestPath, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the PyTorch script at `threads` threads; throws with its stderr on failure. */
export function runTorch(manifest: string, threads: number, options: TorchOptions): TorchRun {
  const optsPath = path.join(path.dirname(manifest), `options-${threads}.json`);
  writeFileSync(optsPath, JSON.stringify({ ...options, adam: ADAM }));
  // OMP_NUM_THREADS too: OpenBLAS's OpenMP pool follows it, torch.set_num_threads sets the rest
  const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
  const r = spawnSync(PYTHON, [SCRIPT, manifest, String(threads), optsPath], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`torch_steps.py exited ${r.status}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return JSON.parse(r.stdout) as TorchRun;
}
