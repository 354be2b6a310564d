#!/usr/bin/env node
// `pnpm bench [turbo options]`: every workspace `bench` task one at a time (turbo, so
// `pnpm bench --filter @wn/rl-dqn` runs one model), then apps/bench's report from whatever results
// exist — rendered even when a bench task failed, and the failure still fails the command.
// WN_BENCH_MODE=quick|paper (default quick) picks the budgets.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const started = performance.now();
const turbo = spawnSync(join(root, 'node_modules/.bin/turbo'), ['run', 'bench', '--concurrency=1', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
if (turbo.error) console.error(`bench: could not run turbo: ${turbo.error.message}`);
const report = spawnSync(process.execPath, ['--conditions=@wn/source', '--import', 'tsx', 'src/report/main.ts'], { cwd: join(root, 'apps/bench'), stdio: 'inherit' });
console.log(`bench: ${((performance.now() - started) / 1000).toFixed(0)} s (WN_BENCH_MODE=${process.env.WN_BENCH_MODE || 'quick'})`);
process.exit(turbo.status || (turbo.error ? 1 : 0) || report.status || 0);
