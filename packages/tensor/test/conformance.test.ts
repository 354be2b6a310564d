/**
 * Runs the op conformance suite (tooling/src/conformance) on `reference` (which also runs the
 * float64 gradchecks) and on every optional backend present (see ./backends.ts: owners append
 * there).
 */
import { describeConformance } from '@wn/tooling/conformance';
import { optionalBackends } from './backends.js';

const BACKENDS: string[] = ['reference', ...(await optionalBackends())];

for (const name of BACKENDS) describeConformance(name);
