/**
 * Builds the site into a temp folder, serves it on 127.0.0.1 and opens every page in headless
 * Chromium (playwright-core + Debian's /usr/bin/chromium, as `pnpm test:browser`): no console
 * errors, no page errors, no failed same-origin request, and every internal link and image
 * resolves, TypeDoc's API reference included. Screenshots go to apps/docs/test-output/ (git-ignored; printed) for a
 * human to look at.
 *
 * The live demos (demo/*.vue, their Web Workers) then run under a strict Content-Security-Policy:
 * the convnet demo trains a few steps on the wasm backend and on gpu.js WebGL2 (SwiftShader) and
 * both parameterizations' losses must go down; the DQN demo plays a few thousand CartPole frames.
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
import { cspHeaders } from './csp.js';
import { resolveFile, serveStatic } from './static-server.js';

const execFileAsync = promisify(execFile);
const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// SwiftShader gives the gpu.js demo WebGL2 without a GPU (as `pnpm test:browser`)
const FLAGS = ['--headless=new', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

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
  shotsDir = join(docsDir, 'test-output');
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

// ---- the live demos ------------------------------------------------------------------------------

/** What the demos may use: 'self', plus 'wasm-unsafe-eval' (the wasm backend); never 'unsafe-eval'. */
const STRICT_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  // VitePress's theme: inline style attributes and data: icons
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
};
const NO_WASM_POLICY = { ...STRICT_POLICY, 'script-src': ["'self'"] };

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

interface ConvnetState {
  activeBackend: string;
  step: number;
  running: boolean;
  stepsPerSecond: number;
  msPerStep: Record<string, number>;
  losses: Record<string, [number, number][]>;
  accuracy: Record<string, [number, number][]>;
  errors: string[];
  degradedKernels: string[];
}

describe('the live demos (under a strict Content-Security-Policy)', () => {
  const servers: Server[] = [];
  let strictOrigin = '';
  let noWasmOrigin = '';

  beforeAll(async () => {
    const strict = await serveStatic(outDir, { headers: cspHeaders(STRICT_POLICY) });
    const noWasm = await serveStatic(outDir, { headers: cspHeaders(NO_WASM_POLICY) });
    servers.push(strict.server, noWasm.server);
    strictOrigin = strict.origin;
    noWasmOrigin = noWasm.origin;
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** Opens a page, collecting console errors, page errors and failed requests (the worker's included). */
  async function open(url: string) {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`); });
    const response = await page.goto(url, { waitUntil: 'networkidle' });
    expect(response?.status(), url).toBe(200);
    return { page, problems };
  }

  /** Runs the convnet demo for `steps` steps on `backend` and returns its state. */
  async function runConvnet(origin: string, backend: string, steps: number, shot: string) {
    const { page, problems } = await open(`${origin}/demo/index.html`);
    await page.selectOption('[data-testid=backend]', backend);
    await page.selectOption('[data-testid=batch]', '16');
    await page.selectOption('[data-testid=eval-images]', '128');
    await page.fill('[data-testid=max-steps]', String(steps));
    const started = Date.now();
    await page.click('[data-testid=start]');
    // while it trains, the page answers at once: a zero-delay timeout on the main thread fires
    // within a few milliseconds (training on the main thread would hold it for a whole step)
    await page.waitForFunction(() => {
      const s = (window as unknown as { wnConvnetDemo: ConvnetState }).wnConvnetDemo;
      return s.step >= 1 || s.errors.length > 0;
    }, null, { timeout: 150_000, polling: 100 });
    const delays: number[] = [0];
    const training = await page.evaluate(() => (window as unknown as { wnConvnetDemo: ConvnetState }).wnConvnetDemo.running);
    for (let k = 0; training && k < 5; k++) {
      delays.push(await page.evaluate(() => new Promise<number>((resolve) => { const t = performance.now(); setTimeout(() => resolve(performance.now() - t), 0); })));
      await page.waitForTimeout(100);
    }
    await page.waitForFunction(() => {
      const s = (window as unknown as { wnConvnetDemo?: ConvnetState }).wnConvnetDemo;
      return !!s && (s.errors.length > 0 || (!s.running && s.step > 0));
    }, null, { timeout: 150_000, polling: 250 });
    const seconds = (Date.now() - started) / 1000;
    const state = await page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { wnConvnetDemo: ConvnetState }).wnConvnetDemo)) as ConvnetState);
    await page.screenshot({ path: join(shotsDir, shot), fullPage: true });
    await page.close();
    return { state, problems, seconds, maxDelay: Math.max(...delays) };
  }

  function expectLossesDown(state: ConvnetState, steps: number, k: number): string {
    const report: string[] = [];
    for (const variant of ['standard', 'weightnorm+init']) {
      const losses = state.losses[variant].map(([, loss]) => loss);
      expect(losses, variant).toHaveLength(steps);
      expect(losses.every(Number.isFinite), variant).toBe(true);
      const first = mean(losses.slice(0, k));
      const last = mean(losses.slice(-k));
      expect(last, `${variant}: mean loss of the last ${k} steps vs the first ${k}`).toBeLessThan(first - 0.1);
      expect(state.accuracy[variant].length, variant).toBeGreaterThanOrEqual(2); // before training and at the end
      report.push(`${variant} ${first.toFixed(3)} → ${last.toFixed(3)}, accuracy ${(100 * state.accuracy[variant].at(-1)![1]).toFixed(0)}%, ${(1000 / state.msPerStep[variant]).toFixed(1)} steps/s alone`);
    }
    return report.join('; ');
  }

  it('the convnet demo trains on wasm: both parameterizations\' losses go down', async () => {
    const steps = 40;
    const { state, problems, seconds } = await runConvnet(strictOrigin, 'wasm', steps, 'demo-convnet-wasm.png');
    expect(state.errors).toEqual([]);
    expect(state.activeBackend).toBe('wasm');
    expect(state.step).toBe(steps);
    const report = expectLossesDown(state, steps, 10);
    expect(state.stepsPerSecond).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    console.log(`convnet demo, wasm: ${steps} steps in ${seconds.toFixed(1)} s, ${state.stepsPerSecond.toFixed(1)} steps/s (both models); ${report}`);
  }, 180_000);

  it('the convnet demo trains on gpu.js WebGL2 (SwiftShader), without \'wasm-unsafe-eval\': both losses go down', async () => {
    const steps = 12;
    const { state, problems, seconds, maxDelay } = await runConvnet(noWasmOrigin, 'gpujs-webgl2', steps, 'demo-convnet-gpujs-webgl2.png');
    // a step takes seconds on SwiftShader; the page's main thread stays free (the worker trains)
    expect(maxDelay).toBeLessThan(250);
    expect(state.errors).toEqual([]);
    expect(state.activeBackend).toBe('gpujs-webgl2');
    expect(state.degradedKernels).toEqual([]); // every kernel ran as a shader
    expect(state.step).toBe(steps);
    const report = expectLossesDown(state, steps, 4);
    expect(problems).toEqual([]);
    console.log(`convnet demo, gpujs-webgl2: ${steps} steps in ${seconds.toFixed(1)} s (shader compiles included), ${state.stepsPerSecond.toFixed(2)} steps/s (both models); ${report}`);
  }, 180_000);

  it('without \'wasm-unsafe-eval\' the wasm backend fails with a message naming the directive', async () => {
    const { state, problems } = await runConvnet(noWasmOrigin, 'wasm', 5, 'demo-convnet-wasm-refused.png');
    expect(state.step).toBe(0);
    expect(state.errors).toHaveLength(1);
    expect(state.errors[0]).toMatch(/CompileError: WebAssembly\.Module\(\).*Content Security Policy.*needs script-src 'wasm-unsafe-eval'/s);
    // the only console error is the worker's report of that failure
    expect(problems.every((p) => /CompileError/.test(p)), problems.join('\n')).toBe(true);
  }, 60_000);

  it('the DQN demo plays CartPole until stopped: frames, updates and episodes advance, the canvas shows the cart', async () => {
    const { page, problems } = await open(`${strictOrigin}/demo/cartpole.html`);
    await page.fill('[data-testid=max-frames]', '0'); // until stopped
    const started = Date.now();
    await page.click('[data-testid=start]');
    await page.waitForFunction(() => (window as unknown as { wnCartpoleDemo: { frame: number } }).wnCartpoleDemo.frame >= 2000, null, { timeout: 120_000, polling: 100 });
    await page.click('[data-testid=stop]');
    await page.waitForFunction(() => !(window as unknown as { wnCartpoleDemo: { running: boolean } }).wnCartpoleDemo.running, null, { timeout: 30_000, polling: 100 });
    const seconds = (Date.now() - started) / 1000;
    type CartpoleState = { activeBackend: string; frame: number; updates: number; framesPerSecond: number; returns: [number, number][]; errors: string[] };
    const read = () => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { wnCartpoleDemo: unknown }).wnCartpoleDemo)) as CartpoleState);
    const state = await read();
    expect(state.errors).toEqual([]);
    expect(state.activeBackend).toBe('wasm');
    expect(state.frame).toBeGreaterThanOrEqual(2000);
    await page.waitForTimeout(500);
    expect((await read()).frame).toBe(state.frame); // stopped means stopped
    // the quick preset: one update every 2 frames from frame 1000 (frames 1000, 1002, …)
    expect(state.updates).toBe(Math.floor(state.frame / 2) - 499);
    expect(state.returns.length).toBeGreaterThan(20); // early episodes last ~20 frames (ε starts at 1)
    expect(state.returns.every(([, r]) => r >= 1 && r <= 500)).toBe(true);
    expect(state.framesPerSecond).toBeGreaterThan(0);
    // the env's render() reached the canvas: the black cart (50 × 30 px) is there
    const dark = await page.$eval('canvas', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 600, 400).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] === 255 && d[i] < 40 && d[i + 1] < 40 && d[i + 2] < 40) n++;
      return n;
    });
    expect(dark).toBeGreaterThan(50 * 30 * 0.8);
    await page.screenshot({ path: join(shotsDir, 'demo-cartpole-wasm.png'), fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
    const returns = state.returns.map(([, r]) => r);
    console.log(`DQN demo, wasm: ${state.frame} frames in ${seconds.toFixed(1)} s, ${state.framesPerSecond.toFixed(0)} frames/s, ${returns.length} episodes, mean return of the last 10 ${mean(returns.slice(-10)).toFixed(1)}`);
  }, 150_000);

  it('the demo pages are linked from the nav, the sidebar and the home page', async () => {
    const { page, problems } = await open(`${origin}/index.html`);
    const links = await page.$$eval('a[href]', (as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
    expect(links).toContain('/demo/');
    expect(links).toContain('/demo/cartpole.html');
    await page.close();
    expect(problems).toEqual([]);
  });
});
