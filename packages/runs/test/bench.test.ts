import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WnError } from '@wn/tensor';
import { BENCH_FORMAT, benchMode, benchPoints, CorruptFileError, parseBenchResults, type BenchResults } from '../src/index.js';
import { BENCH_RESULTS_FILE, finishBench, startBench } from '../src/node/index.js';
import { tempRoot } from './helpers.js';

const root = tempRoot('bench');

const experiment = {
  id: 'toy', title: 'Toy', settings: '2 epochs', metric: 'test error', better: 'lower' as const, stepLabel: 'epoch', throughputUnit: 'images/s',
  series: [{ name: 'standard', throughput: 120, points: [{ step: 1, seconds: 1.5, value: 0.4 }, { step: 2, seconds: 3, value: 0.3 }] }],
};

describe('benchMode', () => {
  it('defaults to quick and accepts quick and paper', () => {
    expect(benchMode(undefined)).toBe('quick');
    expect(benchMode('')).toBe('quick');
    expect(benchMode('paper')).toBe('paper');
  });
  it('names WN_BENCH_MODE and the bad value', () => {
    expect(() => benchMode('fast')).toThrow(WnError);
    expect(() => benchMode('fast')).toThrow(/WN_BENCH_MODE expected one of quick, paper, got 'fast'/);
  });
});

describe('bench results', () => {
  it('finishBench writes a file that parseBenchResults reads back unchanged, with the machine and load', () => {
    const dir = join(root, 'pkg');
    const run = startBench('@wn/toy', 'quick');
    const written = finishBench(run, dir, [experiment], [{ title: 'speed', columns: ['game', 'steps/s'], rows: [['A', 1000]] }]);
    const text = readFileSync(join(dir, BENCH_RESULTS_FILE), 'utf8');
    const read = parseBenchResults(text, 'bench.json');
    expect(read).toEqual(written);
    expect(read.format).toBe(BENCH_FORMAT);
    expect(read.machine.cores).toBeGreaterThan(0);
    expect(read.machine.loadavg.start).toHaveLength(3);
    expect(read.wallSeconds).toBeGreaterThanOrEqual(0);
  });

  it('refuses a wrong format, a bad mode and a non-numeric point, naming the field', () => {
    const good: BenchResults = {
      format: BENCH_FORMAT, package: '@wn/toy', mode: 'quick', date: 'd', wallSeconds: 1,
      machine: { cpu: 'c', cores: 2, node: 'v20', backend: 'wasm', threads: 2, relaxedSimd: null, loadavg: { start: [1, 1, 1], end: [1, 1, 1] } },
      experiments: [experiment], tables: [],
    };
    const bad = (patch: (o: Record<string, unknown>) => void) => {
      const o = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
      patch(o);
      return () => parseBenchResults(JSON.stringify(o), 'x.json');
    };
    expect(parseBenchResults(JSON.stringify(good), 'x.json')).toEqual(good);
    expect(bad((o) => { o.format = 'other/1'; })).toThrow(CorruptFileError);
    expect(bad((o) => { o.mode = 'slow'; })).toThrow(/mode/);
    expect(bad((o) => { (o.experiments as { series: { points: { value: unknown }[] }[] }[])[0].series[0].points[1].value = 'x'; })).toThrow(/experiments\[0\]\.series\[0\]\.points\[1\]\.value/);
    expect(() => parseBenchResults('{', 'x.json')).toThrow(CorruptFileError);
  });
});

describe('benchPoints', () => {
  it('maps rows to (step, seconds, value) and leaves out rows without a value', () => {
    const rows = [{ frame: 100, seconds: 1, ret: undefined }, { frame: 200, seconds: 2, ret: 9 }, { frame: 300, seconds: 3, ret: NaN }, { frame: 400, seconds: 4, ret: 12 }];
    expect(benchPoints(rows, 'frame', 'ret')).toEqual([{ step: 200, seconds: 2, value: 9 }, { step: 400, seconds: 4, value: 12 }]);
  });
});
