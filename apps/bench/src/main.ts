/**
 * apps/bench's `bench` task: runs benchmark groups — named ones (`pnpm --filter @wn/bench bench --
 * kernels`, or `WN_BENCH_GROUPS=steps,kernels`), else all of them under `WN_BENCH_MODE=paper`.
 * Under `quick` (the default) without a named group none runs: the three take far longer than a
 * quick bench, and the report (`pnpm bench`) shows their latest committed results, dated and with
 * their load average.
 */
import { WnError } from '@wn/tensor';
import { benchMode } from '@wn/runs';
import { runKernels } from './kernels.js';
import { runParameterizations } from './parameterizations.js';
import { runSteps } from './steps.js';

const groups: Record<string, () => Promise<unknown>> = { kernels: runKernels, steps: runSteps, parameterizations: runParameterizations };
const named = process.argv.slice(2).filter((a) => a in groups);
const fromEnv = process.env.WN_BENCH_GROUPS?.split(',').filter(Boolean) ?? [];
const unknown = fromEnv.find((g) => !(g in groups));
if (unknown !== undefined) throw new WnError('bench', `WN_BENCH_GROUPS expected names among ${Object.keys(groups).join(', ')}, got '${unknown}'`);
const wanted = named.length ? named : fromEnv.length ? fromEnv : benchMode(process.env.WN_BENCH_MODE) === 'paper' ? Object.keys(groups) : [];
if (wanted.length === 0) console.log(`@wn/bench: quick mode runs none of ${Object.keys(groups).join(', ')} (the report uses their latest results in results/); WN_BENCH_MODE=paper or WN_BENCH_GROUPS=steps runs them`);
for (const name of wanted) await groups[name]();
process.exit(0);
