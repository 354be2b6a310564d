/**
 * The experiment pages against the committed results: the classification page's per-step tables
 * (the only numbers written by hand; the other tables are the results' own summary.md, included)
 * are the seed-averaged curves and final errors of results/<run>/summary.json, and every result
 * file a page includes or shows exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const siteDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'site');
const packagesDir = join(siteDir, '..', '..', '..', 'packages');
const page = (name: string) => readFileSync(join(siteDir, 'experiments', `${name}.md`), 'utf8');

interface ClassifySummary {
  rows: { parameterization: string; final_test_error: number; final_test_error_sd: number }[];
  curves: Record<string, { test_error: number }[]>;
}

/** The rows of the per-step table that follows `heading` on the classification page. */
function stepTable(markdown: string, heading: string): { name: string; steps: string[]; mean: string; sd: string }[] {
  const section = markdown.slice(markdown.indexOf(heading));
  const rows = [];
  for (const line of section.split('\n').slice(1)) {
    if (line.startsWith('## ')) break;
    const m = /^\| ([\w+]+)(?: \(lr [\d.]+\))? \| ([\d. /]+) % \| ([\d.]+) ± ([\d.]+) % \|$/.exec(line);
    if (m) rows.push({ name: m[1], steps: m[2].split(' / '), mean: m[3], sd: m[4] });
  }
  return rows;
}

describe('the classification page', () => {
  for (const [heading, run] of [['## Fashion-MNIST, all 60 000', 'fashion-mnist-seeds'], ['## CIFAR-10, `data_batch_1`', 'cifar10-seeds']]) {
    it(`${run}: the per-step table is the committed seed-mean curve and final error ± sd`, () => {
      const summary = JSON.parse(readFileSync(join(packagesDir, 'classify', 'results', run, 'summary.json'), 'utf8')) as ClassifySummary;
      const rows = stepTable(page('classify'), heading);
      expect(rows.map((r) => r.name)).toEqual(summary.rows.map((r) => r.parameterization));
      for (const row of rows) {
        const curve = summary.curves[row.name];
        expect(row.steps, row.name).toEqual(curve.map((e) => (e.test_error * 100).toFixed(1)));
        const final = summary.rows.find((r) => r.parameterization === row.name)!;
        expect([row.mean, row.sd], row.name).toEqual([(final.final_test_error * 100).toFixed(2), (final.final_test_error_sd * 100).toFixed(2)]);
      }
    });
  }
});

describe('every experiment page', () => {
  for (const name of ['classify', 'rl-dqn', 'gen-vae-draw']) {
    it(`${name}: includes committed summaries and shows committed charts that exist`, () => {
      const markdown = page(name);
      const includes = [...markdown.matchAll(/<!--@include: ([^{}]+?)(?:\{[\d,]*\})?-->/g)].map((m) => resolve(siteDir, 'experiments', m[1]));
      expect(includes.length).toBeGreaterThan(0);
      for (const file of includes) expect(existsSync(file), file).toBe(true);
      const images = [...markdown.matchAll(/!\[[^\]]*\]\(\/results\/([^)]+)\)/g)].map((m) => m[1]);
      expect(images.length).toBeGreaterThan(0);
      for (const image of images) {
        const [pkg, ...rest] = image.split('/');
        expect(existsSync(join(packagesDir, pkg, 'results', ...rest)), image).toBe(true);
      }
      expect(markdown).toMatch(/## Reproducing\n[\s\S]*```sh\n/);
    });
  }
});
