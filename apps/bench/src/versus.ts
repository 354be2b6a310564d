/**
 * This checkout's @wn against another checkout's, in one process: both versions are loaded side
 * by side (two module worlds, two engines, each with its own wasm backend) and timed one step of
 * each in turn, so both see the same load — on a busy machine the only fair before/after. For
 * each workload: the median over pairs of (this step / other step), by wall time and by the
 * process's CPU time, and whether the first three losses agree bit for bit; then µs per op
 * (op-overhead.ts) of both, alternating rounds.
 *
 *   node --conditions=@wn/source --import tsx src/versus.ts /path/to/other/checkout [W5,W6] [wasm|wasm-1t] [pairs]
 *
 * The other checkout must be installed (its node_modules resolve its own @wn packages).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Tensor from '@wn/tensor';
import type * as Spec from './workloads/spec.js';
import type * as Wn from './workloads/wn.js';
import type * as Overhead from './op-overhead.js';

interface World {
  name: string;
  spec: typeof Spec;
  wn: typeof Wn;
  overhead: typeof Overhead;
}

const here = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));

async function load(name: string, root: string): Promise<World> {
  const at = (p: string) => pathToFileURL(path.join(root, p)).href;
  const T = (await import(at('packages/tensor/src/index.ts'))) as typeof Tensor;
  if (!T.ENGINE.registeredBackends().includes('wasm-1t')) T.registerBackend('wasm-1t', () => T.createWasmBackend({ threads: 1 }), -10);
  return {
    name,
    spec: (await import(at('apps/bench/src/workloads/spec.ts'))) as typeof Spec,
    wn: (await import(at('apps/bench/src/workloads/wn.ts'))) as typeof Wn,
    overhead: (await import(at('apps/bench/src/op-overhead.ts'))) as typeof Overhead,
  };
}

const quantile = (v: readonly number[], p: number) => [...v].sort((a, b) => a - b)[Math.floor(p * (v.length - 1))];

/** Steps of `id` on both worlds in turn (order alternating); returns the line to print. */
function pairSteps(worlds: readonly [World, World], id: Spec.WorkloadId, backend: string, pairs: number): string {
  const trainers = worlds.map((w) => w.wn.wnTrainer(w.spec.workload(id), backend));
  try {
    const losses = trainers.map((t) => [t.step(), t.step(), t.step()]);
    for (let i = 0; i < 20; i++) for (const t of trainers) t.step();
    const ms: number[][] = [[], []];
    const cpu: number[][] = [[], []];
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (let r = 0; r < pairs; r++) {
      for (const k of r % 2 ? [1, 0] : [0, 1]) {
        const c0 = process.cpuUsage(), t0 = performance.now();
        trainers[k].step();
        const c = process.cpuUsage(c0);
        ms[k].push(trainers[k].lastTimedMs ?? performance.now() - t0);
        cpu[k].push((c.user + c.system) / 1000);
      }
      ratios.push(ms[0][r] / ms[1][r]);
      cpuRatios.push(cpu[0][r] / cpu[1][r]);
    }
    const same = losses[0].every((l, i) => l === losses[1][i]);
    const fmt = (k: number) => `${worlds[k].name} p10 ${quantile(ms[k], 0.1).toFixed(3)} median ${quantile(ms[k], 0.5).toFixed(3)} ms`;
    // CPU time (the whole process, worker threads included) is not inflated by waiting for a core:
    // steadier than wall time on a loaded machine; for W5a it covers the whole step, not just the action
    const cpuLine = `CPU per step median ${quantile(cpu[0], 0.5).toFixed(3)} / ${quantile(cpu[1], 0.5).toFixed(3)} ms, median of pair ratios ${quantile(cpuRatios, 0.5).toFixed(3)}`;
    return `${id} ${backend}: ${fmt(0)} | ${fmt(1)} | this/other median of ${pairs} pair ratios ${quantile(ratios, 0.5).toFixed(3)} | ${cpuLine} | first 3 losses ${same ? 'identical' : `differ: ${losses[0].join(', ')} vs ${losses[1].join(', ')}`}`;
  } finally {
    for (const t of trainers) t.dispose();
  }
}

/** µs per op of both worlds: `rounds` alternating measurements, median (min). */
function pairOverhead(worlds: readonly [World, World], backend: string, rounds = 10): string[] {
  const keys = ['bareUs', 'recordedUs', 'fusedScalarsUs'] as const;
  const acc = worlds.map(() => ({ bareUs: [] as number[], recordedUs: [] as number[], fusedScalarsUs: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    for (const k of r % 2 ? [1, 0] : [0, 1]) {
      const o = worlds[k].overhead.measureOpOverhead(backend, 5, 2000);
      for (const f of keys) acc[k][f].push(o[f]);
    }
  }
  return worlds.map((w, k) => `${backend} ${w.name}: ${keys.map((f) => `${f.replace('Us', '')} ${quantile(acc[k][f], 0.5).toFixed(2)} (min ${Math.min(...acc[k][f]).toFixed(2)})`).join(', ')} µs`);
}

const [other, ids = 'W5,W5-WN,W5a,W6,W6-WN', backend = 'wasm', pairs = '300'] = process.argv.slice(2).filter((a) => a !== '--');
if (!other) throw new Error('versus: give the path of the other checkout (its repository root)');
const worlds = [await load('this', here), await load('other', path.resolve(other))] as const;
for (const id of ids.split(',') as Spec.WorkloadId[]) console.log(pairSteps(worlds, id, backend, Number(pairs)));
for (const line of pairOverhead(worlds, backend)) console.log(line);
process.exit(0);
