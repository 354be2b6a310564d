/**
 * Long fuzz runs of every file reader:
 *   node --import tsx tooling/scripts/fuzz.ts [--format NAME|all] [--cases N] [--seed S]
 * Prints, per format, the counts of outcomes: ok (consistent data), rejected (the library's error
 * naming the file) and other (anything else, listed). With `--format all` (the default) each
 * format runs in its own process, so peak-memory checks see only that format. Exits 1 when any
 * case ends as "other".
 *
 * The formats come from the packages' test folders; to add one, export it from such a module and
 * list the module here.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FuzzFormat } from '../src/fuzz/index.js';

// In-repo packages resolve to their sources under the `source` export condition (as in vitest).
if (!process.execArgv.includes('--conditions=source')) {
  const child = spawnSync(process.execPath, ['--conditions=source', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
const { formatReport, fuzzFormat } = await import('../src/fuzz/index.js');

/** Modules exporting a function that returns (a promise of) formats. */
const FORMAT_MODULES: { path: string; exported: string }[] = [
  { path: '../../packages/data/test/fuzz-formats.ts', exported: 'dataFormats' },
  { path: '../../packages/layers/test/fuzz-formats.ts', exported: 'layersFormats' },
  { path: '../../packages/runs/test/fuzz-formats.ts', exported: 'runsFormats' },
];

async function allFormats(): Promise<FuzzFormat<unknown>[]> {
  const formats: FuzzFormat<unknown>[] = [];
  for (const { path, exported } of FORMAT_MODULES) {
    const module = (await import(pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href)) as Record<string, () => FuzzFormat<unknown>[] | Promise<FuzzFormat<unknown>[]>>;
    formats.push(...(await module[exported]()));
  }
  return formats;
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const format = option('format', 'all');
const cases = Number(option('cases', '5000'));
const seed = Number(option('seed', '1'));
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed)) {
  console.error('usage: fuzz.ts [--format NAME|all] [--cases N ≥ 1] [--seed INTEGER]');
  process.exit(2);
}

if (format === 'all') {
  const names = (await allFormats()).map((f) => f.name);
  let failed = false;
  for (const name of names) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--format', name, '--cases', String(cases), '--seed', String(seed)], {
      stdio: 'inherit',
    });
    failed ||= child.status !== 0;
  }
  process.exit(failed ? 1 : 0);
} else {
  const chosen = (await allFormats()).find((f) => f.name === format);
  if (!chosen) {
    console.error(`unknown format '${format}'; known: ${(await allFormats()).map((f) => f.name).join(', ')}`);
    process.exit(2);
  }
  const started = performance.now();
  const report = await fuzzFormat(chosen, { cases, seed });
  console.log(`${formatReport(report)}  [${((performance.now() - started) / 1000).toFixed(1)} s]`);
  for (const [kind, counts] of Object.entries(report.byMutation).sort()) {
    console.log(`  ${kind.padEnd(22)} ok ${counts.ok}, rejected ${counts.rejected}, other ${counts.other}`);
  }
  process.exit(report.counts.other > 0 ? 1 : 0);
}
