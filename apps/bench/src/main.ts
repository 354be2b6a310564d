/** `pnpm bench`: runs the selected benchmark groups (all by default): `pnpm bench -- kernels`. */
import { runKernels } from './kernels.js';
import { runParameterizations } from './parameterizations.js';
import { runSteps } from './steps.js';

const groups: Record<string, () => Promise<unknown>> = { kernels: runKernels, steps: runSteps, parameterizations: runParameterizations };
const wanted = process.argv.slice(2).filter((a) => a in groups);
for (const name of wanted.length ? wanted : Object.keys(groups)) {
  await groups[name]();
}
process.exit(0);
