/** Seeded shuffles on top of @wn/tensor's counter-based `Rng` (the one generator of the stack). */
import { WnError, type Rng } from '@wn/tensor';

/** Uniformly random permutation of 0..n-1 (Fisher–Yates), drawn from `rng`. */
export function permutation(n: number, rng: Pick<Rng, 'nextInt'>): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new WnError('permutation', `argument 'n' expected an integer in [0, 2^32 - 1], got ${n}`);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
