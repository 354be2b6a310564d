/**
 * Runs the op conformance suite (tooling/src/conformance) on `reference` (which also runs the
 * float64 gradchecks) and on every other backend the package registers (see ./backends.ts).
 */
import { describeConformance } from '@wn/tooling/conformance';
import { optionalBackends } from './backends.js';

const BACKENDS: string[] = ['reference', ...optionalBackends()];

for (const name of BACKENDS) describeConformance(name);
