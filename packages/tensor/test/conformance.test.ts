/**
 * Runs the op conformance suite (tooling/src/conformance) on every backend listed below.
 *
 * Backend owners: to add a backend, register it and append its name to BACKENDS — nothing else.
 * The gpujs and wasm backends are picked up automatically once their folder has an `index.ts`
 * exporting `createGpujsBackend` / `createWasmBackend`.
 */
import { existsSync } from 'node:fs';
import { describeConformance } from '@wn/tooling/conformance';
import { registerBackend, type Backend } from '../src/index.js';

/** Backends that run the whole suite. `reference` also runs the float64 gradchecks. */
const BACKENDS: string[] = ['reference'];

// ---- optional backends (owners: append here) ------------------------------------------------
type Factory<O> = (options?: O) => Backend;

async function optionalFactory<O>(folder: string, exportName: string): Promise<Factory<O> | undefined> {
  const url = new URL(`../src/backends/${folder}/index.ts`, import.meta.url);
  if (!existsSync(url)) return undefined;
  const mod = (await import(/* @vite-ignore */ url.href)) as Record<string, unknown>;
  return typeof mod[exportName] === 'function' ? (mod[exportName] as Factory<O>) : undefined;
}

const createGpujsBackend = await optionalFactory<{ mode: string }>('gpujs', 'createGpujsBackend');
if (createGpujsBackend) {
  for (const mode of ['cpu', 'webasm']) {
    registerBackend(`gpujs-${mode}`, () => createGpujsBackend({ mode }));
    BACKENDS.push(`gpujs-${mode}`);
  }
}
const createWasmBackend = await optionalFactory<Record<string, never>>('wasm', 'createWasmBackend');
if (createWasmBackend) {
  registerBackend('wasm', () => createWasmBackend());
  BACKENDS.push('wasm');
}
// -----------------------------------------------------------------------------------------------

for (const name of BACKENDS) describeConformance(name);
