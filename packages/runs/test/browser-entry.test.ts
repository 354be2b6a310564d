/**
 * The main entry must run in a browser: its module graph — our files, and the workspace packages
 * they import, followed through their sources — imports nothing from `node:*` (or a bare Node
 * built-in). Third-party packages are leaves and must be on a list of ones with a browser build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const packages = resolve(new URL('../..', import.meta.url).pathname);
// fflate and gifenc are plain JavaScript with ES module builds for browsers (gifenc's `module` field)
const BROWSER_READY_THIRD_PARTY = new Set(['fflate', 'gifenc']);
const builtins = new Set(builtinModules);

function sourceOf(specifier: string): string | null {
  const m = /^@wn\/([a-z0-9-]+)(\/.*)?$/.exec(specifier);
  if (!m) return null;
  const pkg = JSON.parse(readFileSync(join(packages, m[1], 'package.json'), 'utf8'));
  const entry = pkg.exports[m[2] ? `.${m[2]}` : '.'];
  return join(packages, m[1], entry['@wn/source']);
}

/** Static imports and re-exports (`import … from`, `export … from`, `import '…'`, dynamic `import('…')`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map((m) => m[1] ?? m[2] ?? m[3]);
}

function walk(entry: string): { files: Set<string>; problems: string[]; thirdParty: Set<string> } {
  const files = new Set<string>();
  const problems: string[] = [];
  const thirdParty = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of importsOf(file)) {
      const where = file.slice(packages.length + 1);
      if (spec.startsWith('node:') || builtins.has(spec.split('/')[0])) problems.push(`${where} imports ${spec}`);
      else if (spec.startsWith('.')) {
        const ts = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        queue.push(existsSync(ts) ? ts : resolve(dirname(file), spec));
      } else if (spec.startsWith('@wn/')) queue.push(sourceOf(spec)!);
      else {
        thirdParty.add(spec);
        if (!BROWSER_READY_THIRD_PARTY.has(spec)) problems.push(`${where} imports ${spec}, not known to run in a browser`);
      }
    }
  }
  return { files, problems, thirdParty };
}

describe('the main entry is browser-ready', () => {
  it('imports nothing from node:* anywhere in its module graph', () => {
    const { files, problems, thirdParty } = walk(join(packages, 'runs/src/index.ts'));
    expect(problems).toEqual([]);
    // the walk really covered the graph: our modules and the packages below
    const names = [...files].map((f) => f.slice(packages.length + 1));
    for (const f of ['runs/src/checkpoint.ts', 'runs/src/plot/png.ts', 'runs/src/compare.ts', 'layers/src/index.ts', 'tensor/src/index.ts']) expect(names).toContain(f);
    expect(names.some((f) => f.startsWith('runs/src/node/'))).toBe(false);
    expect([...thirdParty].sort()).toEqual(['fflate', 'gifenc']);
  });

  it('the scan catches a node: import (the test can fail)', () => {
    const { problems } = walk(join(packages, 'runs/src/node/index.ts'));
    expect(problems.some((p) => /runs\/src\/node\/atomic\.ts imports node:fs/.test(p))).toBe(true);
  });
});
