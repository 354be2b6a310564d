/**
 * The main entry must run in a browser: its module graph — our files, and the workspace packages
 * they import, followed through their sources — imports nothing from `node:*` (or a bare Node
 * built-in). Third-party packages are leaves and must be on a list of ones with a browser build.
 */
import { join, resolve } from 'node:path';
import { browserModuleGraph } from '@wn/tooling/module-graph';
import { describe, expect, it } from 'vitest';

const packagesDir = resolve(new URL('../..', import.meta.url).pathname);
// fflate and gifenc are plain JavaScript with ES module builds for browsers (gifenc's `module` field)
const walk = (entry: string) => browserModuleGraph(join(packagesDir, entry), { packagesDir, browserReadyThirdParty: ['fflate', 'gifenc'] });

describe('the main entry is browser-ready', () => {
  it('imports nothing from node:* anywhere in its module graph', () => {
    const { files, problems, thirdParty } = walk('runs/src/index.ts');
    expect(problems).toEqual([]);
    // the walk really covered the graph: our modules and the packages below
    const names = [...files].map((f) => f.slice(packagesDir.length + 1));
    for (const f of ['runs/src/checkpoint.ts', 'runs/src/plot/png.ts', 'runs/src/compare.ts', 'layers/src/index.ts', 'tensor/src/index.ts']) expect(names).toContain(f);
    expect(names.some((f) => f.startsWith('runs/src/node/'))).toBe(false);
    expect([...thirdParty].sort()).toEqual(['fflate', 'gifenc']);
  });

  it('the scan catches a node: import (the test can fail)', () => {
    const { problems } = walk('runs/src/node/index.ts');
    expect(problems.some((p) => /runs\/src\/node\/atomic\.ts imports node:fs/.test(p))).toBe(true);
  });
});
