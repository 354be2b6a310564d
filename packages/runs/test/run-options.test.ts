/** The option groups every training CLI shares, and the run-folder rules they feed. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ENGINE, getBackend, setBackend } from '@wn/tensor';
import { OptionError, RunFolderError } from '../src/index.js';
import { checkComparisonFolder, formatHelp, opt, parseCommandLine, runModeOf, runOptions, runSetup, seedOptions, userPath, type CommandLineSpec } from '../src/node/index.js';

const root = mkdtempSync(join(tmpdir(), 'wn-run-options-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const OPTIONS = {
  epochs: opt.integer({ min: 1, help: 'epochs', group: 'Training' }),
  ...seedOptions({ group: 'Training', seedsCommands: ['compare'] }),
  ...runOptions({ out: 'output folder (default runs/x)', quiet: 'a line per epoch' }),
};
const CLI: CommandLineSpec<typeof OPTIONS> = { name: 'wn-test', commands: { train: 'one run', compare: 'several' }, defaultCommand: 'train', options: OPTIONS };

describe('shared run options', () => {
  const before = getBackend();
  afterEach(() => setBackend(before));

  it('declare --out, --resume, --overwrite, --backend (listing the registered backends), --threads, --quiet, --seed and --seeds', () => {
    const help = formatHelp(CLI);
    for (const flag of ['--out DIR', '--resume', '--overwrite', '--backend NAME', '--threads N', '--quiet', '--seed N', '--seeds LIST']) expect(help).toContain(flag);
    expect(help).toContain(`tensor backend (registered: ${ENGINE.registeredBackends().join(', ')})`);
    expect(help).toMatch(/--seeds LIST +several seeds[\s\S]*\[compare\]/);
    const { values } = parseCommandLine(CLI, ['compare', '--seeds', '1,2', '--out', 'x', '--resume', '--quiet', '--threads', '2']);
    expect(values).toEqual({ seeds: [1, 2], out: 'x', resume: true, quiet: true, threads: 2 });
    expect(() => parseCommandLine(CLI, ['train', '--seeds', '1,2'])).toThrow('--seeds: applies to compare, not train');
    expect(() => parseCommandLine(CLI, ['--seed', '-1'])).toThrow("--seed: expected an integer ≥ 0, got '-1'");
  });

  it('--help lines the command descriptions up after the longest command name', () => {
    const help = formatHelp({ name: 'wn-x', commands: { run: 'one', 'draw-sequence': 'two' }, options: {} });
    expect(help).toContain('\n  run            one\n  draw-sequence  two\n');
  });

  it('runSetup: the mode from --resume/--overwrite, the backend selected, contradictions and unknown backends refused', () => {
    expect(runSetup({})).toMatchObject({ mode: 'new', resume: false, overwrite: false, quiet: false, backend: before });
    expect(runSetup({ resume: true, quiet: true })).toMatchObject({ mode: 'resume', resume: true, quiet: true });
    expect(runSetup({ overwrite: true }).mode).toBe('overwrite');
    expect(() => runSetup({ resume: true, overwrite: true })).toThrow(new OptionError('--overwrite', 'and --resume contradict each other: continue the run, or replace it'));
    expect(() => runSetup({ backend: 'nope' })).toThrow(/--backend: expected one of .*reference.*, got 'nope'/);
    expect(() => runSetup({ backend: 'reference', threads: 2 })).toThrow("--threads: applies to the wasm backend, not 'reference'");
    expect(runSetup({ backend: 'reference' }).backend).toBe('reference');
    expect(getBackend()).toBe('reference');
  });

  it('runModeOf: inside a comparison a resume starts the runs that had not begun', () => {
    expect(runModeOf({ resume: true }, { comparison: true })).toBe('resume-if-present');
    expect(runModeOf({ overwrite: true }, { comparison: true })).toBe('overwrite');
    expect(runModeOf({})).toBe('new');
    expect(() => runModeOf({ resume: true, overwrite: true })).toThrow(OptionError);
  });

  it('userPath resolves against INIT_CWD (where pnpm was run), else the working folder', () => {
    const saved = process.env.INIT_CWD;
    try {
      process.env.INIT_CWD = '/somewhere/else';
      expect(userPath('runs/a')).toBe('/somewhere/else/runs/a');
      expect(userPath('/abs/b')).toBe('/abs/b');
      delete process.env.INIT_CWD;
      expect(userPath('c')).toBe(resolve(process.cwd(), 'c'));
    } finally {
      if (saved === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = saved;
    }
  });

  it('checkComparisonFolder: earlier results need --resume or --overwrite; --resume needs a checkpoint', () => {
    const out = join(root, 'cmp');
    const runs = [join(out, 'a', 'seed-1'), join(out, 'b', 'seed-1')];
    checkComparisonFolder(out, runs, {}); // nothing there yet
    expect(() => checkComparisonFolder(out, runs, { resume: true })).toThrow(RunFolderError);
    expect(() => checkComparisonFolder(out, runs, { resume: true })).toThrow(/--resume: no run of this comparison has a checkpoint.safetensors/);
    mkdirSync(runs[0], { recursive: true });
    writeFileSync(join(runs[0], 'metrics.jsonl'), '');
    expect(() => checkComparisonFolder(out, runs, {})).toThrow(/already holds results \(.*a\/seed-1\); continue with --resume, replace with --overwrite/);
    checkComparisonFolder(out, runs, { overwrite: true });
    writeFileSync(join(runs[0], 'checkpoint.safetensors'), '');
    checkComparisonFolder(out, runs, { resume: true });
    expect(() => checkComparisonFolder(out, runs, { resume: true, overwrite: true })).toThrow(/contradict/);
  });
});
