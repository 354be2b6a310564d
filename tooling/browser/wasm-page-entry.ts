/**
 * Browser entry for `run-wasm-chromium.mjs`: exposes `wnRunWasmChecks(filter)`, which runs the op
 * cases of the shared conformance suite (forward and gradients against reference64, as in
 * gpujs-page-entry.ts) on the wasm backend as this page gets it — tensors in a shared kernel
 * memory when the page is cross-origin isolated, plain arrays copied in and out otherwise — plus a
 * check that tensors made before the kernel memory grows keep their values and still feed kernels.
 */
import { registerBackend } from '@wn/tensor';
import { createWasmBackend, type WasmBackend } from '../../packages/tensor/src/backends/wasm/index.js';
import { CONFORMANCE_CASES, caseTolerance, type OpCase } from '../src/conformance/cases.js';
import { hostInputs, hostUpstream, runForward, runGrads, type HostTensor } from '../src/conformance/harness.js';
import { compareClose } from '../src/testing.js';

/** One check's outcome. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly message: string;
}

/** What the page reports back. */
export interface WasmPageReport {
  readonly crossOriginIsolated: boolean;
  readonly tensorsInMemory: boolean;
  readonly results: CheckResult[];
  readonly elapsedMs: number;
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

function runConformanceCase(backendName: string, c: OpCase): CheckResult {
  const name = `conformance ${c.name}`;
  try {
    const inputs = hostInputs(c);
    const want = runForward('reference64', c, inputs);
    let message = compareAll(runForward(backendName, c, inputs), want, caseTolerance(c, 'forward'), 'forward');
    if (!message && c.grad !== false) {
      const upstream = hostUpstream(c, want);
      message = compareAll(runGrads(backendName, c, inputs, upstream), runGrads('reference64', c, inputs, upstream), caseTolerance(c, 'gradient'), 'gradient');
    }
    return { name, ok: message === '', message };
  } catch (error) {
    return { name, ok: false, message: `threw ${(error as Error).stack ?? error}` };
  }
}

/** Small tensors, then one big enough to grow the memory; the small ones must still be right. */
function growthCheck(backend: WasmBackend): CheckResult {
  const name = 'tensors made before the kernel memory grows keep their values';
  try {
    const small = backend.upload([1, 2, 3, 4], 4);
    const before = backend.runtime.memoryStats().memoryBytes;
    const n = 1 << 22;
    const big = backend.upload(new Float32Array(n).fill(1), n);
    const sum = backend.kernels.binary('add', { data: big, shape: [n] }, { data: small.subarray(0, 1), shape: [1] }, [n]);
    const grew = backend.runtime.memoryStats().memoryBytes > before;
    const prod = backend.kernels.binary('mul', { data: small, shape: [4] }, { data: sum.subarray(0, 4), shape: [4] }, [4]);
    const got = Array.from(backend.read(prod, 4));
    const ok = grew && got.join() === '2,4,6,8' && Array.from(backend.read(small, 4)).join() === '1,2,3,4';
    return { name, ok, message: ok ? '' : `grew ${grew}, small·(big+1) = [${got}]` };
  } catch (error) {
    return { name, ok: false, message: `threw ${(error as Error).stack ?? error}` };
  }
}

function runChecks(filter = ''): WasmPageReport {
  const start = performance.now();
  const backend = createWasmBackend();
  registerBackend('wasm-page', () => createWasmBackend());
  const results = [growthCheck(backend)];
  for (const c of CONFORMANCE_CASES) if (`conformance ${c.name}`.includes(filter)) results.push(runConformanceCase('wasm-page', c));
  return {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    tensorsInMemory: backend.runtime.tensorsInMemory,
    results,
    elapsedMs: performance.now() - start,
  };
}

(globalThis as { wnRunWasmChecks?: typeof runChecks }).wnRunWasmChecks = runChecks;
