/**
 * The options every training CLI shares, declared once: where a run is written and how
 * (`--out`, `--resume`, `--overwrite`, `--quiet`), what it computes with (`--backend`,
 * `--threads`), and its seeds (`--seed`, `--seeds`). `runSetup` turns the parsed values into the
 * run-folder mode and selects the backend; `runModeOf` and `checkComparisonFolder` are the rules
 * a trainer and a comparison apply to their folders.
 */
import { join, resolve } from 'node:path';
import { createWasmBackend, ENGINE, getBackend, registerBackend, setBackend } from '@wn/tensor';
import { OptionError, RunFolderError } from '../errors.js';
import type { ProgressSink } from '../progress.js';
import { opt, type OptionSpec } from './options.js';
import { hasCheckpoint, RUN_FILES, runFilesIn, type RunMode } from './run-folder.js';

/** The --help section of the run options. */
export const RUN_GROUP = 'Run';

/** The help lines a CLI words for itself (the rest are shared). */
export interface RunOptionHelp {
  /** what --out is and its default, e.g. 'output folder (default: runs/<model>-…)' */
  out: string;
  /** help of --resume (default: continue from the checkpoints in --out) */
  resume?: string;
  /** help of --overwrite (default: replace the results in --out) */
  overwrite?: string;
  /** what --quiet leaves (e.g. 'a line per epoch') */
  quiet?: string;
  /** the help section these options are listed under (default `RUN_GROUP`) */
  group?: string;
}

/** `--out`, `--resume`, `--overwrite`, `--backend`, `--threads`, `--quiet`, in that order. */
export function runOptions(help: RunOptionHelp) {
  const group = help.group ?? RUN_GROUP;
  const backend: OptionSpec<string> = {
    ...opt.string({ group, valueName: 'NAME', help: '' }),
    // read when --help is printed: backends registered after this table was built are listed too
    get help() {
      return `tensor backend (registered: ${ENGINE.registeredBackends().join(', ')})`;
    },
  };
  return {
    out: opt.string({ group, valueName: 'DIR', nonEmpty: true, help: help.out }),
    resume: opt.flag({ group, help: help.resume ?? 'continue from the checkpoints in --out (an error when there are none)' }),
    overwrite: opt.flag({ group, help: help.overwrite ?? 'start again in an --out that already holds results, replacing them (without it: refused)' }),
    backend,
    threads: opt.integer({ group, min: 1, help: 'worker threads for the wasm backend (default: one per core, at most 4)' }),
    quiet: opt.flag({ group, help: `no progress bar, as when stderr is not a terminal: ${help.quiet ?? 'a line per epoch'}` }),
  };
}

/** `--seed` and `--seeds` (the latter only for the commands that run several). */
export function seedOptions(options: { group: string; seedsCommands: readonly string[]; seedsHelp?: string; seedHelp?: string }) {
  return {
    seed: opt.integer({ group: options.group, min: 0, help: options.seedHelp ?? 'random seed (default 1)' }),
    seeds: opt.list(opt.integer({ min: 0, help: '' }), { group: options.group, commands: options.seedsCommands, help: options.seedsHelp ?? 'several seeds, comma-separated (curves are averaged, with a ± sd band)' }),
  };
}

/** The parsed values of `runOptions` (each undefined when not given). */
export interface RunOptionValues {
  /** --out: the run (or comparison) folder */
  out?: string;
  /** --resume: continue from the folder's checkpoint */
  resume?: boolean;
  /** --overwrite: replace the folder's results */
  overwrite?: boolean;
  /** --backend: a registered tensor backend */
  backend?: string;
  /** --threads: worker threads of the wasm backend */
  threads?: number;
  /** --quiet: no progress bar */
  quiet?: boolean;
}

/** Whether to continue a run or replace one; both at once is a contradiction. */
export interface RunFlags {
  /** continue from a checkpoint */
  resume?: boolean;
  /** replace earlier results */
  overwrite?: boolean;
}

function checkFlags(flags: RunFlags): void {
  if (flags.resume && flags.overwrite) throw new OptionError('--overwrite', 'and --resume contradict each other: continue the run, or replace it');
}

/**
 * The mode a run folder opens in: `resume`, `overwrite` or `new`. Inside a comparison a resume is
 * `resume-if-present`, so runs that had not begun start.
 */
export function runModeOf(flags: RunFlags, options: { comparison?: boolean } = {}): RunMode {
  checkFlags(flags);
  if (flags.resume) return options.comparison ? 'resume-if-present' : 'resume';
  return flags.overwrite ? 'overwrite' : 'new';
}

/** How a caller steers one training run: the options every model package's `train` shares. */
export interface RunControl {
  /** aborting saves a checkpoint after the current step and returns `interrupted: true` */
  signal?: AbortSignal;
  /** progress and log lines (default stderr); null for silence */
  progress?: ProgressSink | null;
  /** no progress bar, only the log lines (also what a non-TTY stream gets) */
  quiet?: boolean;
  /** how to open the run folder (default: from the run's resume/overwrite, `runModeOf`) */
  mode?: RunMode;
  /** the label of progress lines (default: the variant) */
  label?: string;
}

/** What `runSetup` decided. */
export interface RunSetup {
  /** how the run folder opens (`runModeOf`) */
  mode: RunMode;
  /** --resume was given */
  resume: boolean;
  /** --overwrite was given */
  overwrite: boolean;
  /** --quiet was given */
  quiet: boolean;
  /** the backend now selected */
  backend: string;
}

/**
 * Applies the run options: refuses `--resume` with `--overwrite`, selects `--backend` (an
 * unknown name is refused, naming the registered ones) and with `--threads` re-registers the
 * wasm backend with that many workers (before any tensor exists). Returns the run-folder mode.
 */
export function runSetup(o: RunOptionValues): RunSetup {
  const mode = runModeOf(o);
  let name = o.backend;
  if (name !== undefined && !ENGINE.registeredBackends().includes(name)) throw new OptionError('--backend', `expected one of ${ENGINE.registeredBackends().join(', ')}, got '${name}'`);
  if (o.threads !== undefined) {
    if (name !== undefined && name !== 'wasm') throw new OptionError('--threads', `applies to the wasm backend, not '${name}'`);
    registerBackend('wasm', () => createWasmBackend({ threads: o.threads }), 2);
    name = 'wasm';
  }
  if (name !== undefined) setBackend(name);
  return { mode, resume: o.resume ?? false, overwrite: o.overwrite ?? false, quiet: o.quiet ?? false, backend: getBackend() };
}

/** A path the user typed: relative ones resolve against the folder pnpm was run from (INIT_CWD), not the package's. */
export function userPath(p: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

/**
 * Refuses, before any training, a comparison that would run into earlier results without
 * `resume`/`overwrite`, or a `resume` with nothing to continue.
 */
export function checkComparisonFolder(outDir: string, runDirs: readonly string[], flags: RunFlags): void {
  checkFlags(flags);
  if (flags.resume) {
    if (!runDirs.some(hasCheckpoint)) throw new RunFolderError(outDir, `--resume: no run of this comparison has a ${RUN_FILES.checkpoint} to continue from; run without --resume to start`);
  } else if (!flags.overwrite) {
    const held = [...runDirs.filter((d) => runFilesIn(d).length > 0), ...runFilesIn(outDir).map((f) => join(outDir, f))];
    if (held.length) throw new RunFolderError(outDir, `already holds results (${held.slice(0, 3).join(', ')}${held.length > 3 ? ', …' : ''}); continue with --resume, replace with --overwrite, or choose another --out folder`);
  }
}
