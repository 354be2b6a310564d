/**
 * CPU time per training step of the tiny DQN workloads on @wn's wasm backend (user + system of the
 * whole process, worker threads included: a loaded machine inflates it less than wall time), and
 * a checksum of the first steps' losses, so two trees can be compared for speed and for identical
 * results: `node --conditions=@wn/source --import tsx src/step-cpu.ts W5,W5-WN,W6`.
 * `WN_STEP_BLOCKS` blocks (default 15) of `WN_STEP_K` steps (default 20); prints the median block.
 */
import * as T from '@wn/tensor';
import { loadavg } from 'node:os';
import { workload, type WorkloadId } from './workloads/spec.js';
import { wnTrainer } from './workloads/wn.js';

const ids = (process.argv[2] ?? 'W5,W5-WN,W6').split(',') as WorkloadId[];
const blocks = Number(process.env.WN_STEP_BLOCKS ?? 15);
const k = Number(process.env.WN_STEP_K ?? 20);
const threads = Number(process.env.WN_STEP_THREADS ?? 2);
T.ENGINE.registerBackend('wasm-step', () => T.createWasmBackend({ threads }), 0);
for (const id of ids) {
  const trainer = wnTrainer(workload(id), 'wasm-step');
  const losses = Array.from({ length: 5 }, () => trainer.step());
  const perStep: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < k; i++) trainer.step();
    const c = process.cpuUsage(c0);
    perStep.push((c.user + c.system) / k);
  }
  perStep.sort((x, y) => x - y);
  trainer.dispose();
  const sum = losses.map((l) => l.toPrecision(9)).join(' ');
  console.log(`${id} ${threads}t: ${perStep[Math.floor(blocks / 2)].toFixed(0)} µs CPU/step (min ${perStep[0].toFixed(0)}), losses ${sum}, load ${loadavg()[0].toFixed(1)}`);
}
process.exit(0);
