/**
 * `pnpm --filter @wn/bench profile -- W7 [W7-WN ...]`: the per-op kernel profile (profile.ts) of
 * the named workloads on @wn wasm at its own thread count and at 1 thread, printed as tables —
 * the steps group's profile section without its pairs, for working on one workload's kernels.
 * A parameterization name (`standard`, `weightnorm`, `weightnorm+meanonlybn`, `batchnorm`) names
 * the parameterizations group's W2 step built from @wn/layers' convUnit under it.
 * WN_PROFILE_STEPS (default 3) steps are averaged after 2 warm-up steps; WN_PROFILE_CLOCK=cpu
 * times by this process's CPU time instead of wall time (steadier on a loaded machine).
 */
import * as T from '@wn/tensor';
import { WnError } from '@wn/tensor';
import { WORKLOAD_IDS, workload, type WorkloadId } from './workloads/spec.js';
import { wnTrainer } from './workloads/wn.js';
import { profileSteps } from './profile.js';
import { PARAMS, parameterizationTrainer } from './parameterizations.js';
import type { VariantName } from '@wn/layers';

const ids = process.argv.slice(2).filter((a) => a !== '--');
const isParam = (id: string): id is VariantName => (PARAMS as string[]).includes(id);
const unknown = ids.find((id) => !(WORKLOAD_IDS as readonly string[]).includes(id) && !isParam(id));
if (unknown !== undefined || ids.length === 0) throw new WnError('profile', `expected workload ids among ${WORKLOAD_IDS.join(', ')} or parameterizations among ${PARAMS.join(', ')}, got '${unknown ?? ''}'`);
const steps = Number(process.env.WN_PROFILE_STEPS ?? 3);
const clock = process.env.WN_PROFILE_CLOCK === 'cpu' ? 'cpu' : 'wall';
const wasmThreads = (T.ENGINE.findBackend('wasm') as unknown as T.WasmBackend).runtime.threads;
if (wasmThreads > 1) T.registerBackend('wasm-1t', () => T.createWasmBackend({ threads: 1 }), -10);
const backends: [string, number][] = wasmThreads > 1 ? [['wasm', wasmThreads], ['wasm-1t', 1]] : [['wasm', 1]];
for (const id of ids) {
  for (const [backend, threads] of backends) {
    const tr = isParam(id) ? parameterizationTrainer(id, backend) : wnTrainer(workload(id as WorkloadId), backend);
    const p = profileSteps(tr, backend, steps, 2, clock);
    tr.dispose();
    console.log(`\n${id} on @wn wasm, ${threads} thread(s): ${p.stepMs.toFixed(1)} ms/step (${clock} time), kernels ${p.kernelMs.toFixed(1)} ms, ${p.dispatches} dispatches`);
    for (const r of p.rows) console.log(`${r.op.padEnd(44)} ${r.calls.toFixed(0).padStart(5)} ${r.ms.toFixed(2).padStart(9)} ms ${r.pct.toFixed(1).padStart(6)} %`);
  }
}
process.exit(0);
