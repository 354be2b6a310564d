/**
 * Builds the site into a temp folder, serves it on 127.0.0.1 and opens every page in headless
 * Chromium (playwright-core + Debian's /usr/bin/chromium, as `pnpm test:browser`): no console
 * errors, no page errors, no failed same-origin request, and every internal link and image
 * resolves, TypeDoc's API reference included. Screenshots go to $TMPDIR/wn-docs-screenshots (printed) for a human to look at.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFile, serveStatic } from './static-server.js';

const execFileAsync = promisify(execFile);
const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let outDir = '';
let shotsDir = '';
let origin = '';
let server: Server | undefined;
let browser: Browser | undefined;

function htmlPages(dir: string): string[] {
  const pages: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.html') || entry.name === '404.html') continue;
    const page = '/' + relative(outDir, join(entry.parentPath, entry.name)).split('\\').join('/');
    // of TypeDoc's hundreds of pages, open its index (its links are checked like the others)
    if (!page.startsWith('/api/') || page === '/api/index.html') pages.push(page);
  }
  return pages.sort();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`docs site test: no Chromium at ${CHROMIUM}. Install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH.`);
  }
  outDir = mkdtempSync(join(tmpdir(), 'wn-docs-site-'));
  shotsDir = join(tmpdir(), 'wn-docs-screenshots');
  rmSync(shotsDir, { recursive: true, force: true });
  mkdirSync(shotsDir, { recursive: true });
  execFileSync(process.execPath, [join(docsDir, 'scripts', 'link-results.mjs')], { cwd: docsDir, stdio: 'pipe' });
  const vitepressBin = join(dirname(createRequire(join(docsDir, 'package.json')).resolve('vitepress/package.json')), 'bin', 'vitepress.js');
  // VitePress and TypeDoc (the API reference, which `pnpm docs:build` writes under <site>/api)
  // build side by side; TypeDoc's output then moves into the site
  const typedocBin = join(dirname(createRequire(join(docsDir, 'package.json')).resolve('typedoc/package.json')), 'bin', 'typedoc');
  const apiDir = mkdtempSync(join(tmpdir(), 'wn-docs-api-'));
  await Promise.all([
    execFileAsync(process.execPath, [vitepressBin, 'build', 'site', '--outDir', outDir], { cwd: docsDir }),
    execFileAsync(process.execPath, [typedocBin, '--out', apiDir], { cwd: docsDir }),
  ]);
  renameSync(apiDir, join(outDir, 'api'));
  ({ origin, server } = await serveStatic(outDir));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('the built documentation site', () => {
  it('opens every page without console errors, failed requests or broken internal links', async () => {
    const pages = htmlPages(outDir);
    // the guides, the three experiments, contributing and home at least
    expect(pages.length).toBeGreaterThanOrEqual(11);
    for (const required of ['/api/index.html', '/index.html', '/guide/getting-started.html', '/experiments/classify.html', '/experiments/rl-dqn.html', '/experiments/gen-vae-draw.html', '/contributing.html']) {
      expect(pages).toContain(required);
    }
    const problems: string[] = [];
    const internal = new Map<string, string>(); // target path → first page linking to it
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    for (const path of pages) {
      const page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`${path}: console error: ${m.text()} (${m.location().url})`); });
      page.on('pageerror', (e) => problems.push(`${path}: page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`${path}: request failed: ${r.url()} (${r.failure()?.errorText})`));
      page.on('response', (r) => { if (r.url().startsWith(origin) && r.status() >= 400) problems.push(`${path}: ${r.status()} for ${r.url()}`); });
      const response = await page.goto(origin + path, { waitUntil: 'load' });
      expect(response?.status(), path).toBe(200);
      await page.waitForLoadState('networkidle');
      const targets = await page.$$eval('a[href], img[src]', (els) => els.map((e) => (e instanceof HTMLAnchorElement ? e.href : (e as HTMLImageElement).src)));
      for (const target of targets) {
        if (!target.startsWith(origin)) continue;
        const targetPath = new URL(target).pathname;
        if (!internal.has(targetPath)) internal.set(targetPath, path);
      }
      // broken images show as complete with naturalWidth 0
      const brokenImages = await page.$$eval('img', (imgs) => imgs.filter((i) => i.complete && i.naturalWidth === 0).map((i) => i.getAttribute('src')));
      for (const src of brokenImages) problems.push(`${path}: image did not load: ${src}`);
      await page.screenshot({ path: join(shotsDir, `${path.slice(1).replace(/\//g, '_').replace(/\.html$/, '')}.png`), fullPage: true });
      await page.close();
    }
    await context.close();
    for (const [target, from] of internal) {
      if (!resolveFile(outDir, target)) problems.push(`${from}: broken internal link to ${target}`);
    }
    expect(internal.size).toBeGreaterThan(pages.length); // the nav and sidebar alone link every page
    expect(problems).toEqual([]);
    console.log(`docs site: ${pages.length} pages, ${internal.size} internal targets checked; screenshots in ${shotsDir}`);
  }, 180_000);

  it("every internal link and image of every built page resolves, all of TypeDoc's pages included (read from the files)", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const entry of readdirSync(outDir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.html')) continue;
      const file = join(entry.parentPath, entry.name);
      const pageUrl = new URL('/' + relative(outDir, file).split('\\').join('/'), 'http://site');
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/\s(?:href|src)="([^"]*)"/g)) {
        const url = new URL(target.replace(/&amp;/g, '&'), pageUrl);
        if (url.origin !== 'http://site') continue; // external
        checked++;
        if (!resolveFile(outDir, url.pathname)) broken.push(`${pageUrl.pathname}: ${target}`);
      }
    }
    expect(checked).toBeGreaterThan(1000); // TypeDoc's pages alone link thousands of times
    expect(broken).toEqual([]);
  });

  it('has an API reference page for every published package', () => {
    for (const pkg of ['tensor', 'autograd', 'layers', 'data', 'runs', 'classify', 'rl-dqn', 'gen-vae-draw']) {
      expect(readdirSync(join(outDir, 'api', 'modules')), pkg).toContain(`_wn_${pkg}.html`);
    }
    // the subpath entry points (from each package.json's exports), each its own module
    expect(readdirSync(join(outDir, 'api', 'modules'))).toEqual(expect.arrayContaining(['_wn_tensor._wn_tensor_gpujs.html', '_wn_runs._wn_runs_node.html']));
  });

  it('the static server refuses paths outside the site and 404s missing files', () => {
    expect(resolveFile(outDir, '/../../etc/passwd')).toBeNull();
    expect(resolveFile(outDir, '/no-such-page.html')).toBeNull();
    expect(resolveFile(outDir, '/guide/getting-started')).toMatch(/getting-started\.html$/);
  });
});
