// The ecosystem's linters for published packages, run on packed tarballs (nothing is re-packed,
// nothing is fetched): publint (package.json against the files shipped; strict, so warnings and
// suggestions fail too) and Are the Types Wrong (every exports entry's types against its
// JavaScript, as TypeScript resolves them).
//
// The @wn packages are ESM-only ("type": "module", Node ≥ 20.19), so Are the Types Wrong runs
// with its esm-only profile: CommonJS `require` (node16-cjs) and the legacy node10 resolution
// cannot load them by design and are left out; node16 from ESM and bundler are checked.
import { readFileSync } from 'node:fs';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

/** Resolutions the esm-only profile leaves out (as attw's `--profile esm-only`). */
export const IGNORED_RESOLUTIONS = ['node10', 'node16-cjs'];

/**
 * Lints one packed tarball with publint and Are the Types Wrong.
 * @param {string} tarball path of a .tgz made by `pnpm pack`
 * @returns {Promise<string[]>} one line per problem found (empty when both are clean)
 */
export async function lintTarball(tarball) {
  const bytes = new Uint8Array(readFileSync(tarball));
  const problems = [];

  const { messages, pkg } = await publint({ pack: { tarball: bytes.slice().buffer }, level: 'suggestion', strict: true });
  for (const m of messages) problems.push(`publint ${m.type} ${m.code}: ${formatMessage(m, pkg, { color: false }) ?? m.path.join('.')}`);

  const analysis = await checkPackage(createPackageFromTarballData(bytes));
  if (analysis.types === false) problems.push('attw: the package ships no types');
  else {
    for (const p of analysis.problems) {
      if ('resolutionKind' in p && IGNORED_RESOLUTIONS.includes(p.resolutionKind)) continue;
      const where = ['entrypoint' in p ? p.entrypoint : undefined, 'resolutionKind' in p ? p.resolutionKind : undefined].filter(Boolean).join(', ');
      problems.push(`attw ${p.kind}${where ? ` (${where})` : ''}: https://github.com/arethetypeswrong/arethetypeswrong.github.io/blob/main/docs/problems/${p.kind}.md`);
    }
  }
  return problems;
}
