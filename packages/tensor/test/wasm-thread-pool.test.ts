/**
 * Between kernel calls the wasm backend's worker threads must sleep (Atomics.wait), not spin: the
 * bench times PyTorch in a child process while @wn sits idle, and a spinning worker would take a
 * core from it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WasmRuntime } from '../src/backends/wasm/runtime.js';

describe('wasm thread pool when idle', () => {
  it('uses (almost) no CPU between calls once its workers have run', async () => {
    const rt = new WasmRuntime({ threads: 2 });
    try {
      const n = 256;
      const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 13) / 13 - 0.5);
      // big enough to be split across the pool, so the worker has started and run a task
      for (let i = 0; i < 3; i++) rt.matmul(a, [1, n, n], a, [1, n, n], false, false, [1, n, n]);
      const idleMs = 800;
      const c0 = process.cpuUsage();
      await sleep(idleMs);
      const used = process.cpuUsage(c0);
      // a worker spinning on its control block would burn most of a core over these 800 ms
      expect((used.user + used.system) / 1000).toBeLessThan(0.1 * idleMs);
    } finally {
      rt.close();
    }
  });
});
