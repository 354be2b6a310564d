import { describe, expect, it } from 'vitest';
import { compareVariants, markdownTable, mean, meanCurve, rowsOf, sampleSd, sdCurve, seedSeries } from '../src/index.js';

/** A stand-in model: its curve is a function of (variant, seed), so the aggregates are known. */
const curve = (variant: string, seed: number) => [1, 2, 3].map((epoch) => ({ epoch, loss: (variant === 'a' ? 1 : 2) / epoch + seed / 100 }));

describe('compareVariants', () => {
  it('runs every variant × seed in order and aggregates over seeds', async () => {
    const jobs: string[] = [];
    const c = await compareVariants({
      variants: ['a', 'b'] as const,
      seeds: [1, 2, 3],
      runOne: async ({ variant, seed, label, index, total }) => {
        jobs.push(`${index}/${total} ${label}`);
        return { rows: curve(variant, seed), interrupted: false, extra: `${variant}${seed}` };
      },
    });
    expect(jobs).toEqual(['0/6 1/6 a seed 1', '1/6 2/6 a seed 2', '2/6 3/6 a seed 3', '3/6 4/6 b seed 1', '4/6 5/6 b seed 2', '5/6 6/6 b seed 3']);
    expect(c.finished).toEqual(['a', 'b']);
    expect(c.interrupted).toBe(false);
    expect(c.runs[4].result.extra).toBe('b2'); // the callback's own result is kept
    const m = meanCurve(rowsOf(c, 'b'));
    expect(m.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(m[1].loss).toBeCloseTo(1 + 0.02, 12);
    expect(sdCurve(rowsOf(c, 'b'))[2].loss).toBeCloseTo(0.01, 12);
  });

  it('stops at the first interrupted run; only variants with every seed done count as finished', async () => {
    const c = await compareVariants({
      variants: ['a', 'b'],
      seeds: [1, 2],
      runOne: async ({ variant, seed }) => ({ rows: curve(variant, seed).slice(0, variant === 'b' ? 1 : 3), interrupted: variant === 'b' && seed === 1 }),
    });
    expect(c.runs.map((r) => `${r.variant}${r.seed}`)).toEqual(['a1', 'a2', 'b1']);
    expect(c.finished).toEqual(['a']);
    expect(c.interrupted).toBe(true);
  });

  it('statistics: mean, sample sd, curves as long as the shortest run, fields some rows lack', () => {
    expect(mean([1, 2, 3])).toBe(2);
    expect(sampleSd([1, 2, 3])).toBe(1);
    expect(sampleSd([5])).toBe(0);
    const m = meanCurve([[{ e: 1, x: 2 }, { e: 2, x: 4 }], [{ e: 1, x: 4, ema: 1 }]]);
    expect(m).toEqual([{ e: 1, x: 3, ema: 1 }]);
    expect(markdownTable(['name', 'value'], [['a', '1']])).toBe('| name | value |\n| --- | ---: |\n| a | 1 |');
  });
});

describe('partial curves (runs still training)', () => {
  it('go as far as the longest run, each row over the runs that reached it', () => {
    const runs = [[{ x: 1, y: 2 }, { x: 2, y: 4 }, { x: 3, y: 6 }], [{ x: 1, y: 4 }]];
    expect(meanCurve(runs)).toEqual([{ x: 1, y: 3 }]);
    expect(meanCurve(runs, { partial: true })).toEqual([{ x: 1, y: 3 }, { x: 2, y: 4 }, { x: 3, y: 6 }]);
    expect(sdCurve(runs, { partial: true }).map((r) => r.y)).toEqual([Math.SQRT2, 0, 0]);
    expect(seedSeries('a', runs, 'x', 'y', { partial: true }).points).toEqual([[1, 3], [2, 4], [3, 6]]);
  });
});
