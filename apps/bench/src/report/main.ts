/**
 * `pnpm --filter @wn/bench report` (run by the root `pnpm bench` after the bench tasks): renders
 * the one report from whatever results exist — `results/report.md` with its charts in
 * `results/report-charts/`, and the self-contained `results/report.html`.
 * `WN_BENCH_RESULTS=<dir>` writes them elsewhere (and reads the group results from there).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHtml, toMarkdown } from './document.js';
import { readReportInputs } from './inputs.js';
import { reportBlocks } from './render.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const out = process.env.WN_BENCH_RESULTS ? resolve(process.env.WN_BENCH_RESULTS) : join(root, 'apps', 'bench', 'results');
const inputs = readReportInputs(root, out);
const blocks = reportBlocks(inputs);
const charts = join(out, 'report-charts');
// the chart folder holds only this report's charts: stale ones of a model no longer run go
rmSync(charts, { recursive: true, force: true });
mkdirSync(charts, { recursive: true });
for (const b of blocks) if (b.kind === 'chart') writeFileSync(join(charts, b.file), b.svg);
writeFileSync(join(out, 'report.md'), toMarkdown(blocks, 'report-charts'));
writeFileSync(join(out, 'report.html'), toHtml(blocks, '@wn benchmark report'));
const status = inputs.models.map((m) => `${m.package}: ${m.status}`).join(', ');
console.log(`report: ${join(out, 'report.md')}, report.html (${status})`);
