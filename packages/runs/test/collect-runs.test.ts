import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptFileError, RunFolderError } from '../src/index.js';
import { collectRuns, groupRuns, valueAt, writeRunReport } from '../src/node/index.js';
import { tempRoot } from './helpers.js';

const root = tempRoot('collect');

/** A run folder as a program leaves it: config, metrics, and a checkpoint (running) or a model and summary (finished). */
function fakeRun(dir: string, kind: string, settings: Record<string, unknown>, rows: object[], finished: boolean) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ kind, settings }));
  writeFileSync(join(dir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(join(dir, finished ? 'model.safetensors' : 'checkpoint.safetensors'), 'weights');
  if (finished) writeFileSync(join(dir, 'summary.json'), JSON.stringify({ final: 3 }));
}

describe('collectRuns', () => {
  const dir = join(root, 'experiment');
  fakeRun(join(dir, 'weightnorm', 'seed-2'), 'prog', { variant: 'weightnorm', seed: 2 }, [{ step: 1, loss: 5 }], false);
  fakeRun(join(dir, 'weightnorm', 'seed-1'), 'prog', { variant: 'weightnorm', seed: 1 }, [{ step: 1, loss: 4 }, { step: 2, loss: 3 }], true);
  fakeRun(join(dir, 'standard', 'seed-1'), 'prog', { variant: 'standard', seed: 1 }, [{ step: 1, loss: 6 }], true);
  fakeRun(join(dir, 'other', 'seed-1'), 'another-program', { variant: 'x', seed: 1 }, [], true);
  mkdirSync(join(dir, 'empty', 'seed-9'), { recursive: true }); // no weights and no config: not a run
  // a copy of a run without its checkpoint: still a run, with its curve
  fakeRun(join(dir, 'weightnorm', 'seed-3'), 'prog', { variant: 'weightnorm', seed: 3 }, [{ step: 1, loss: 2 }], false);
  rmSync(join(dir, 'weightnorm', 'seed-3', 'checkpoint.safetensors'));

  it('finds the runs one program wrote, with settings, rows so far, summary and state', () => {
    const runs = collectRuns(dir, 'prog');
    expect(runs.map((r) => r.name)).toEqual(['standard/seed-1', 'weightnorm/seed-1', 'weightnorm/seed-2', 'weightnorm/seed-3']);
    expect(runs.map((r) => r.finished)).toEqual([true, true, false, false]);
    expect(runs[3].rows).toEqual([{ step: 1, loss: 2 }]);
    expect(runs[1].rows).toEqual([{ step: 1, loss: 4 }, { step: 2, loss: 3 }]);
    expect(runs[1].summary).toEqual({ final: 3 });
    expect(runs[2].summary).toBeNull();
    expect(runs[2].settings).toEqual({ variant: 'weightnorm', seed: 2 });
  });

  it('groups by a setting, in a given order, seeds ascending', () => {
    const groups = groupRuns(collectRuns(dir, 'prog'), 'variant', ['weightnorm', 'standard']);
    expect(groups.map((g) => [g.group, g.runs.map((r) => r.settings.seed)])).toEqual([['weightnorm', [1, 2, 3]], ['standard', [1]]]);
  });

  it('names a corrupt metrics file', () => {
    const bad = join(root, 'bad');
    fakeRun(join(bad, 'a', 'seed-1'), 'prog', { variant: 'a', seed: 1 }, [], false);
    writeFileSync(join(bad, 'a', 'seed-1', 'metrics.jsonl'), '{"step": 1}\n{not json\n');
    expect(() => collectRuns(bad, 'prog')).toThrow(CorruptFileError);
    expect(() => collectRuns(bad, 'prog')).toThrow(/metrics\.jsonl/);
  });

  it('is empty for a folder without runs, or a missing one; required, a RunFolderError names the program', () => {
    expect(collectRuns(join(root, 'nothing-here'), 'prog')).toEqual([]);
    expect(() => collectRuns(join(root, 'nothing-here'), 'prog', { required: true })).toThrow(RunFolderError);
    expect(() => collectRuns(join(root, 'nothing-here'), 'prog', { required: true })).toThrow(/holds no prog run/);
  });

  it('writeRunReport writes report.md, report.json and the charts', () => {
    const out = join(root, 'report-out');
    const names = writeRunReport(out, { markdown: '# r', json: { a: 1 }, charts: [{ name: 'c.svg', bytes: new TextEncoder().encode('<svg/>') }], runs: 1, finished: 0 });
    expect(names).toEqual(['report.md', 'report.json', 'c.svg']);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe('# r\n');
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual({ a: 1 });
    expect(readFileSync(join(out, 'c.svg'), 'utf8')).toBe('<svg/>');
  });
});

describe('valueAt', () => {
  const rows = [{ frame: 10, r: 1 }, { frame: 20, r: 2 }, { frame: 30 }, { frame: 40, r: 4 }];
  it('reads the last row at or before x, and null past the end or where the value is missing', () => {
    expect(valueAt(rows, 'frame', 'r', 20)).toBe(2);
    expect(valueAt(rows, 'frame', 'r', 25)).toBe(2);
    expect(valueAt(rows, 'frame', 'r', 30)).toBeNull();
    expect(valueAt(rows, 'frame', 'r', 40)).toBe(4);
    expect(valueAt(rows, 'frame', 'r', 50)).toBeNull();
    expect(valueAt(rows, 'frame', 'r', 5)).toBeNull();
    expect(valueAt(rows, 'frame', 'r', 45, 10)).toBe(4);
  });
});
