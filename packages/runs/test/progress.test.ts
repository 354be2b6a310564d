import { describe, expect, it } from 'vitest';
import { formatDuration, formatRate, Progress } from '../src/index.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
}

describe('progress', () => {
  it('redraws one line with \\r on a TTY, with rate and ETA once a few steps are timed', () => {
    let now = 0;
    const { out, stream } = sink(true);
    const p = new Progress({ total: 1000, label: '[wn]', stream, now: () => now, intervalMs: 0, warmupUpdates: 3 });
    // the first step is slow (compilation): 5 s for 100 examples, then 1 s per 100
    now = 5000;
    p.update(100, 'epoch 1/4');
    expect(out[0].startsWith('\r[wn] ')).toBe(true);
    expect(out[0]).toContain('100/1000 ex | … ex/s | ETA estimating | epoch 1/4');
    for (const k of [2, 3]) {
      now = 5000 + (k - 1) * 1000;
      p.update(k * 100);
      expect(out.at(-1)).toContain('ETA estimating');
      expect(p.etaText).toBe('estimating');
    }
    now = 8000;
    p.update(400);
    // 300 examples in the 3 s since the first update: 100 ex/s, 6 s left (a rate from the start would say 50 ex/s, 12 s)
    expect(out.at(-1)).toContain('400/1000 ex | 100 ex/s | ETA 0:06');
    expect(p.etaText).toBe('0:06');
    expect(out.at(-1)).toContain(' 40% ');
    p.log('epoch done');
    expect(out.at(-1)).toBe('epoch done\n');
  });

  it('without a TTY (or quiet) draws no bar: only log lines, plus a line every logEvery units', () => {
    let now = 0;
    const { out, stream } = sink(false);
    const p = new Progress({ total: 100, label: 'x', unit: 'frames', stream, now: () => now, logEvery: 25 });
    for (let i = 1; i <= 100; i++) {
      now = i * 500;
      p.update(i);
      if (i % 50 === 0) p.log(`epoch ${i / 50}`);
    }
    expect(out.every((l) => l.endsWith('\n') && !l.includes('\r') && !l.includes('█'))).toBe(true);
    expect(out.filter((l) => l.startsWith('x '))).toHaveLength(4); // at 25, 50, 75, 100 frames
    expect(out.filter((l) => l.startsWith('epoch'))).toEqual(['epoch 1\n', 'epoch 2\n']);
    expect(out.at(-2)).toContain('100/100 frames | 2.00 frames/s');

    const quiet = sink(true);
    const q = new Progress({ total: 10, label: 'q', stream: quiet.stream, quiet: true });
    for (let i = 1; i <= 10; i++) q.update(i);
    q.log('epoch 1');
    expect(quiet.out).toEqual(['epoch 1\n']);
  });

  it('a resumed run counts only the new units towards the rate', () => {
    let now = 0;
    const { stream } = sink(false);
    const p = new Progress({ total: 1000, label: 'r', stream, now: () => now, start: 600, warmupUpdates: 0 });
    now = 1000;
    p.update(610);
    now = 2000;
    p.update(620);
    expect(p.rate).toBe(10);
    expect(p.eta).toBe(38);
  });

  it('formats durations and rates', () => {
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('?');
    expect(formatRate(1234.5)).toBe('1235');
    expect(formatRate(12.34)).toBe('12.3');
    expect(formatRate(0.5)).toBe('0.50');
  });
});
