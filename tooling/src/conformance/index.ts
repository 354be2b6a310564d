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
 * - `fused elementwise`: the fused op against its decomposition into primitives (bit for bit on
 *   the JS backends), broadcasting, scalars, NaN, gradients, and its error contract;
 * - for `reference` only, `gradcheck`: a float64 finite-difference check of every differentiable
 *   case (gradcheck always runs on reference64, so once is enough).
 */
import { describe, it } from 'vitest';
import { CONFORMANCE_CASES } from './cases.js';
import { checkCase, checkGradient, hasGradcheck } from './check.js';
import { describeEdgeCases, describeErrorContract } from './edge.js';
import { describeFused } from './fused.js';

export { checkCase, checkGradient, hasGradcheck } from './check.js';
export {
  CONFORMANCE_CASES, FLOAT32_UNIT_ROUNDOFF, REDUCTION_ULPS, TOLERANCE, caseTolerance, reductionTolerance, toleranceOf,
  type InputSpec, type OpCase, type ToleranceClass,
} from './cases.js';
export { EDGE_CASE_COUNT, ERROR_CASE_COUNT } from './edge.js';
export { FUSED_CASE_COUNT } from './fused.js';
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

export function describeConformance(backendName: string, _options: ConformanceOptions = {}): void {
  describe(`conformance: ${backendName}`, () => {
    describe('ops (forward and gradients vs reference64)', () => {
      for (const c of CONFORMANCE_CASES) it(c.name, () => checkCase(backendName, c));
    });
    describeEdgeCases(backendName);
    describeErrorContract(backendName);
    describeFused(backendName);
    if (backendName === 'reference') {
      describe('gradcheck (float64 finite differences on reference64)', () => {
        for (const c of CONFORMANCE_CASES.filter(hasGradcheck)) it(c.name, () => checkGradient(c));
      });
    }
  });
}

/** How many gradcheck cases `describeConformance('reference')` registers. */
export const GRADCHECK_CASE_COUNT = CONFORMANCE_CASES.filter(hasGradcheck).length;
