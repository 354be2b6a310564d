/**
 * Browser entry for the Chromium run: exposes `wnRunGpujsChecks(mode)`, which builds the gpujs
 * backend on the page's global `GPU` (gpu-browser.min.js, loaded as a script) and runs
 *
 * - the gpujs kernel checks (packages/tensor/test/gpujs-cases.ts): each primitive directly
 *   against the float64 reference backend, NaN/Inf semantics included;
 * - the op cases of the shared conformance suite (tooling/src/conformance/cases.ts) through the
 *   engine: forward and gradients against reference64, with the suite's tolerances and leak
 *   checks. Its vitest wrapper (and the vitest-only edge-case and error-contract groups) cannot
 *   run in a page, so the per-case check is repeated here.
 */
import { registerBackend } from '@wn/tensor';
import { createGpujsBackend, type GpujsBackend, type GpujsMode } from '../../packages/tensor/src/backends/gpujs/index.js';
import { createReferenceBackend } from '../../packages/tensor/src/backends/reference/index.js';
import { buildCases, runCase, seededRandom, type CaseResult } from '../../packages/tensor/test/gpujs-cases.js';
import { CONFORMANCE_CASES, caseTolerance, type OpCase } from '../src/conformance/cases.js';
import { hostInputs, hostUpstream, runForward, runGrads, type HostTensor } from '../src/conformance/harness.js';
import { compareClose } from '../src/testing.js';

export interface PageReport {
  readonly backend: string;
  /** gpujs kernel checks, then conformance cases (named 'conformance <case>') */
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

function compareAll(got: readonly HostTensor[], want: readonly HostTensor[], tol: number, what: string): string {
  if (got.length !== want.length) return `${what}: ${got.length} tensors, expected ${want.length}`;
  for (const [k, g] of got.entries()) {
    if (g.shape.join() !== want[k].shape.join()) return `${what} #${k}: shape [${g.shape}] vs [${want[k].shape}]`;
    const r = compareClose(g.values, want[k].values, { rtol: tol, atol: tol, shape: g.shape, label: `${what} #${k}` });
    if (!r.ok) return r.message;
  }
  return '';
}

/** The conformance suite's per-case check (tooling/src/conformance/index.ts), without vitest. */
function runConformanceCase(backendName: string, c: OpCase): CaseResult {
  const name = `conformance ${c.name}`;
  try {
    const inputs = hostInputs(c);
    const want = runForward('reference64', c, inputs);
    let message = compareAll(runForward(backendName, c, inputs), want, caseTolerance(c, 'forward'), 'forward');
    if (!message && c.grad !== false) {
      const upstream = hostUpstream(c, want);
      const wantGrads = runGrads('reference64', c, inputs, upstream);
      message = compareAll(runGrads(backendName, c, inputs, upstream), wantGrads, caseTolerance(c, 'gradient'), 'gradient');
    }
    return { name, ok: message === '', message };
  } catch (error) {
    return { name, ok: false, message: `threw ${(error as Error).stack ?? error}` };
  }
}

/** Runs every check whose name contains `filter` (all of them by default). */
async function runChecks(mode: GpujsMode, filter = ''): Promise<PageReport> {
  const start = performance.now();
  const backend = createGpujsBackend({ mode });
  const reference = createReferenceBackend({ precision: 'float64' });
  const probe = backend.upload([1, 2, 3], 3);
  const resident = !(probe instanceof Float32Array);
  backend.free(probe);
  const selected = <C extends { name: string }>(cases: readonly C[], prefix = '') => cases.filter((c) => `${prefix}${c.name}`.includes(filter));
  const results = selected(buildCases()).map((c) => runCase(backend, reference, c));
  // the engine gets its own instance: its storages must outlive this page run's teardown
  let engineBackend: GpujsBackend | undefined;
  registerBackend(backend.name, () => (engineBackend = createGpujsBackend({ mode })));
  for (const c of selected(CONFORMANCE_CASES, 'conformance ')) results.push(runConformanceCase(backend.name, c));
  if (engineBackend && engineBackend.degradedKernels.length > 0) {
    results.push({ name: 'no kernel degraded to plain JavaScript', ok: false, message: engineBackend.degradedKernels[0] });
  }
  if (backend.degradedKernels.length > 0) {
    results.push({ name: 'no kernel degraded to plain JavaScript', ok: false, message: backend.degradedKernels[0] });
  }
  const matmul512 = timeMatmul512(backend);
  const report = {
    backend: backend.name, results, resident, compiledKernels: backend.compiledKernels,
    elapsedMs: performance.now() - start, matmul512,
  };
  await backend.destroy();
  return report;
}

(globalThis as { wnRunGpujsChecks?: typeof runChecks }).wnRunGpujsChecks = runChecks;
