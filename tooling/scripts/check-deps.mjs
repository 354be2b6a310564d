#!/usr/bin/env node
// Dependencies point one way: tensor ← data, tensor ← autograd ← layers ← model packages ← apps.
// Scans every workspace package's src/ imports of @wn/* and fails on an edge that points the
// wrong way (or on an import the package.json does not declare).
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
/** Lower rank may not import higher rank. Unlisted @wn packages default to the model level. */
const RANK = { '@wn/tensor': 0, '@wn/data': 0.5, '@wn/autograd': 1, '@wn/layers': 2, '@wn/tooling': 99 };
const MODEL_RANK = 3;
const APP_RANK = 10;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) yield p;
  }
}

const problems = [];
let edges = 0;
for (const group of ['packages', 'apps']) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  for (const dir of readdirSync(base)) {
    const pkgPath = join(base, dir, 'package.json');
    if (!existsSync(pkgPath)) continue;
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
    const rank = group === 'apps' ? APP_RANK : (RANK[pkg.name] ?? MODEL_RANK);
    const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }));
    const src = join(base, dir, 'src');
    if (!existsSync(src)) continue;
    for (const file of files(src)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from\s+['"](@wn\/[a-z0-9-]+)/g)) {
        const target = m[1];
        edges++;
        if (target === pkg.name) continue;
        const targetRank = target === '@wn/tooling' ? Infinity : (RANK[target] ?? (target.startsWith('@wn/') ? MODEL_RANK : 0));
        const rel = file.slice(root.length);
        if (targetRank >= rank && !(rank === MODEL_RANK && targetRank === MODEL_RANK && declared.has(target))) {
          problems.push(`${rel}: ${pkg.name} (level ${rank}) imports ${target} (level ${targetRank}) — dependencies must point down`);
        }
        if (!declared.has(target)) problems.push(`${rel}: imports ${target}, which ${pkg.name}'s package.json does not declare in dependencies`);
      }
    }
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`dependency direction: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`dependency direction: ${edges} @wn imports checked, all point down`);
