/**
 * The one bench report: from a fixture workspace (a model package with results, one without, one
 * with a broken file; a steps.json with ratios; no kernels/parameterizations results) to Markdown
 * and self-contained HTML.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHtml, toMarkdown } from '../src/report/document.js';
import { readReportInputs } from '../src/report/inputs.js';
import { reportBlocks } from '../src/report/render.js';

const fixtures = new URL('./fixtures/report/', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'wn-bench-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function pkg(dir: string, name: string, bench = true): string {
  const d = join(root, 'packages', dir);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'package.json'), JSON.stringify({ name, scripts: bench ? { bench: 'node src/bench.ts' } : {} }));
  return d;
}
const dqn = pkg('fake-dqn', '@wn/fake-dqn');
mkdirSync(join(dqn, 'bench-results'));
copyFileSync(join(fixtures, 'bench-dqn.json'), join(dqn, 'bench-results', 'bench.json'));
pkg('fake-vae', '@wn/fake-vae');
const broken = pkg('fake-broken', '@wn/fake-broken');
mkdirSync(join(broken, 'bench-results'));
writeFileSync(join(broken, 'bench-results', 'bench.json'), '{"format": "wn-bench-results/1", "mode": "fast"}');
pkg('tensor', '@wn/tensor', false);
const results = join(root, 'apps', 'bench', 'results');
mkdirSync(results, { recursive: true });
copyFileSync(join(fixtures, 'steps.json'), join(results, 'steps.json'));
// another steps run kept beside it (a trial of some workloads)
copyFileSync(join(fixtures, 'steps.json'), join(results, 'steps-trial.json'));

const inputs = readReportInputs(root);
const blocks = reportBlocks(inputs);
const md = toMarkdown(blocks, 'report-charts');
const html = toHtml(blocks, 'report');
const section = (name: string) => md.slice(md.indexOf(`## ${name}`), md.indexOf('\n## ', md.indexOf(`## ${name}`) + 3) >>> 0 || undefined);

describe('report inputs', () => {
  it('finds the packages with a bench script and reads, misses or refuses their results', () => {
    expect(inputs.models.map((m) => [m.package, m.status])).toEqual([
      ['@wn/fake-broken', 'unreadable'], ['@wn/fake-dqn', 'ok'], ['@wn/fake-vae', 'missing'],
    ]);
    expect(inputs.groups.map((g) => [g.name, g.date !== null])).toEqual([['steps', true], ['kernels', false], ['parameterizations', false], ['steps-trial', true]]);
  });
});

describe('report markdown', () => {
  it("has the model's section with both charts, the throughput table and the extra table", () => {
    const s = section('@wn/fake-dqn');
    expect(s).toContain('### DQN on CartPole-v1: mean return of the last 100 episodes');
    expect(s).toContain('](report-charts/fake-dqn-dqn-vs-frames.svg)');
    expect(s).toContain('](report-charts/fake-dqn-dqn-vs-seconds.svg)');
    // parameterization, throughput, final, best (higher is better), last step, seconds
    expect(s).toContain('| standard | 813 | 140 | 140 | 30,000 | 33 |');
    expect(s).toContain('| weightnorm | 701 | 150 | 170 | 30,000 | 39 |');
    expect(s).toContain('| MinAtar/Breakout-v0 | 123,456 |');
    expect(s).toContain('LOADED machine');
    // the model ran at load 4 on 2 cores; the steps fixtures at 1.5 on 2
    expect(md).toContain('**Loaded machine**: @wn/fake-dqn ran while');
    expect(md).not.toMatch(/Loaded machine[^\n]*apps\/bench steps/);
  });

  it('says so for an experiment without points instead of drawing an empty chart', () => {
    expect(md).toContain('No return points were recorded');
    expect(md).not.toContain('fake-dqn-empty-vs');
  });

  it('reports the machine with backend, relaxed SIMD and load for every results file', () => {
    expect(md).toContain('| @wn/fake-dqn | Test CPU 9000 | 2 | v20.0.0 | wasm | 2 | yes | 3.50 2.00 1.00 → 4.00 3.00 2.00 |');
    expect(md).toContain('| apps/bench steps | Test CPU 9000 × 2 logical cores |');
  });

  it("gives the peers' ratios with targets and verdicts, and says which groups have no results", () => {
    expect(md).toContain('| W7 | 1 | 1 | contiguous | 12 | 1.50× | ≤ 2× | met |');
    expect(md).toContain('| W8-WN | 2 | 2 | contiguous | 12 | 3.25× | ≤ 2× | invalid: only 3 pairs (at least 10 needed) |');
    expect(md).toMatch(/### steps-trial \(`apps\/bench\/results\/steps-trial.json`\)\n\n2026-12-05T09:00:00.000Z; Test CPU 9000 × 2 logical cores; load average 1.50 1.00 1.00 → 1.25 1.00 1.00/);
    // the steps group's PyTorch configuration and load notes, not the rest
    expect(md).toContain('- PyTorch peer: torch 2.0 on the OpenMP OpenBLAS.');
    expect(md).not.toContain('items/s = batch / step time.');
    expect(md).toMatch(/### kernels[^\n]*\n\n\*\*Not available\*\*: `apps\/bench\/results\/kernels.json` does not exist/);
  });

  it('says a model was not run, or that its results are unreadable, without failing', () => {
    expect(section('@wn/fake-vae')).toContain('**Not run**: no results (`packages/fake-vae/bench-results/bench.json` does not exist). Run `pnpm bench --filter @wn/fake-vae`.');
    expect(section('@wn/fake-broken')).toMatch(/\*\*Unreadable results\*\* in `packages\/fake-broken\/bench-results\/bench.json`: .*mode/);
    expect(md).toContain('(not run: @wn/fake-broken, @wn/fake-vae)');
    expect(md).not.toContain('@wn/tensor');
  });
});

describe('report html', () => {
  it('inlines every chart as an SVG data URI and loads nothing from outside', () => {
    const charts = blocks.filter((b) => b.kind === 'chart');
    expect(charts).toHaveLength(2);
    const uris = [...html.matchAll(/src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
    expect(uris).toHaveLength(2);
    for (const svg of uris) {
      expect(svg).toMatch(/^<svg[\s>]/);
      expect(svg).toContain('weightnorm');
    }
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
    expect(html).not.toMatch(/<link|<script|@import|url\(/);
  });

  it('has the same sections as the markdown, with text escaped', () => {
    expect(html).toContain('<h2>@wn/fake-dqn</h2>');
    expect(html).toContain('<td class="n">123,456</td>');
    expect(html).toContain('<strong>Not run</strong>');
    expect(toHtml([{ kind: 'paragraph', text: 'a <b> & "c"' }], 't')).toContain('<p>a &lt;b&gt; &amp; &quot;c&quot;</p>');
  });
});
