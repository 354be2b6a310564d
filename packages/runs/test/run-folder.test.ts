import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NonFiniteLossError, RunFolderError, CorruptFileError } from '../src/index.js';
import { findRunFolders, RunFolder, readCheckpointState, readRunSettings, savedWeights } from '../src/node/index.js';
import { tinyRun as run, type TinyArgs } from './fixtures/tiny-run.js';
import { tempRoot } from './helpers.js';

const root = tempRoot('folder');
const quiet = { quiet: true } as const;
/** The tiny run with its progress lines collected instead of printed. */
const lines: string[] = [];
const tinyRun = (args: TinyArgs, options: Parameters<typeof run>[1] = {}) => run(args, { progress: { write: (s: string) => lines.push(s) }, ...options });

describe('the run folder', () => {
  it('holds config.json (settings, code version, machine, backend with FMA), metrics, checkpoint and model', async () => {
    const out = join(root, 'complete');
    const r = await tinyRun({ out, steps: 20, ...quiet });
    expect(r).toMatchObject({ steps: 20, interrupted: false });
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'config.json', 'metrics.jsonl', 'model.safetensors']);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.kind).toBe('tiny-run');
    expect(config.settings).toEqual({ steps: 20, lr: 0.05, every: 10, optimizer: 'adam' });
    expect(config.code.commit).toMatch(/^[0-9a-f]{40}$/); // this is a git checkout
    expect(config.machine.cores).toBeGreaterThan(0);
    expect(config.machine.node).toBe(process.version);
    expect(typeof config.backend.name).toBe('string');
    if (config.backend.name === 'wasm') expect(typeof config.backend.fma).toBe('boolean');
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(20);
  });

  it('refuses to start again in a folder that holds a run, and --overwrite replaces it', async () => {
    const out = join(root, 'taken');
    await tinyRun({ out, steps: 10, ...quiet });
    const model = readFileSync(join(out, 'model.safetensors'));
    const e = await tinyRun({ out, steps: 10, ...quiet }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RunFolderError);
    expect((e as Error).message).toMatch(/already holds a run \(config\.json, metrics\.jsonl, checkpoint\.safetensors, model\.safetensors\); continue it with --resume, replace it with --overwrite/);
    expect(readFileSync(join(out, 'model.safetensors')).equals(model)).toBe(true); // untouched
    const r = await tinyRun({ out, steps: 12, overwrite: true, ...quiet });
    expect(r.steps).toBe(12);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12);
  });

  it('--resume without a checkpoint is an error, not a fresh start', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await expect(tinyRun({ out: empty, resume: true, ...quiet })).rejects.toThrow(/--resume: no checkpoint\.safetensors here to continue from \(the folder holds no run\)/);
    await expect(tinyRun({ out: join(root, 'missing'), resume: true, ...quiet })).rejects.toThrow(/\(the folder does not exist\)/);
    expect(existsSync(join(root, 'missing'))).toBe(false);
    expect(readdirSync(empty)).toEqual([]);
  });

  it('--resume refuses changed settings, naming them', async () => {
    const out = join(root, 'settings');
    const stop = new AbortController();
    await tinyRun({ out, steps: 30, ...quiet }, { signal: stop.signal, log: (l) => { if (l === 'step 5') stop.abort(); } });
    await expect(tinyRun({ out, steps: 30, lr: 0.1, resume: true, ...quiet })).rejects.toThrow(/different settings \(lr: 0\.05 then, 0\.1 now\)/);
  });

  it('an interrupted run resumes to exactly the uninterrupted result', async () => {
    const straight = join(root, 'straight');
    await tinyRun({ out: straight, steps: 25, ...quiet });
    const out = join(root, 'interrupted');
    const stop = new AbortController();
    const first = await tinyRun({ out, steps: 25, ...quiet }, { signal: stop.signal, log: (l) => { if (l === 'step 13') stop.abort(); } });
    expect(first).toMatchObject({ interrupted: true, steps: 13 });
    expect(readCheckpointState(join(out, 'checkpoint.safetensors'))).toMatchObject({ step: 13 });
    const second = await tinyRun({ out, steps: 25, resume: true, ...quiet });
    expect(second).toMatchObject({ interrupted: false, steps: 25 });
    expect(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(join(straight, 'model.safetensors')))).toBe(true);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe(readFileSync(join(straight, 'metrics.jsonl'), 'utf8'));
  });

  it('a loss that becomes non-finite stops the run naming the step, and keeps the last good checkpoint', async () => {
    const out = join(root, 'diverged');
    // SGD with a learning rate far above 2/λmax: the error grows ~20× a step and overflows float32 after a dozen or so
    const e = await tinyRun({ out, steps: 200, lr: 10, optimizer: 'sgd', 'checkpoint-every': 3, ...quiet }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NonFiniteLossError);
    const at = (e as NonFiniteLossError).at.step;
    expect(at).toBeGreaterThan(3); // after at least one checkpoint
    expect((e as Error).message).toMatch(new RegExp(`the loss became (NaN|Infinity) at step ${at}; stopped before applying that update \\(the last checkpoint is kept`));
    const saved = readCheckpointState(join(out, 'checkpoint.safetensors'));
    expect(saved.step).toBe(Math.floor((at - 1) / 3) * 3); // the last multiple of 3 before the bad step
    expect((saved.losses as number[]).every(Number.isFinite)).toBe(true);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false); // no "success"
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(false);
    // and it resumes from there (with the same settings it diverges at the same step)
    const again = await tinyRun({ out, steps: 200, lr: 10, optimizer: 'sgd', 'checkpoint-every': 3, resume: true, ...quiet }).catch((x: unknown) => x);
    expect((again as NonFiniteLossError).at.step).toBe(at);
  });

  it('a corrupt checkpoint in the folder is named on --resume', async () => {
    const out = join(root, 'corrupt');
    mkdirSync(out);
    writeFileSync(join(out, 'checkpoint.safetensors'), '');
    const e = await tinyRun({ out, resume: true, ...quiet }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CorruptFileError);
    expect((e as Error).message).toBe(`${join(out, 'checkpoint.safetensors')}: the file is empty (0 bytes): an interrupted copy or a full disk? A checkpoint starts with an 8-byte header length`);
  });

  it('a folder that is a file is refused', () => {
    const f = join(root, 'file');
    writeFileSync(f, 'x');
    expect(() => RunFolder.open(f, { mode: 'new', kind: 'k', settings: {} })).toThrow(/exists and is not a folder/);
  });
});

describe('reading a run folder for evaluation', () => {
  it('savedWeights: the final model of a finished run, else the checkpoint of one in progress, else none', async () => {
    const out = join(root, 'eval-saved');
    await tinyRun({ out, steps: 10, ...quiet });
    expect(savedWeights(out)).toEqual({ file: join(out, 'model.safetensors'), finished: true });
    rmSync(join(out, 'model.safetensors'));
    expect(savedWeights(out)).toEqual({ file: join(out, 'checkpoint.safetensors'), finished: false });
    rmSync(join(out, 'checkpoint.safetensors'));
    expect(savedWeights(out)).toBeNull();
  });

  it("readRunSettings: config.json's settings, the checkpoint's before config.json exists; another program's run is refused", async () => {
    const out = join(root, 'eval-settings');
    await tinyRun({ out, steps: 10, ...quiet });
    const settings = { steps: 10, lr: 0.05, every: 10, optimizer: 'adam' };
    expect(readRunSettings(out, 'tiny-run')).toEqual(settings);
    expect(() => readRunSettings(out, 'wn-dqn')).toThrow(CorruptFileError);
    expect(() => readRunSettings(out, 'wn-dqn')).toThrow(/config\.json.*kind.*written by 'tiny-run', not by wn-dqn/);
    rmSync(join(out, 'config.json'));
    expect(readRunSettings(out, 'tiny-run')).toEqual(settings);
    expect(() => readRunSettings(out, 'wn-dqn')).toThrow(CorruptFileError);
  });

  it('findRunFolders: the runs at or below a folder (a comparison, a queue), sorted', async () => {
    const base = join(root, 'many');
    for (const d of ['b/seed-2', 'b/seed-1', 'a/seed-1']) await tinyRun({ out: join(base, d), steps: 5, ...quiet });
    mkdirSync(join(base, 'c', 'empty'), { recursive: true });
    expect(findRunFolders(base)).toEqual(['a/seed-1', 'b/seed-1', 'b/seed-2'].map((d) => join(base, d)));
    expect(findRunFolders(join(base, 'b', 'seed-1'))).toEqual([join(base, 'b', 'seed-1')]);
    expect(findRunFolders(base, { depth: 1 })).toEqual([]);
    expect(findRunFolders(base, { kind: 'tiny-run' })).toHaveLength(3);
    expect(findRunFolders(base, { kind: 'wn-dqn' })).toEqual([]); // another program's runs are left out
    writeFileSync(join(base, 'a', 'seed-1', 'config.json'), '{');
    expect(findRunFolders(base, { kind: 'wn-dqn' })).toEqual([join(base, 'a', 'seed-1')]); // its writer unreadable: kept, so opening it says why
    expect(findRunFolders(join(base, 'c'))).toEqual([]);
    expect(findRunFolders(join(base, 'nowhere'))).toEqual([]);
  });
});
