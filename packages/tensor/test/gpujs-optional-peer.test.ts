/**
 * gpu.js is an optional peer dependency: a missing package must surface as a WnError naming it and
 * the install command, never as Node's bare "Cannot find package".
 */
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { WnError } from '../src/errors.js';
import { GPUJS_RANGE, importGpuClass } from '../src/backends/gpujs/gpu-class.js';

const require = createRequire(import.meta.url);

describe('gpu.js as an optional peer dependency', () => {
  it('names the package and its install command when the import finds no such package', async () => {
    // a real resolution failure from Node (code MODULE_NOT_FOUND), not a hand-made error
    const missing = () => Promise.resolve().then(() => require('gpu.js-not-installed-wn-test'));
    const error = await importGpuClass(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WnError);
    expect((error as Error).message).toContain('gpu.js');
    expect((error as Error).message).toContain(`npm install gpu.js@${GPUJS_RANGE}`);
    expect((error as Error).message).toContain('optional peer dependency');
  });

  it('reports a package that is there but fails to load with its cause', async () => {
    const broken = () => Promise.reject(new Error('native binding exploded'));
    await expect(importGpuClass(broken)).rejects.toThrow(/gpu\.js is installed but failed to load: native binding exploded/);
  });

  it('refuses a module without a GPU class', async () => {
    await expect(importGpuClass(() => Promise.resolve({ default: {} }))).rejects.toThrow(/no GPU class \(got undefined\)/);
  });

  it('takes GPU from the installed package (CommonJS default export)', async () => {
    const GPU = await importGpuClass(() => import('gpu.js'));
    expect(GPU).toBe(require('gpu.js').GPU);
  });

  it('createGpujsBackend without a GPU class says how to get one when gpu.js was not loaded', async () => {
    vi.resetModules();
    // fresh module state: nothing loaded yet, and no page global
    const { createGpujsBackend } = await import('../src/backends/gpujs/index.js');
    const fresh = await import('../src/errors.js');
    expect(() => createGpujsBackend({ mode: 'cpu' })).toThrow(fresh.WnError);
    expect(() => createGpujsBackend({ mode: 'cpu' })).toThrow(/import '@wn\/tensor\/gpujs'.*npm install gpu\.js/);
  });

  it('ignores a global GPU that is not gpu.js\'s (WebGPU\'s interface in browsers) and takes gpu.js\'s', async () => {
    const g = globalThis as unknown as { GPU?: unknown };
    try {
      g.GPU = class GPU {}; // what WebGPU browsers define: no createKernel
      vi.resetModules();
      const fresh = await import('../src/backends/gpujs/gpu-class.js');
      expect(() => fresh.defaultGpuClass()).toThrow(/no gpu\.js GPU class/);
      g.GPU = require('gpu.js').GPU; // gpu-browser.js as a page script
      expect(fresh.defaultGpuClass()).toBe(require('gpu.js').GPU);
    } finally {
      delete g.GPU;
    }
  });
});
