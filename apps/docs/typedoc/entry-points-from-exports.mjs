/**
 * A TypeDoc plugin: in `packages` mode, each package's entry points are the TypeScript sources
 * its package.json `exports` map publishes (the `@wn/source` condition), so every public
 * subpath — `@wn/tensor/gpujs`, `@wn/runs/node`, … — is in the API reference without a list
 * to keep in step. Exports that are not TypeScript (a bin launcher) are not API and are left out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The TypeScript source paths (relative to the package) of a package.json `exports` map. */
export function sourceEntryPoints(exportsField) {
  if (typeof exportsField === 'string') exportsField = { '.': exportsField };
  const paths = [];
  for (const target of Object.values(exportsField ?? {})) {
    const path = typeof target === 'string' ? target : target?.['@wn/source'];
    if (typeof path === 'string' && /\.(c|m)?tsx?$/.test(path) && !path.endsWith('.d.ts')) paths.push(path);
  }
  return paths;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.options.addReader({
    name: 'wn-entry-points-from-exports',
    // after typedoc.json (100), package.json (150) and tsconfig (200): the exports map has the last word
    order: 300,
    supportsPackages: true,
    read(container, logger, cwd) {
      if (!container.packageDir) return; // the root options: nothing to derive
      const manifestPath = join(cwd, 'package.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      const entryPoints = sourceEntryPoints(manifest.exports);
      if (entryPoints.length === 0) {
        logger.error(`${manifestPath}: its "exports" name no TypeScript source under the "@wn/source" condition, so the API reference has nothing to document for ${manifest.name}`);
        return;
      }
      container.setValue('entryPoints', entryPoints, cwd);
    },
  });
}
