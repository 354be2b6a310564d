/**
 * Generator positions for a checkpoint's state bag. Every `Rng` a module holds in a field (the
 * `rng` of Dropout and GaussianNoise, or a user module's own) is named by its dotted path
 * (`drop1.rng`), like a state-dict entry; its position is plain JSON (`{ seed, stream }`). Kept
 * apart from `stateDict()`, which stays PyTorch-compatible.
 */
import { Rng, WnError, type RngState } from '@wn/tensor';
import type { Module } from './module.js';

/** Generator positions by dotted field path. */
export type RandomState = Record<string, RngState>;

function generators(model: Module): { path: string; owner: Record<string, unknown>; field: string; rng: Rng }[] {
  const out: { path: string; owner: Record<string, unknown>; field: string; rng: Rng }[] = [];
  for (const [path, m] of model.namedModules()) {
    for (const [field, v] of Object.entries(m)) if (v instanceof Rng) out.push({ path: path ? `${path}.${field}` : field, owner: m as unknown as Record<string, unknown>, field, rng: v });
  }
  return out;
}

/** The position of every generator in the model (empty when it has none). */
export function randomState(model: Module): RandomState {
  const out: RandomState = {};
  for (const { path, rng } of generators(model)) out[path] = rng.state();
  return out;
}

/**
 * Restores positions saved by `randomState` (after a JSON round trip, say). Strict: a missing or
 * unexpected path, or a malformed position, is a WnError naming it, and nothing changes unless
 * every entry checks out. Layers that share one generator keep sharing one (their saved positions
 * must agree).
 */
export function loadRandomState(model: Module, state: unknown): void {
  if (!state || typeof state !== 'object' || Array.isArray(state)) {
    throw new WnError('loadRandomState', `expected an object of generator positions by path, got ${state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state}`);
  }
  const saved = state as Record<string, unknown>;
  const gens = generators(model);
  const paths = new Set(gens.map((g) => g.path));
  const missing = gens.map((g) => g.path).filter((p) => !Object.hasOwn(saved, p));
  const unexpected = Object.keys(saved).filter((p) => !paths.has(p));
  if (missing.length || unexpected.length) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing ${missing.map((p) => `'${p}'`).join(', ')}`);
    if (unexpected.length) parts.push(`unexpected ${unexpected.map((p) => `'${p}'`).join(', ')}`);
    throw new WnError('loadRandomState', `the saved generators do not match the model's: ${parts.join('; ')}`);
  }
  const restored = new Map<Rng, { rng: Rng; path: string }>();
  for (const { path, rng } of gens) {
    let next: Rng;
    try {
      next = Rng.fromState(saved[path]);
    } catch (e) {
      throw new WnError('loadRandomState', `'${path}': ${(e as Error).message}`);
    }
    const shared = restored.get(rng);
    if (!shared) restored.set(rng, { rng: next, path });
    else if (shared.rng.state().seed !== next.state().seed || shared.rng.state().stream !== next.state().stream) {
      throw new WnError('loadRandomState', `'${path}' and '${shared.path}' share one generator but were saved at different positions`);
    }
  }
  for (const { owner, field, rng } of gens) owner[field] = restored.get(rng)!.rng;
}
