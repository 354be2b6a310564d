/**
 * Browser entry for the Chromium run: exposes `wnRunGpujsChecks(mode)`, which builds the gpujs
 * backend on the page's global `GPU` (gpu-browser.min.js, loaded as a script) and runs the shared
 * kernel checks against the float64 reference backend.
 */
import { createGpujsBackend, type GpujsMode } from '../../packages/tensor/src/backends/gpujs/index.js';
import { createReferenceBackend } from '../../packages/tensor/src/backends/reference/index.js';
import { buildCases, runCase, seededRandom, type CaseResult } from '../../packages/tensor/test/gpujs-cases.js';

export interface PageReport {
  readonly backend: string;
  readonly results: CaseResult[];
  /** Whether kernel outputs stayed on the device (gpu.js Textures) rather than host arrays. */
  readonly resident: boolean;
  readonly compiledKernels: number;
  readonly elapsedMs: number;
  /** 512x512x512 matmul: first call (includes compiling) and steady state, both including read(). */
  readonly matmul512: { firstMs: number; steadyMs: number };
}

function timeMatmul512(backend: ReturnType<typeof createGpujsBackend>): PageReport['matmul512'] {
  const n = 512;
  const rand = seededRandom(7);
  const values = Float32Array.from({ length: n * n }, () => rand() - 0.5);
  const a = { data: backend.upload(values, n * n), shape: [1, n, n] };
  const b = { data: backend.upload(values, n * n), shape: [1, n, n] };
  const once = () => {
    const start = performance.now();
    const out = backend.kernels.matmul(a, b, false, false, [1, n, n]);
    backend.read(out, n * n);
    backend.free(out);
    return performance.now() - start;
  };
  const firstMs = once();
  const runs = [once(), once(), once()];
  backend.free(a.data);
  backend.free(b.data);
  return { firstMs, steadyMs: Math.min(...runs) };
}

async function runChecks(mode: GpujsMode): Promise<PageReport> {
  const start = performance.now();
  const backend = createGpujsBackend({ mode });
  const reference = createReferenceBackend({ precision: 'float64' });
  const probe = backend.upload([1, 2, 3], 3);
  const resident = !(probe instanceof Float32Array);
  backend.free(probe);
  const results = buildCases().map((c) => runCase(backend, reference, c));
  const matmul512 = timeMatmul512(backend);
  const report = {
    backend: backend.name, results, resident, compiledKernels: backend.compiledKernels,
    elapsedMs: performance.now() - start, matmul512,
  };
  backend.destroy();
  return report;
}

(globalThis as { wnRunGpujsChecks?: typeof runChecks }).wnRunGpujsChecks = runChecks;
