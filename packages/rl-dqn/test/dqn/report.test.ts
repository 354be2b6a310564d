import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunFolderError } from '@wn/runs';
import { main } from '../../src/cli.js';
import { publishedDqnReturns, reportDqnRuns } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'wn-dqn-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A run folder as `train` leaves it (finished: model + summary; in progress: a checkpoint), its returns a function of the frame. */
function fakeRun(variant: string, seed: number, reached: number, returnAt: (frame: number) => number, evalMean: number | null) {
  const run = join(dir, 'breakout', variant, `seed-${seed}`);
  mkdirSync(run, { recursive: true });
  const settings = { env: 'MinAtar/Breakout-v0', variant, seed, frames: 500_000, evalEpisodes: 30, evalEpsilon: 0.05 };
  writeFileSync(join(run, 'config.json'), JSON.stringify({ kind: 'wn-dqn', settings }));
  const rows = [];
  for (let frame = 10_000; frame <= reached; frame += 10_000) rows.push({ frame, episodes: frame / 100, updates: frame, epsilon: 0.1, seconds: frame / 400, frames_per_second: 400, updates_per_second: 400, return_mean100: returnAt(frame) });
  writeFileSync(join(run, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  if (evalMean !== null) {
    writeFileSync(join(run, 'model.safetensors'), 'weights');
    writeFileSync(join(run, 'summary.json'), JSON.stringify({ eval_mean: evalMean }));
  } else writeFileSync(join(run, 'checkpoint.safetensors'), 'weights');
}
fakeRun('standard', 1, 500_000, (f) => f / 100_000, 9.5);
fakeRun('standard', 2, 300_000, (f) => f / 100_000 + 1, null);
fakeRun('weightnorm+init', 1, 500_000, (f) => f / 50_000, 12);

describe('wn-dqn report', () => {
  it('reads returns at equal frames per run and per variant (mean ± sd over the seeds that got there), with evaluations', () => {
    const r = reportDqnRuns(join(dir, 'breakout'));
    expect(r).toMatchObject({ runs: 3, finished: 2 });
    const lines = r.markdown.split('\n');
    expect(lines).toContain('| standard | 1 | 500k / 500k | 1.00 | 2.00 | 3.00 | 4.00 | 5.00 | 9.50 |');
    expect(lines).toContain('| standard | 2 | 300k / 500k (in progress) | 2.00 | 3.00 | 4.00 | — | — | — |');
    expect(lines).toContain('| weightnorm+init | 1 | 500k / 500k | 2.00 | 4.00 | 6.00 | 8.00 | 10.00 | 12.00 |');
    // per variant: at 100k the two standard seeds (1 and 2) give 1.5 ± 0.71; at 400k only seed 1
    expect(lines).toContain('| standard | 2 | 1.50 ± 0.71 (2) | 2.50 ± 0.71 (2) | 3.50 ± 0.71 (2) | 4.00 (1) | 5.00 (1) | 9.50 (1) |');
    expect(r.markdown).toContain("MinAtar's published DQN");
    expect(r.markdown).toContain('≈ 9 at 500k');
    const svg = new TextDecoder().decode(r.charts.find((f) => f.name === 'report-return-vs-frames.svg')!.bytes);
    expect(svg).toContain('data-name="standard"');
    expect(svg).toContain('data-name="weightnorm+init"');
    expect(svg).toContain('data-name="MinAtar DQN (published)"');
  });

  it('knows the published curve only for MinAtar games', () => {
    expect(publishedDqnReturns('MinAtar/SpaceInvaders-v1')?.[0]).toEqual([600_000, 30]);
    expect(publishedDqnReturns('CartPole-v1')).toBeNull();
  });

  it('the CLI writes report.md, report.json and the chart; refuses a folder without runs and a missing --run', async () => {
    const out = join(dir, 'out');
    expect(await main(['report', '--run', join(dir, 'breakout'), '--out', out, '--quiet'])).toBe(0);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('## MinAtar/Breakout-v0');
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))['MinAtar/Breakout-v0'].runs).toHaveLength(3);
    expect(readFileSync(join(out, 'report-return-vs-frames.png')).subarray(1, 4).toString()).toBe('PNG');
    await expect(main(['report'])).rejects.toThrow(/--run: report needs a folder of wn-dqn runs/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(main(['report', '--run', empty])).rejects.toThrow(RunFolderError);
    await expect(main(['report', '--run', empty])).rejects.toThrow(/holds no wn-dqn run/);
  });
});
