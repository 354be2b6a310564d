#!/usr/bin/env node
// The packed-install test: what a user gets from `npm install @wn/...`.
//
//   1. builds every published package (turbo, cached);
//   2. packs each with pnpm (workspace:* ranges become versions, the root LICENSE is added) and
//      checks the tarball: LICENSE, README, every exports/bin/types target, no workspace: ranges;
//   3. lints each tarball with publint (strict: warnings fail) and Are the Types Wrong;
//   4. creates a project outside the workspace, npm-installs the tarballs (every @wn dependency
//      resolves to a tarball through `overrides`; third-party packages come from the npm registry
//      or npm's cache), runs tooling/pack-consumer/smoke.mjs in plain Node, bundles
//      tooling/pack-consumer/bundled.mjs with esbuild and runs it, bundles each browser-ready
//      entry for the browser, runs each model package's bin with --help, and type-checks
//      tooling/pack-consumer/consumer.ts with moduleResolution node16 and bundler;
//   5. prints tarball and install sizes and the time each stage took.
//
// Usage: node tooling/scripts/pack-install.mjs [--lint-only] [--no-build] [--keep]
//   --lint-only  stop after step 3 (`pnpm lint:packages`)
//   --no-build   use the dist/ folders as they are
//   --keep       leave the temporary folder in place (its path is printed)
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintTarball } from './lint-tarballs.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONSUMER_FILES = fileURLToPath(new URL('../pack-consumer/', import.meta.url));
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!['--lint-only', '--no-build', '--keep'].includes(a)) {
    console.error(`pack-install: unknown option ${a} (expected --lint-only, --no-build, --keep)`);
    process.exit(2);
  }
}

const started = performance.now();
const timings = [];
async function stage(name, fn) {
  const t0 = performance.now();
  console.log(`\n== ${name}`);
  const result = await fn();
  timings.push([name, (performance.now() - t0) / 1000]);
  return result;
}

class PackInstallError extends Error {}
/** Stops the test with a message (the temporary folder is still removed unless --keep). */
function fail(message) {
  throw new PackInstallError(message);
}

/** Runs a command; its output goes to ours unless `capture`; a non-zero exit fails the test. */
function run(command, argv, { cwd = ROOT, capture = false } = {}) {
  const r = spawnSync(command, argv, { cwd, encoding: 'utf8', stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', maxBuffer: 64 << 20 });
  if (r.error) fail(`cannot run ${command}: ${r.error.message}`);
  if (r.status !== 0) {
    if (capture) process.stderr.write(r.stdout + r.stderr);
    fail(`\`${command} ${argv.join(' ')}\` in ${cwd} exited with ${r.status ?? r.signal}`);
  }
  return r.stdout ?? '';
}

/** As run(), without blocking: its output is captured and shown if it fails. */
function runAsync(command, argv, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => reject(new PackInstallError(`cannot run ${command}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new PackInstallError(`\`${command} ${argv.join(' ')}\` in ${cwd} exited with ${code ?? signal}:\n${output}`));
    });
  });
}

// the pnpm that started this script (`pnpm test:pack` sets npm_execpath: a native binary in
// pnpm 12, a .cjs file before), else the pinned one through npx
const EXECPATH = process.env.npm_execpath ?? '';
const PNPM = !/pnpm/.test(EXECPATH) ? ['npx', '-y', 'pnpm@12.4.2'] : /\.[cm]?js$/.test(EXECPATH) ? [process.execPath, EXECPATH] : [EXECPATH];
const pnpm = (argv, options) => run(PNPM[0], [...PNPM.slice(1), ...argv], options);

/** The workspace's published packages: packages/* without "private": true. */
const PACKAGES = readdirSync(join(ROOT, 'packages'))
  .map((dir) => ({ dir: join(ROOT, 'packages', dir), manifest: JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter((p) => p.manifest.private !== true)
  .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
if (PACKAGES.length === 0) fail('no published packages under packages/');

/** Entries a browser bundle must be able to take (no Node built-ins reachable from them). */
const BROWSER_ENTRIES = ['@wn/tensor', '@wn/autograd', '@wn/layers', '@wn/runs', '@wn/data/browser', '@wn/rl-dqn/browser'];

const work = mkdtempSync(join(realpathSync(tmpdir()), 'wn-pack-'));
if (!relative(ROOT, work).startsWith('..')) fail(`the temporary folder ${work} is inside the workspace ${ROOT}`);
const tarballDir = join(work, 'tarballs');
mkdirSync(tarballDir);

try {
  if (!args.has('--no-build')) {
    await stage('build', () => run(process.execPath, [require.resolve('turbo/bin/turbo'), 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only']));
  }
  const packed = await stage('pack', () => PACKAGES.map(packAndCheck));
  await stage('publint + attw', async () => {
    const failures = [];
    for (const { name, tarball } of packed) {
      const problems = await lintTarball(tarball);
      console.log(`${name}: ${problems.length === 0 ? 'publint clean, attw clean' : problems.join('\n  ')}`);
      if (problems.length > 0) failures.push(name);
    }
    if (failures.length > 0) fail(`publint / Are the Types Wrong found problems in ${failures.join(', ')}`);
  });
  if (!args.has('--lint-only')) {
    const project = await stage('npm install (outside the workspace)', () => installTarballs(packed));
    await stage('node: import every entry, run the example', () => run(process.execPath, ['smoke.mjs'], { cwd: project }));
    await stage('esbuild: a node bundle runs, browser bundles', () => bundle(project));
    await stage('bins --help', () => runBins(project, packed));
    await stage('tsc: node16 and bundler', async () => {
      // the two checks are independent: run them side by side
      const tsc = require.resolve('typescript/bin/tsc');
      await Promise.all(
        ['tsconfig.node16.json', 'tsconfig.bundler.json'].map(async (config) => {
          await runAsync(process.execPath, [tsc, '-p', config], project);
          console.log(`consumer.ts type-checks with ${config}`);
        }),
      );
    });
    report(packed, project);
  }
  console.log(`\n${timings.map(([name, s]) => `${name} ${s.toFixed(1)} s`).join(' · ')} · total ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  if (!(error instanceof PackInstallError)) throw error;
  console.error(`\npack-install: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (args.has('--keep')) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/** Packs one package into tarballDir and checks what the tarball holds. */
function packAndCheck({ dir, manifest }) {
  const out = pnpm(['-C', dir, 'pack', '--pack-destination', tarballDir, '--json'], { capture: true });
  const info = JSON.parse(out.slice(out.indexOf('{')));
  const tarball = info.filename;
  const files = new Set(run('tar', ['-tzf', tarball], { capture: true }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')));
  const packedManifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], { capture: true }));
  const problems = [];
  for (const required of ['LICENSE', 'README.md', 'package.json']) if (!files.has(required)) problems.push(`no ${required}`);
  for (const target of manifestTargets(packedManifest)) if (!files.has(target.replace(/^\.\//, ''))) problems.push(`${target} (named in package.json) is not in the tarball`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(packedManifest[field] ?? {})) if (/^(workspace|file|link):/.test(range)) problems.push(`${field}.${name} is ${range}`);
  }
  for (const field of ['license', 'engines', 'types', 'sideEffects', 'files']) if (packedManifest[field] === undefined) problems.push(`no "${field}" field`);
  for (const f of files) if (/(^|\/)(test|__tests__)\/|\.tsbuildinfo$|\.test\.[cm]?[jt]s$/.test(f)) problems.push(`${f} should not be published`);
  if (problems.length > 0) fail(`${manifest.name} (${tarball}):\n  ${problems.join('\n  ')}`);
  const size = statSync(tarball).size;
  console.log(`${manifest.name}: ${files.size} files, ${kib(size)} packed`);
  return { name: manifest.name, dir, tarball, size, manifest: packedManifest };
}

/** Every file path package.json names: exports (all conditions), main, types, bin. */
function manifestTargets(manifest) {
  const targets = [];
  const walk = (value) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  walk(manifest.bin);
  for (const field of ['main', 'types', 'module']) if (manifest[field]) targets.push(manifest[field]);
  return targets.filter((t) => !t.includes('*'));
}

/** A fresh npm project outside the workspace with every tarball installed; returns its path. */
function installTarballs(packed) {
  const project = join(work, 'consumer');
  mkdirSync(project);
  const fromTarball = Object.fromEntries(packed.map((p) => [p.name, `file:${relative(project, p.tarball).split(sep).join('/')}`]));
  const typesNode = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies['@types/node'];
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'wn-pack-consumer', private: true, type: 'module', dependencies: { ...fromTarball, '@types/node': typesNode }, overrides: fromTarball }, null, 2),
  );
  for (const file of readdirSync(CONSUMER_FILES)) copyFileSync(join(CONSUMER_FILES, file), join(project, file));
  // a clean npm: no workspace .npmrc above the temporary folder, the user's cache, no audit
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: project });
  for (const { name } of packed) {
    const installed = join(project, 'node_modules', name);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    if (lstatSync(installed).isSymbolicLink() || manifest.version !== packed.find((p) => p.name === name).manifest.version) fail(`${name} is not installed from its tarball`);
  }
  return project;
}

/**
 * esbuild, as a user's bundler: bundled.mjs for Node (tree-shaken with the packages'
 * `sideEffects`) must still run; each entry in BROWSER_ENTRIES must bundle for the browser (the
 * others are reported with the reason they do not bundle, e.g. a Node built-in or a missing optional peer).
 */
async function bundle(project) {
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [join(project, 'bundled.mjs')], bundle: true, platform: 'node', format: 'esm', outfile: join(project, 'bundled.out.mjs'), logLevel: 'error' });
  run(process.execPath, ['bundled.out.mjs'], { cwd: project });
  const entries = PACKAGES.flatMap(({ manifest }) => Object.keys(manifest.exports ?? {}).filter((k) => k !== './package.json' && !k.includes('*')).map((k) => manifest.name + k.slice(1)));
  for (const entry of entries) {
    const result = await esbuild
      .build({ stdin: { contents: `export * from '${entry}';`, resolveDir: project }, bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, logLevel: 'silent' })
      .then((r) => ({ bytes: r.outputFiles[0].contents.length }), (e) => ({ error: e.errors?.[0]?.text ?? String(e) }));
    if (BROWSER_ENTRIES.includes(entry) && result.error) fail(`${entry} does not bundle for the browser: ${result.error}`);
    console.log(`${entry}: ${result.error ? `no browser bundle (${result.error})` : `browser bundle ${kib(result.bytes)} minified`}`);
  }
}

function runBins(project, packed) {
  for (const { name, manifest } of packed) {
    for (const bin of Object.keys(manifest.bin ?? {})) {
      const path = join(project, 'node_modules', '.bin', bin);
      if (!existsSync(path)) fail(`npm linked no ${bin} bin for ${name}`);
      const out = run(path, ['--help'], { cwd: project, capture: true });
      if (!out.includes(`Usage: ${bin}`)) fail(`${bin} --help (from ${name}) printed no usage line:\n${out}`);
      console.log(`${bin} --help: ${out.split('\n')[0]}`);
    }
  }
}

function report(packed, project) {
  const du = (path) => Number(run('du', ['-sk', path], { capture: true }).split('\t')[0]) * 1024;
  console.log('\n| package | tarball | installed |');
  console.log('| --- | ---: | ---: |');
  for (const p of packed) console.log(`| ${p.name} | ${kib(p.size)} | ${kib(du(join(project, 'node_modules', p.name)))} |`);
  const total = packed.reduce((s, p) => s + p.size, 0);
  console.log(`| all ${packed.length} | ${kib(total)} | ${kib(du(join(project, 'node_modules', '@wn')))} |`);
  console.log(`node_modules of a project with every package (third-party dependencies and @types/node included): ${kib(du(join(project, 'node_modules')))}`);
}

function kib(bytes) {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
