/**
 * Switching the worker's tensor backend. wasm is @wn/tensor's default. gpu.js is an optional peer
 * of @wn/tensor: `import('@wn/tensor/gpujs')` loads it (the site's Vite config points `gpu.js` at
 * its browser build) and registers its CPU modes; its WebGL2 backend registers itself only where
 * a `document` offers WebGL2, so in a worker (an OffscreenCanvas) the demo registers it here.
 */
import { getBackend, registerBackend, setBackend } from '@wn/tensor';
import type { DemoBackend } from './protocol.js';

let gpujsRegistered = false;

/** Makes `name` the current backend and returns the name of the backend actually running. */
export async function useBackend(name: DemoBackend): Promise<string> {
  if (name === 'gpujs-webgl2' && !gpujsRegistered) {
    const { createGpujsBackend } = await import('@wn/tensor/gpujs');
    if (typeof OffscreenCanvas === 'undefined' || !new OffscreenCanvas(1, 1).getContext('webgl2')) {
      throw new Error('this browser offers no WebGL2 to a Web Worker (OffscreenCanvas), which the gpu.js backend needs here');
    }
    registerBackend('gpujs-webgl2', () => createGpujsBackend({ mode: 'webgl2' }), -1);
    gpujsRegistered = true;
  }
  setBackend(name);
  return getBackend();
}

/** The message of an error thrown in the worker, with a hint when a Content-Security-Policy blocked code generation. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (/unsafe-eval|Content Security Policy|CompileError.*(?:disallowed|refused)/i.test(message)) {
    return `${message} — blocked by the page's Content-Security-Policy: the wasm backend needs script-src 'wasm-unsafe-eval' (gpu.js WebGL2 needs nothing more than 'self'; see "Content-Security-Policy" below)`;
  }
  return message;
}
