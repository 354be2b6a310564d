#!/usr/bin/env node
/**
 * Copies the committed result charts (PNG/SVG under packages/<pkg>/results) into the site's
 * public dir, so pages reference `/results/<pkg>/<path>`. The copy is a build artifact
 * (git-ignored): the charts live only in the packages that produce them.
 */
import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const target = join(root, 'apps', 'docs', 'site', 'public', 'results');
const PACKAGES = ['classify', 'rl-dqn', 'gen-vae-draw'];

rmSync(target, { recursive: true, force: true });
let count = 0;
for (const pkg of PACKAGES) {
  const source = join(root, 'packages', pkg, 'results');
  if (!existsSync(source)) throw new Error(`link-results: ${source} is missing (expected the committed results of @wn/${pkg})`);
  cpSync(source, join(target, pkg), {
    recursive: true,
    filter: (path) => {
      if (statSync(path).isDirectory()) return true;
      const chart = /\.(png|svg)$/.test(path);
      if (chart) count++;
      return chart;
    },
  });
}
console.log(`link-results: ${count} charts from ${PACKAGES.join(', ')} → ${target}`);
