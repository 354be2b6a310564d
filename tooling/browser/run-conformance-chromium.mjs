#!/usr/bin/env node
/**
 * Runs the gpujs kernel checks inside headless Chromium (WebGL2 on SwiftShader by default):
 * bundles gpujs-page-entry.ts with esbuild, loads gpu-browser.min.js and the bundle into a page,
 * and prints `N passed, M failed`, exiting non-zero on any failure.
 *
 *   node tooling/browser/run-conformance-chromium.mjs [--modes=webgl2,webgl] [--filter=text] [--chromium=/usr/bin/chromium] [--verbose]
 *
 * --filter runs only the checks whose name contains the text.
 *
 * Needs `playwright-core` (or WN_PLAYWRIGHT_CORE=<path to its package dir>) and esbuild (found
 * directly or through tsx/vite, which depend on it).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const CHROMIUM_FLAGS = [
  '--headless=new', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];

function parseArgs(argv) {
  const options = { modes: ['webgl2'], filter: '', chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', verbose: false };
  for (const arg of argv) {
    if (arg.startsWith('--modes=')) options.modes = arg.slice('--modes='.length).split(',').filter(Boolean);
    else if (arg.startsWith('--filter=')) options.filter = arg.slice('--filter='.length);
    else if (arg.startsWith('--chromium=')) options.chromium = arg.slice('--chromium='.length);
    else if (arg === '--verbose') options.verbose = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

/** esbuild: a direct dependency if there is one, else the copy tsx or vite brings along. */
async function loadEsbuild() {
  const attempts = [
    () => createRequire(import.meta.url).resolve('esbuild'),
    () => createRequire(createRequire(join(root, 'package.json')).resolve('tsx/package.json')).resolve('esbuild'),
    () => {
      const vitest = createRequire(join(root, 'tooling', 'package.json')).resolve('vitest/package.json');
      return createRequire(createRequire(vitest).resolve('vite')).resolve('esbuild');
    },
  ];
  for (const attempt of attempts) {
    try {
      return await import(pathToFileURL(attempt()).href);
    } catch {
      // try the next location
    }
  }
  throw new Error('esbuild not found: add it as a devDependency of @wn/tooling');
}

async function loadPlaywright() {
  try {
    return await import('playwright-core');
  } catch {
    const dir = process.env.WN_PLAYWRIGHT_CORE;
    if (dir) return import(pathToFileURL(join(dir, 'index.mjs')).href);
    throw new Error('playwright-core not found: add it as a devDependency of @wn/tooling (or set WN_PLAYWRIGHT_CORE)');
  }
}

/** In the page, `gpu.js` is the global the script tag defines, not the Node package. */
const gpuGlobalShim = {
  name: 'gpu-js-global',
  setup(build) {
    build.onResolve({ filter: /^gpu\.js$/ }, () => ({ path: 'gpu.js', namespace: 'gpu-js-global' }));
    build.onLoad({ filter: /.*/, namespace: 'gpu-js-global' }, () => ({
      contents: 'export default { GPU: globalThis.GPU };',
      loader: 'js',
    }));
  },
};

async function bundleEntry(esbuild) {
  const result = await esbuild.build({
    entryPoints: [join(here, 'gpujs-page-entry.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    plugins: [gpuGlobalShim],
    // workspace packages resolve to their TypeScript sources, as in the vitest preset
    conditions: ['@wn/source'],
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

function gpuBrowserScript() {
  const pkg = createRequire(join(root, 'packages', 'tensor', 'package.json')).resolve('gpu.js/package.json');
  return readFileSync(join(dirname(pkg), 'dist', 'gpu-browser.min.js'), 'utf8');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const [esbuild, playwright] = await Promise.all([loadEsbuild(), loadPlaywright()]);
  const bundle = await bundleEntry(esbuild);
  const browser = await playwright.chromium.launch({ executablePath: options.chromium, args: CHROMIUM_FLAGS });
  let passed = 0;
  let failed = 0;
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
    if (options.verbose) page.on('console', (message) => console.log(`[page] ${message.text()}`));
    await page.setContent('<!doctype html><title>wn gpujs checks</title>');
    await page.addScriptTag({ content: gpuBrowserScript() });
    await page.addScriptTag({ content: bundle });
    for (const mode of options.modes) {
      const report = await page.evaluate(([m, filter]) => globalThis.wnRunGpujsChecks(m, filter), [mode, options.filter]);
      const failures = report.results.filter((r) => !r.ok);
      passed += report.results.length - failures.length;
      failed += failures.length;
      for (const f of failures) console.log(`FAIL ${report.backend} ${f.name}: ${f.message}`);
      if (options.verbose) for (const r of report.results) if (r.ok) console.log(`ok   ${report.backend} ${r.name}`);
      const { firstMs, steadyMs } = report.matmul512;
      console.log(
        `${report.backend}: ${report.results.length - failures.length}/${report.results.length} passed, ` +
        `${report.resident ? 'device-resident textures' : 'host arrays'}, ${report.compiledKernels} kernels, ` +
        `${(report.elapsedMs / 1000).toFixed(1)} s; matmul 512: ${firstMs.toFixed(0)} ms first, ${steadyMs.toFixed(1)} ms steady (with read)`,
      );
    }
  } finally {
    await browser.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
