/**
 * Seeding. Every layer that draws random numbers (initialization, dropout, noise) takes an
 * `rng` option: an `Rng` (shared; each draw uses a fresh stream of it) or an integer seed. Without
 * one it forks the package-wide default generator, so a model built after `manualSeed(s)` is
 * reproducible.
 */
import { Rng } from '@wn/tensor';

let defaultRng = new Rng(0);

/** Reseeds the default generator (like torch.manual_seed). */
export function manualSeed(seed: number): void {
  defaultRng = new Rng(seed);
}

/** An `Rng` from an option: the generator itself, a new one from a seed, or a fork of the default. */
export function resolveRng(rng?: Rng | number): Rng {
  if (rng instanceof Rng) return rng;
  if (typeof rng === 'number') return new Rng(rng);
  return defaultRng.fork();
}

/** A random generator, or a seed for a new one (omitted: a fork of the default generator). */
export type RngOption = Rng | number;
