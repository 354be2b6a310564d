/**
 * Peak RSS of W2 training on @wn, in a process of its own (so TF.js and the other peers' memory
 * do not count): `node --conditions=@wn/source --import tsx src/steps-rss.ts [steps] [backend]`.
 * Samples process.memoryUsage().rss after every step (the peak); after step 50 and after the last
 * step it also collects garbage first (when run with --expose-gc, as the steps group does) so
 * that the growth check compares retained memory, not V8's uncollected garbage. Prints one JSON
 * object on stdout.
 */
import * as T from '@wn/tensor';
import { workload } from './workloads/spec.js';
import { wnTrainer } from './workloads/wn.js';

export interface RssResult {
  backend: string;
  steps: number;
  baselineMiB: number;
  rssMiB: number[];
  maxMiB: number;
  /** RSS after step 50 and after the last step */
  at50MiB: number;
  atEndMiB: number;
  /** least-squares slope of RSS over steps 50..N, MiB per 100 steps */
  slopeMiBPer100: number;
  /** RSS change over the last quarter of the steps (a leak keeps growing; warm-up growth levels off) */
  lastQuarterMiB: number;
  /** whether the post-step-50 and final samples below were taken after a full GC */
  gcBeforeSamples: boolean;
  /** RSS after a GC, after step 50 and at the end */
  rssAfterGcMiB: [number, number];
  /** V8 heap and ArrayBuffer (incl. WebAssembly memory) use after step 50 and at the end (after a GC) */
  heapMiB: [number, number];
  arrayBuffersMiB: [number, number];
  tensorsAt50: number;
  tensorsAtEnd: number;
  lastLoss: number;
  msPerStep: number;
}

const MiB = 2 ** 20;

export function measureRss(steps: number, backend: string, log: (s: string) => void = () => {}): RssResult {
  const baselineMiB = process.memoryUsage().rss / MiB;
  const trainer = wnTrainer(workload('W2'), backend);
  const rss: number[] = [];
  let tensorsAt50 = 0, lastLoss = NaN;
  const gc = (globalThis as { gc?: () => void }).gc;
  const settled = () => {
    gc?.();
    return process.memoryUsage();
  };
  let mem50 = process.memoryUsage();
  const start = performance.now();
  for (let i = 1; i <= steps; i++) {
    lastLoss = trainer.step();
    rss.push(process.memoryUsage().rss / MiB);
    if (i === Math.min(50, steps)) {
      tensorsAt50 = T.memory().tensors;
      mem50 = settled();
    }
    if (i % 25 === 0) log(`  rss: step ${i}/${steps}, ${rss[i - 1].toFixed(0)} MiB, loss ${lastLoss.toFixed(4)}`);
  }
  const msPerStep = (performance.now() - start) / steps;
  const tensorsAtEnd = T.memory().tensors;
  const memEnd = settled();
  trainer.dispose();
  const from = Math.min(49, rss.length - 1);
  const tail = rss.slice(from);
  const n = tail.length, mx = (n - 1) / 2, my = tail.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  tail.forEach((y, i) => { sxy += (i - mx) * (y - my); sxx += (i - mx) ** 2; });
  return {
    backend, steps, baselineMiB, rssMiB: rss, maxMiB: Math.max(...rss), at50MiB: rss[from], atEndMiB: rss[rss.length - 1],
    slopeMiBPer100: sxx > 0 ? (100 * sxy) / sxx : 0,
    lastQuarterMiB: rss[rss.length - 1] - rss[Math.max(0, Math.floor((3 * rss.length) / 4) - 1)],
    gcBeforeSamples: gc !== undefined,
    rssAfterGcMiB: [mem50.rss / MiB, memEnd.rss / MiB],
    heapMiB: [mem50.heapUsed / MiB, memEnd.heapUsed / MiB],
    arrayBuffersMiB: [mem50.arrayBuffers / MiB, memEnd.arrayBuffers / MiB],
    tensorsAt50, tensorsAtEnd, lastLoss, msPerStep,
  };
}

// run as a script (the steps group spawns this file)
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const steps = Number(process.argv[2] ?? 100);
  const backend = process.argv[3] ?? 'wasm';
  const r = measureRss(steps, backend, (s) => process.stderr.write(`${s}\n`));
  process.stdout.write(JSON.stringify(r));
  process.exit(0);
}
