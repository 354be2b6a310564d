import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from '../src/progress.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
}

describe('progress', () => {
  it('redraws one line with \\r on a TTY, with examples/s and ETA', () => {
    let now = 0;
    const { out, stream } = sink(true);
    const p = new Progress({ total: 1000, label: '[wn]', stream, now: () => now, intervalMs: 0 });
    now = 1000;
    p.update(250, 'epoch 1/4');
    now = 2000;
    p.update(500);
    expect(out).toHaveLength(2);
    expect(out[0].startsWith('\r[wn] ')).toBe(true);
    expect(out[0]).toContain('250/1000 ex | 250 ex/s | ETA 0:03 | epoch 1/4');
    expect(out[1]).toContain(' 50% ');
    p.log('epoch done');
    expect(out.at(-1)).toBe('epoch done\n');
  });

  it('prints plain periodic lines when not a TTY', () => {
    let now = 0;
    const { out, stream } = sink(false);
    const p = new Progress({ total: 100, label: 'x', stream, now: () => now, intervalMs: 10_000 });
    for (let i = 1; i <= 100; i++) {
      now = i * 500; // 50 s in all: a line every 10 s, and one at the end
      p.update(i);
    }
    expect(out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(out.length).toBeGreaterThanOrEqual(5);
    expect(out.length).toBeLessThanOrEqual(7);
    expect(out.at(-1)).toContain('100/100');
  });

  it('formats durations', () => {
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('?');
  });
});
