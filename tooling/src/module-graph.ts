/**
 * Walks a TypeScript entry's static module graph, following relative imports and `@wn/*`
 * packages through their `@wn/source` export condition, and reports every import a browser
 * bundle could not satisfy: `node:*` or a bare Node built-in, and third-party packages not on
 * the caller's list of ones known to have a browser build (they are leaves: not followed).
 *
 * Used by the browser-entry tests (@wn/runs' main entry, @wn/data/browser, @wn/rl-dqn/browser).
 * Type-only imports count too: the scan is textual, so an entry stays clear of Node modules even
 * for its types, as a bundler without type information would see it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';

export interface BrowserGraphOptions {
  /** the folder holding the workspace packages (…/packages) */
  readonly packagesDir: string;
  /** third-party package names that run in a browser (e.g. fflate) */
  readonly browserReadyThirdParty?: Iterable<string>;
}

export interface BrowserGraph {
  /** every file reached, absolute paths */
  readonly files: Set<string>;
  /** one line per offending import: `<file relative to packagesDir> imports <specifier>…` */
  readonly problems: string[];
  /** third-party specifiers reached (allowed or not) */
  readonly thirdParty: Set<string>;
}

const builtins = new Set(builtinModules);

/** The TypeScript source a `@wn/<pkg>[/sub]` specifier resolves to under the `@wn/source` condition. */
function sourceOf(packagesDir: string, specifier: string): string {
  const m = /^@wn\/([a-z0-9-]+)(\/.*)?$/.exec(specifier);
  if (!m) throw new Error(`module graph: not a @wn specifier: ${specifier}`);
  const pkg = JSON.parse(readFileSync(join(packagesDir, m[1], 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
  const entry = pkg.exports[m[2] ? `.${m[2]}` : '.'];
  const source = typeof entry === 'object' ? entry['@wn/source'] : undefined;
  if (!source) throw new Error(`module graph: ${specifier} has no '@wn/source' export condition in packages/${m[1]}/package.json`);
  return join(packagesDir, m[1], source);
}

/** Static imports and re-exports (`import … from`, `export … from`, `import '…'`, dynamic `import('…')`), comments removed. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** The module graph of `entry` (an absolute .ts path) and what in it would not run in a browser. */
export function browserModuleGraph(entry: string, options: BrowserGraphOptions): BrowserGraph {
  const { packagesDir } = options;
  const allowed = new Set(options.browserReadyThirdParty ?? []);
  const files = new Set<string>();
  const problems: string[] = [];
  const thirdParty = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const where = file.startsWith(packagesDir) ? file.slice(packagesDir.length + 1) : file;
    for (const spec of importsOf(file)) {
      if (spec.startsWith('node:') || builtins.has(spec.split('/')[0])) problems.push(`${where} imports ${spec}`);
      else if (spec.startsWith('.')) {
        const ts = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        queue.push(existsSync(ts) ? ts : resolve(dirname(file), spec));
      } else if (spec.startsWith('@wn/')) queue.push(sourceOf(packagesDir, spec));
      else {
        thirdParty.add(spec);
        if (!allowed.has(spec)) problems.push(`${where} imports ${spec}, not known to run in a browser`);
      }
    }
  }
  return { files, problems, thirdParty };
}
