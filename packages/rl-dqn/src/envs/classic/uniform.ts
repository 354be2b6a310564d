import type { Rng } from '@wn/tensor';

/** numpy's `uniform(low, high)`: low + (high − low)·u, u uniform in [0, 1). */
export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng.nextFloat();
}
