#!/usr/bin/env node
/**
 * Runs the shared conformance suite on the wasm backend inside headless Chromium, twice: in a
 * page without cross-origin isolation (no SharedArrayBuffer: tensors are plain arrays the kernels
 * copy in and out) and in one served with COOP/COEP headers (cross-origin isolated: tensors live
 * in the shared kernel memory). Prints `N passed, M failed` and exits non-zero on any failure or
 * when a page did not take the storage it should have.
 *
 *   node tooling/browser/run-wasm-chromium.mjs [--filter=text] [--chromium=/usr/bin/chromium] [--verbose]
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const CHROMIUM_FLAGS = ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

function parseArgs(argv) {
  const options = { filter: '', chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', verbose: false };
  for (const arg of argv) {
    if (arg.startsWith('--filter=')) options.filter = arg.slice('--filter='.length);
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
    () => createRequire(createRequire(createRequire(join(root, 'tooling', 'package.json')).resolve('vitest/package.json')).resolve('vite')).resolve('esbuild'),
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

/** Serves one page and the bundle from 127.0.0.1, with or without the isolation headers. */
function serve(bundle, isolated) {
  const extra = isolated ? ISOLATION_HEADERS : {};
  const server = createServer((req, res) => {
    if (req.url === '/bundle.js') res.writeHead(200, { 'Content-Type': 'text/javascript', ...extra }).end(bundle);
    else if (req.url === '/') res.writeHead(200, { 'Content-Type': 'text/html', ...extra }).end('<!doctype html><title>wn wasm checks</title><script src="/bundle.js"></script>');
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` })));
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const esbuild = await loadEsbuild();
  const { chromium } = await import('playwright-core');
  const built = await esbuild.build({
    entryPoints: [join(here, 'wasm-page-entry.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022',
    conditions: ['@wn/source'], logLevel: 'warning',
  });
  const bundle = built.outputFiles[0].text;
  const browser = await chromium.launch({ executablePath: options.chromium, args: CHROMIUM_FLAGS });
  let passed = 0, failed = 0;
  try {
    for (const isolated of [false, true]) {
      const { server, origin } = await serve(bundle, isolated);
      try {
        const page = await browser.newPage();
        page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
        await page.goto(`${origin}/`);
        const report = await page.evaluate((filter) => globalThis.wnRunWasmChecks(filter), options.filter);
        const failures = report.results.filter((r) => !r.ok);
        if (report.crossOriginIsolated !== isolated || report.tensorsInMemory !== isolated) {
          failures.push({ name: 'storage', message: `crossOriginIsolated ${report.crossOriginIsolated}, tensorsInMemory ${report.tensorsInMemory}; expected both ${isolated}` });
        }
        passed += report.results.length - failures.length;
        failed += failures.length;
        for (const f of failures) console.log(`FAIL ${isolated ? 'isolated' : 'plain'} page: ${f.name}: ${f.message}`);
        if (options.verbose) for (const r of report.results) if (r.ok) console.log(`ok   ${r.name}`);
        console.log(`${isolated ? 'cross-origin isolated page (tensors in the shared kernel memory)' : 'plain page (tensors in plain arrays, copied)'}: ` +
          `${report.results.length - failures.length}/${report.results.length} passed in ${(report.elapsedMs / 1000).toFixed(1)} s`);
        await page.close();
      } finally {
        server.close();
      }
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
