/**
 * The one op conformance suite every backend runs.
 *
 *   describeConformance('gpujs-cpu');
 *
 * registers, for the named (already registered) backend:
 * - `ops`: every case of `CONFORMANCE_CASES` — forward vs `reference64`, gradients of
 *   sum(op(x)·upstream) vs `reference64`, and "nothing leaked" after each;
 * - `edge cases`: NaN/±Infinity semantics, empty axes, 0-d tensors;
 * - `error contract`: the WnError messages of bad calls;
 * - for `reference` only, `gradcheck`: a float64 finite-difference check of every differentiable
 *   case (gradcheck always runs on reference64, so once is enough).
 */
import { describe, expect, it } from 'vitest';
import { compareClose } from '../testing.js';
import { gradcheck } from './autograd.js';
import { CONFORMANCE_CASES, TOLERANCE, type OpCase } from './cases.js';
import { describeEdgeCases, describeErrorContract } from './edge.js';
import { asList, hostInputs, hostUpstream, runForward, runGrads, weightedSum, type HostTensor } from './harness.js';
import { tensor, type Tensor } from '@wn/tensor';

export { CONFORMANCE_CASES, TOLERANCE, type InputSpec, type OpCase, type ToleranceClass } from './cases.js';
export { EDGE_CASE_COUNT, ERROR_CASE_COUNT } from './edge.js';
/**
 * The PyTorch fixture readers (../fixtures.ts) ride along on this entry point because
 * tooling/package.json exports only './testing' (browser-safe, no node:fs) and './conformance'.
 */
export {
  floatInputNames, floatValues, intValues, isFloatTensor, readFixtureFile, toTensor,
  type FixtureCase, type FixtureFile, type FixtureTensor,
} from '../fixtures.js';
/** @wn/autograd's valueAndGrads, for @wn/tensor's tests (which cannot depend on @wn/autograd). */
export { valueAndGrads } from './autograd.js';

/** Deliberately empty: there is no way to skip or loosen cases for one backend. */
export interface ConformanceOptions {
  readonly skip?: never;
}

function expectAllClose(got: readonly HostTensor[], want: readonly HostTensor[], tol: number, what: string): void {
  expect(got.length, `${what}: number of tensors`).toBe(want.length);
  got.forEach((g, k) => {
    expect([...g.shape], `${what} #${k}: shape`).toEqual([...want[k].shape]);
    const r = compareClose(g.values, want[k].values, { rtol: tol, atol: tol, shape: g.shape, label: `${what} #${k}` });
    expect(r.ok, r.message).toBe(true);
  });
}

/**
 * One case on one backend: forward and gradients vs reference64, no leaks. Throws on the first
 * mismatch (exported so the suite's own tests can show that a broken backend fails it).
 */
export function checkCase(backend: string, c: OpCase): void {
  const tol = TOLERANCE[c.tol];
  const inputs = hostInputs(c);
  const want = runForward('reference64', c, inputs);
  const got = runForward(backend, c, inputs);
  expectAllClose(got, want, tol, `${c.name} [${backend}] forward`);
  if (c.grad === false) return;
  const upstream = hostUpstream(c, want);
  const wantGrads = runGrads('reference64', c, inputs, upstream);
  const gotGrads = runGrads(backend, c, inputs, upstream);
  expectAllClose(gotGrads, wantGrads, tol, `${c.name} [${backend}] gradient`);
}

/** Finite differences in float64 (gradcheck's defaults: eps 1e-6, |err| ≤ 1e-6 + 1e-4·|numeric|). */
export function checkGradient(c: OpCase): void {
  const inputs = hostInputs(c);
  const upstream = hostUpstream(c, runForward('reference64', c, inputs));
  const f = (...xs: Tensor[]) => weightedSum(asList(c.fn(...xs)), upstream.map((u) => tensor(u.values, u.shape)));
  const r = gradcheck(f, inputs);
  const w = r.worst;
  const where = w ? `input ${w.input} flat index ${w.index}: analytic ${w.analytic}, numeric ${w.numeric}` : 'no elements';
  expect(r.ok, `${c.name}: gradcheck failed, max |error| ${r.maxAbsError} at ${where}`).toBe(true);
}

export function describeConformance(backendName: string, _options: ConformanceOptions = {}): void {
  describe(`conformance: ${backendName}`, () => {
    describe('ops (forward and gradients vs reference64)', () => {
      for (const c of CONFORMANCE_CASES) it(c.name, () => checkCase(backendName, c));
    });
    describeEdgeCases(backendName);
    describeErrorContract(backendName);
    if (backendName === 'reference') {
      describe('gradcheck (float64 finite differences on reference64)', () => {
        for (const c of CONFORMANCE_CASES) {
          if (c.grad === false || c.gradcheck === false || c.inputs.length === 0) continue;
          it(c.name, () => checkGradient(c));
        }
      });
    }
  });
}

/** How many gradcheck cases `describeConformance('reference')` registers. */
export const GRADCHECK_CASE_COUNT = CONFORMANCE_CASES.filter((c) => c.grad !== false && c.gradcheck !== false && c.inputs.length > 0).length;
