/** Writing a model package's bench results (the format is `../bench.ts`): the machine, its load, the file. */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { backendInfo } from '../backend.js';
import { BENCH_FORMAT, benchMode, type BenchExperiment, type BenchMode, type BenchResults, type BenchTable } from '../bench.js';
import type { JsonValue } from '../checked.js';
import { writeFileAtomic } from './atomic.js';
import { machineInfo } from './machine.js';

/** The file a package's bench writes into its results folder. */
export const BENCH_RESULTS_FILE = 'bench.json';

/** A bench in progress: its package, budget, start time and the load average when it began. */
export interface BenchRun {
  /** the package's name, e.g. '@wn/rl-dqn' */
  readonly package: string;
  /** the budget (`WN_BENCH_MODE`) */
  readonly mode: BenchMode;
  /** `performance.now()` at the start */
  readonly startedMs: number;
  /** the 1-, 5- and 15-minute load averages at the start */
  readonly loadStart: number[];
}

/** Starts timing `pkg`'s bench under `WN_BENCH_MODE` (read here: a bad value fails before any work). */
export function startBench(pkg: string, mode: BenchMode = benchMode(process.env.WN_BENCH_MODE)): BenchRun {
  return { package: pkg, mode, startedMs: performance.now(), loadStart: loadavg() };
}

/** Completes the results (machine, backend, load at both ends, wall time) and writes `dir/bench.json`; returns them. */
export function finishBench(run: BenchRun, dir: string, experiments: BenchExperiment[], tables: BenchTable[] = []): BenchResults {
  const m = machineInfo(), b = backendInfo();
  const results: BenchResults = {
    format: BENCH_FORMAT,
    package: run.package,
    mode: run.mode,
    date: new Date().toISOString(),
    wallSeconds: (performance.now() - run.startedMs) / 1000,
    machine: { cpu: m.cpu, cores: m.cores, node: m.node, backend: b.name, threads: b.threads, relaxedSimd: b.fma, loadavg: { start: run.loadStart, end: loadavg() } },
    experiments,
    tables,
  };
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, BENCH_RESULTS_FILE), JSON.stringify(results as unknown as JsonValue, null, 2) + '\n');
  return results;
}
