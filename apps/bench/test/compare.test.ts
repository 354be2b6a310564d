import { WnError } from '@wn/tensor';
import { describe, expect, it } from 'vitest';
import {
  MIN_PAIRS, TARGETS, compare, fasterLayout, invalidPeerReason, median, medianPairRatio, pairRatios, referenceThreads, verdict, verdictLine, weightNormCostLine,
  type TorchTimes,
} from '../src/compare.js';

const times = (threads: number, byLayout: Record<string, number[]>): TorchTimes => ({ threads, byLayout });
const repeat = (n: number, v: number) => Array.from({ length: n }, () => v);

describe('median and pair ratios', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(WnError);
  });

  it('is the median of the per-pair ratios, not the ratio of the medians', () => {
    // a load spike in pair 3 slows both sides; per-pair ratios see 2, 2, 2; the medians' ratio would not
    const wn = [20, 22, 80, 21, 19];
    const torch = [10, 11, 40, 10.5, 9.5];
    expect(pairRatios(wn, torch)).toEqual([2, 2, 2, 2, 2]);
    expect(medianPairRatio(wn, torch)).toBe(2);
    // here the two differ: medians 3 and 1 give 3, the pair ratios 1, 1, 10 give 1
    expect(medianPairRatio([1, 3, 10], [1, 3, 1])).toBe(1);
    expect(median([1, 3, 10]) / median([1, 3, 1])).toBe(3);
  });

  it('refuses sides of different lengths and times that are not positive and finite', () => {
    expect(() => pairRatios([1, 2], [1])).toThrow(/one time per pair, got 2 and 1/);
    expect(() => pairRatios([1, 0], [1, 1])).toThrow(/positive finite times, got 0 at index 1/);
    expect(() => pairRatios([1, 1], [NaN, 1])).toThrow(/got NaN at index 0/);
    expect(() => pairRatios([], [])).toThrow(/at least one time/);
  });
});

describe('layouts and thread counts', () => {
  it('picks the layout with the lower median', () => {
    const t = times(2, { contiguous: [50, 52, 49], channels_last: [41, 43, 60] });
    expect(fasterLayout(t)).toEqual({ layout: 'channels_last', medianMs: 43 });
    expect(() => fasterLayout(times(1, {}))).toThrow(/no PyTorch times at 1 thread/);
  });

  it('compares @wn with each layout and headlines the faster', () => {
    const wn = repeat(MIN_PAIRS, 120);
    const c = compare('W2', 2, wn, times(2, { contiguous: repeat(MIN_PAIRS, 60), channels_last: repeat(MIN_PAIRS, 40) }));
    expect(c.layout).toBe('channels_last');
    expect(c.ratio).toBe(3);
    expect(c.ratioByLayout).toEqual({ contiguous: 2, channels_last: 3 });
    expect(c.pairs).toBe(MIN_PAIRS);
  });

  it('compares tiny workloads with PyTorch at its faster thread count, others at the same count', () => {
    const torch = [times(2, { contiguous: [2.0, 2.1] }), times(1, { contiguous: [1.5, 1.6] })];
    expect(referenceThreads('W5', 2, torch)).toBe(1);
    expect(referenceThreads('W6', 1, [times(2, { contiguous: [0.5] }), times(1, { contiguous: [0.8] })])).toBe(2);
    expect(referenceThreads('W3', 2, torch)).toBe(2);
  });
});

describe('the invalid-peer rule', () => {
  it('marks W2–W4 invalid when PyTorch at 2 threads is slower than at 1', () => {
    const slow2 = [times(2, { contiguous: [64] }), times(1, { contiguous: [6.2] })];
    expect(invalidPeerReason('W3', slow2)).toMatch(/PyTorch at 2 threads was slower than at 1 \(64\.0 vs 6\.2 ms\/step\)/);
    for (const id of ['W2', 'W2-WN', 'W4', 'W7', 'W8']) expect(invalidPeerReason(id, slow2)).toBeDefined();
  });

  it('accepts a run where the second thread helps, and judges each thread count on its faster layout', () => {
    expect(invalidPeerReason('W4', [times(2, { contiguous: [58] }), times(1, { contiguous: [90] })])).toBeUndefined();
    // contiguous at 2 threads is slower than 1 thread's best, but channels_last at 2 threads is faster
    const w2 = [times(2, { contiguous: [80], channels_last: [41] }), times(1, { contiguous: [72], channels_last: [75] })];
    expect(invalidPeerReason('W2', w2)).toBeUndefined();
  });

  it('does not apply to tiny workloads or runs with a single thread count', () => {
    const slow2 = [times(2, { contiguous: [3] }), times(1, { contiguous: [1.5] })];
    expect(invalidPeerReason('W5', slow2)).toBeUndefined();
    expect(invalidPeerReason('W3', [times(1, { contiguous: [6] })])).toBeUndefined();
  });
});

describe('target verdicts', () => {
  const valid = [times(2, { contiguous: repeat(12, 4.3) }), times(1, { contiguous: repeat(12, 6.1) })];
  const w3 = (wnMs: number) => compare('W3', 2, repeat(12, wnMs), valid[0]);

  it('is met at or below the target and not met above it', () => {
    expect(TARGETS.W3).toBe(2.5);
    const met = verdict(w3(4.3 * 2.5), TARGETS.W3, valid);
    expect(met).toEqual({ status: 'met', target: 2.5, ratio: 2.5 });
    const missed = verdict(w3(4.3 * 2.6), TARGETS.W3, valid);
    expect(missed.status).toBe('not met');
    expect(missed.ratio).toBeCloseTo(2.6, 12);
  });

  it('is invalid, without a ratio, on fewer than MIN_PAIRS pairs', () => {
    const c = compare('W3', 2, repeat(MIN_PAIRS - 1, 5), times(2, { contiguous: repeat(MIN_PAIRS - 1, 4) }));
    const v = verdict(c, TARGETS.W3, valid);
    expect(v.status).toBe('invalid');
    expect(v.ratio).toBeUndefined();
    expect(v.reason).toBe(`only ${MIN_PAIRS - 1} pairs (at least ${MIN_PAIRS} needed)`);
  });

  it('is invalid when PyTorch at 2 threads was slower than at 1, even with a ratio that would meet the target', () => {
    const oversubscribed = [times(2, { contiguous: repeat(12, 64) }), times(1, { contiguous: repeat(12, 6.2) })];
    const c = compare('W3', 2, repeat(12, 23), oversubscribed[0]);
    expect(c.ratio).toBeLessThan(1);
    const v = verdict(c, TARGETS.W3, oversubscribed);
    expect(v.status).toBe('invalid');
    expect(v.reason).toMatch(/slower than at 1/);
    expect(verdictLine(c, v)).toMatch(/^W3 ≤ 2\.5× PyTorch at 2 threads: INVALID — .*not a verdict/);
  });

  it('is invalid for an extra reason (e.g. the wrong BLAS)', () => {
    const v = verdict(w3(5), TARGETS.W3, valid, 'PyTorch did not run on the OpenMP OpenBLAS');
    expect(v).toEqual({ status: 'invalid', target: 2.5, reason: 'PyTorch did not run on the OpenMP OpenBLAS' });
  });

  it('says the ratio, the layouts and the verdict in one line', () => {
    const oneThread = times(1, { contiguous: repeat(12, 100), channels_last: repeat(12, 75) });
    const c = compare('W2', 1, repeat(12, 300), oneThread);
    const v = verdict(c, TARGETS.W2, [times(2, { contiguous: repeat(12, 50) }), oneThread]);
    expect(v.status).toBe('not met');
    expect(verdictLine(c, v)).toBe('W2 ≤ 3× PyTorch at 1 thread: 4.00× vs PyTorch 1t channels_last (median of 12 pair ratios) (3.00× vs contiguous, 4.00× vs channels_last) — NOT MET');
  });
});

describe('weightNormCostLine', () => {
  const c = (workload: string, ratio: number, pairs = 12, wnThreads = 2) =>
    ({ workload, wnThreads, torchThreads: 1, layout: 'contiguous', pairs, ratio, ratioByLayout: { contiguous: ratio } });
  it('divides the weight-norm variant\'s paired ratio by the standard one\'s: at most 1 is met', () => {
    expect(weightNormCostLine(c('W5', 0.8), c('W5-WN', 0.72))).toMatch(/W5-WN 0\.72× \/ W5 0\.80× = 0\.90 — MET$/);
    expect(weightNormCostLine(c('W6', 1.2), c('W6-WN', 1.5))).toMatch(/= 1\.25 — NOT MET$/);
  });
  it('is invalid with too few pairs and refuses different thread counts', () => {
    expect(weightNormCostLine(c('W5', 0.8, 12), c('W5-WN', 0.7, 9))).toMatch(/INVALID \(fewer than 10 pairs\)$/);
    expect(() => weightNormCostLine(c('W5', 0.8, 12, 1), c('W5-WN', 0.7, 12, 2))).toThrow(/1 threads.*2/);
  });
});
