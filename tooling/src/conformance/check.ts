/**
 * The per-case checks, free of vitest so a browser page (tooling/browser) can run them too.
 * Each throws an Error whose message names the case, backend, tensor and worst element.
 */
import { tensor, type Tensor } from '@wn/tensor';
import { compareClose } from '../testing.js';
import { gradcheck } from './autograd.js';
import { caseTolerance, type OpCase } from './cases.js';
import { asList, hostInputs, hostUpstream, runForward, runGrads, weightedSum, type HostTensor } from './harness.js';

function assertAllClose(got: readonly HostTensor[], want: readonly HostTensor[], tol: number, what: string): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} tensors, expected ${want.length}`);
  got.forEach((g, k) => {
    if (g.shape.join() !== want[k].shape.join()) {
      throw new Error(`${what} #${k}: shape [${g.shape.join(', ')}], expected [${want[k].shape.join(', ')}]`);
    }
    const r = compareClose(g.values, want[k].values, { rtol: tol, atol: tol, shape: g.shape, label: `${what} #${k}` });
    if (!r.ok) throw new Error(r.message);
  });
}

/**
 * One case on one backend: forward and gradients of sum(op(x)·upstream) against reference64 at
 * the case's tolerance, and no tensor leaked by either.
 */
export function checkCase(backend: string, c: OpCase): void {
  const inputs = hostInputs(c);
  const want = runForward('reference64', c, inputs);
  assertAllClose(runForward(backend, c, inputs), want, caseTolerance(c, 'forward'), `${c.name} [${backend}] forward`);
  if (c.grad === false) return;
  const upstream = hostUpstream(c, want);
  const wantGrads = runGrads('reference64', c, inputs, upstream);
  assertAllClose(runGrads(backend, c, inputs, upstream), wantGrads, caseTolerance(c, 'gradient'), `${c.name} [${backend}] gradient`);
}

/** Whether `checkGradient` applies: differentiable cases with inputs, not opted out. */
export const hasGradcheck = (c: OpCase): boolean => c.grad !== false && c.gradcheck !== false && c.inputs.length > 0;

/** Float64 finite differences (gradcheck's defaults: eps 1e-6, |err| ≤ 1e-6 + 1e-4·|numeric|). */
export function checkGradient(c: OpCase): void {
  const inputs = hostInputs(c);
  const upstream = hostUpstream(c, runForward('reference64', c, inputs));
  const f = (...xs: Tensor[]) => weightedSum(asList(c.fn(...xs)), upstream.map((u) => tensor(u.values, u.shape)));
  const r = gradcheck(f, inputs);
  if (!r.ok) {
    const w = r.worst;
    const where = w ? `input ${w.input} flat index ${w.index}: analytic ${w.analytic}, numeric ${w.numeric}` : 'no elements';
    throw new Error(`${c.name}: gradcheck failed, max |error| ${r.maxAbsError} at ${where}`);
  }
}
