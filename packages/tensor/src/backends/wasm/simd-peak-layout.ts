/**
 * The SIMD peak probe's state layout and work per round (simd-peak.ts builds the probe). In a module of
 * their own so the package's public types, which re-export them, name no WebAssembly type (a consumer
 * compiling without the DOM library has no WebAssembly namespace).
 */

/** Independent accumulator chains per thread. */
export const SIMD_PEAK_CHAINS = 12;
/** Floats of a probe's state: m, c and the chains, four lanes each. */
export const SIMD_PEAK_STATE_FLOATS = 4 * (2 + SIMD_PEAK_CHAINS);
/** Flops of one round: a multiply and an add on four lanes per chain. */
export const SIMD_PEAK_FLOPS_PER_ITERATION = 8 * SIMD_PEAK_CHAINS;
