/**
 * The child of tree-ab.ts: times @wn training steps from the checkout at `process.argv[2]` (its
 * own @wn/tensor and workloads, imported from that tree), answering each stdin line
 * `<workload> <threads> <steps>` with `<wall ms per step> <CPU ms per step>` (CPU of the whole
 * process, worker threads included). The first request of a workload and thread count builds its
 * trainer and runs 3 unmeasured steps.
 */
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Trainer {
  step(): unknown;
}
type Tensor = typeof import('@wn/tensor');
type Spec = typeof import('./workloads/spec.js');
type Wn = typeof import('./workloads/wn.js');

const root = process.argv[2];
if (!root) throw new Error('tree-ab-child: pass the checkout root as the first argument');
const from = (path: string) => import(pathToFileURL(join(root, path)).href);
const T = (await from('packages/tensor/src/index.ts')) as Tensor;
const { workload } = (await from('apps/bench/src/workloads/spec.ts')) as Spec;
const { wnTrainer } = (await from('apps/bench/src/workloads/wn.ts')) as Wn;

const trainers = new Map<string, Trainer>();
createInterface({ input: process.stdin }).on('line', (line) => {
  const [id, threads, steps] = line.trim().split(' ');
  const key = `${id} ${threads}`;
  let trainer = trainers.get(key);
  if (!trainer) {
    T.ENGINE.registerBackend(`tree-ab-${threads}`, () => T.createWasmBackend({ threads: Number(threads) }), 0);
    trainer = wnTrainer(workload(id as Parameters<Spec['workload']>[0]), `tree-ab-${threads}`);
    for (let i = 0; i < 3; i++) trainer.step();
    trainers.set(key, trainer);
  }
  const k = Number(steps);
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = 0; i < k; i++) trainer.step();
  const c = process.cpuUsage(c0);
  process.stdout.write(`${((performance.now() - t0) / k).toFixed(3)} ${((c.user + c.system) / 1000 / k).toFixed(3)}\n`);
});
