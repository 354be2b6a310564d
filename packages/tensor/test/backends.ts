/**
 * The backends the shared suites (conformance, PyTorch fixtures) run on, beyond the reference.
 *
 * Backend owners: to add a backend, register it here and return its name — nothing else. The
 * gpujs (modes cpu and webasm) and wasm backends are picked up automatically once their folder
 * has an `index.ts` exporting `createGpujsBackend` / `createWasmBackend`.
 */
import { existsSync } from 'node:fs';
import { registerBackend, type Backend } from '../src/index.js';

type Factory<O> = (options?: O) => Backend;

async function optionalFactory<O>(folder: string, exportName: string): Promise<Factory<O> | undefined> {
  const url = new URL(`../src/backends/${folder}/index.ts`, import.meta.url);
  if (!existsSync(url)) return undefined;
  const mod = (await import(/* @vite-ignore */ url.href)) as Record<string, unknown>;
  return typeof mod[exportName] === 'function' ? (mod[exportName] as Factory<O>) : undefined;
}

/** Registers the optional backends that exist in this checkout; returns their names. */
export async function optionalBackends(): Promise<string[]> {
  const names: string[] = [];
  const createGpujsBackend = await optionalFactory<{ mode: string }>('gpujs', 'createGpujsBackend');
  if (createGpujsBackend) {
    for (const mode of ['cpu', 'webasm']) {
      registerBackend(`gpujs-${mode}`, () => createGpujsBackend({ mode }));
      names.push(`gpujs-${mode}`);
    }
  }
  const createWasmBackend = await optionalFactory<Record<string, never>>('wasm', 'createWasmBackend');
  if (createWasmBackend) {
    registerBackend('wasm', () => createWasmBackend());
    names.push('wasm');
  }
  return names;
}
