/**
 * The run folder — the one place that decides its layout:
 *
 *   config.json             every setting, code version, machine, backend (and wasm FMA)
 *   metrics.jsonl           one line per epoch (or logging period)
 *   checkpoint.safetensors  modules, optimizers, averages and the state bag (see ../checkpoint.ts)
 *   model.safetensors       the final model (PyTorch state-dict names)
 *   summary.json / .md      the final numbers
 *   *.svg / *.png           charts
 *
 * Opening a folder enforces the safety of results: a folder that already holds a run is not
 * started again without `overwrite`; `resume` needs a checkpoint, of this program, with the same
 * settings. Every file is written atomically.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Module } from '@wn/layers';
import { saveState } from '@wn/layers';
import { backendInfo } from '../backend.js';
import type { ChartFile } from '../charts.js';
import { FieldReader, type JsonValue } from '../checked.js';
import { decodeCheckpoint, encodeCheckpoint, readCheckpointHeader, type CheckpointHeader, type CheckpointParts } from '../checkpoint.js';
import { CorruptFileError, RunFolderError } from '../errors.js';
import { formatMetricsJsonl, parseMetricsJsonl, type MetricsRow } from '../metrics.js';
import { settingsDifferences } from '../settings.js';
import type { StateBag } from '../state-bag.js';
import { removeStaleTemps, writeFileAtomic } from './atomic.js';
import { codeVersion, machineInfo } from './machine.js';

/** The file names of a run folder. */
export const RUN_FILES = {
  /** The run's settings, machine and code version. */
  config: 'config.json',
  /** One JSON row per evaluation. */
  metrics: 'metrics.jsonl',
  /** The latest checkpoint (resume point). */
  checkpoint: 'checkpoint.safetensors',
  /** The trained model's state dict. */
  model: 'model.safetensors',
  /** The summary, machine-readable. */
  summaryJson: 'summary.json',
  /** The summary, for people. */
  summaryMd: 'summary.md',
} as const;

/**
 * - `new`: start; refuse if the folder already holds a run
 * - `resume`: continue from the folder's checkpoint; refuse if there is none
 * - `overwrite`: start, replacing a run the folder holds
 * - `resume-if-present`: resume when there is a checkpoint, else start (a comparison's runs that had not begun)
 */
export type RunMode = 'new' | 'resume' | 'overwrite' | 'resume-if-present';

/** Options of {@link RunFolder.open}. */
export interface OpenRunOptions {
  /** Whether to start a new run, resume one, overwrite one, or resume when a checkpoint is present. */
  mode: RunMode;
  /** which program's runs these are (e.g. 'wn-classify'): a checkpoint of another is refused */
  kind: string;
  /** the settings that determine the computation (not where it is written); a resume must match them */
  settings: JsonValue;
}

/** Reads a file this package owns; a missing or unreadable file is the library's error naming it. */
function readBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CorruptFileError(path, '', code === 'ENOENT' ? `no ${what} here` : code === 'EISDIR' ? `expected a ${what} file, found a folder` : `cannot read the ${what} (${code ?? (e as Error).message})`);
  }
}

/** The layout files present in `dir` (empty when it holds no run). */
export function runFilesIn(dir: string): string[] {
  return Object.values(RUN_FILES).filter((f) => existsSync(join(dir, f)));
}

/** Whether `dir` holds a checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, RUN_FILES.checkpoint));
}

/** The records of a checkpoint file (e.g. where training stood), from its header alone. */
export function readCheckpointState(path: string, kind: string | null = null): Record<string, JsonValue> {
  return readCheckpointHeader(readBytes(path, 'checkpoint'), path, kind).records;
}

/**
 * A run's folder: its config, metrics, checkpoint, model and summary files, written atomically. Opening checks the
 * mode against what the folder holds, so a run is never silently overwritten or resumed with other settings.
 */
export class RunFolder {
  /** whether this run continues from the folder's checkpoint */
  readonly resuming: boolean;
  /** The folder's absolute path. */
  readonly dir: string;
  /** Which program's run this is. */
  readonly kind: string;
  /** The run's settings (compared with a checkpoint's on resume). */
  readonly settings: JsonValue;

  private constructor(dir: string, options: OpenRunOptions, resuming: boolean) {
    this.dir = dir;
    this.kind = options.kind;
    this.settings = options.settings;
    this.resuming = resuming;
  }

  /** Opens (and creates) a run folder under the rules of `mode`. */
  static open(dir: string, options: OpenRunOptions): RunFolder {
    const abs = resolve(dir);
    if (existsSync(abs) && !statSync(abs).isDirectory()) throw new RunFolderError(abs, 'exists and is not a folder');
    const present = existsSync(abs) ? runFilesIn(abs) : [];
    const checkpoint = join(abs, RUN_FILES.checkpoint);
    const resuming = options.mode === 'resume' || (options.mode === 'resume-if-present' && present.includes(RUN_FILES.checkpoint));
    if (resuming) {
      if (!present.includes(RUN_FILES.checkpoint)) {
        throw new RunFolderError(abs, `--resume: no ${RUN_FILES.checkpoint} here to continue from (${existsSync(abs) ? (present.length ? `the folder holds ${present.join(', ')}` : 'the folder holds no run') : 'the folder does not exist'}); run without --resume to start`);
      }
      const header = readCheckpointHeader(readBytes(checkpoint, 'checkpoint'), checkpoint, options.kind);
      const diff = settingsDifferences(header.settings, options.settings);
      if (diff.length) {
        throw new RunFolderError(abs, `cannot resume ${checkpoint}: it was started with different settings (${diff.map((d) => `${d.key}: ${JSON.stringify(d.saved)} then, ${JSON.stringify(d.now)} now`).join('; ')}); use the same options or another --out folder`);
      }
    } else if (present.length) {
      if (options.mode === 'overwrite') {
        for (const f of present) rmSync(join(abs, f), { force: true });
      } else {
        throw new RunFolderError(abs, `already holds a run (${present.join(', ')}); continue it with --resume, replace it with --overwrite, or choose another --out folder`);
      }
    }
    mkdirSync(abs, { recursive: true });
    removeStaleTemps(abs);
    return new RunFolder(abs, options, resuming);
  }

  /** The path of a file inside the folder. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes a file of the folder atomically. */
  write(name: string, data: Uint8Array | string): void {
    writeFileAtomic(this.path(name), data);
  }

  /**
   * config.json: the settings, what the program adds (`extra`: dataset sizes, parameter count…),
   * the code version, the machine and the backend (with wasm's threads and FMA).
   */
  writeConfig(extra: Record<string, JsonValue> = {}, options: { codeDir?: string } = {}): void {
    const config = {
      kind: this.kind,
      settings: this.settings,
      ...extra,
      code: codeVersion(options.codeDir),
      machine: machineInfo(),
      backend: backendInfo(),
      resumed: this.resuming,
      written: new Date().toISOString(),
    };
    this.write(RUN_FILES.config, JSON.stringify(config, null, 2) + '\n');
  }

  /** Writes the checkpoint (atomically replacing the previous one). */
  saveCheckpoint(parts: CheckpointParts, bag: StateBag): void {
    this.write(RUN_FILES.checkpoint, encodeCheckpoint({ kind: this.kind, settings: this.settings, parts, bag }));
  }

  /** Restores `parts` from the folder's checkpoint and returns its state bag. */
  loadCheckpoint(parts: CheckpointParts): StateBag {
    const path = this.path(RUN_FILES.checkpoint);
    return decodeCheckpoint(readBytes(path, 'checkpoint'), { kind: this.kind, parts, file: path }).bag;
  }

  /** Reads the checkpoint's header (kind, settings, records) without restoring anything. */
  readCheckpointHeader(): CheckpointHeader {
    const path = this.path(RUN_FILES.checkpoint);
    return readCheckpointHeader(readBytes(path, 'checkpoint'), path, this.kind);
  }

  /** Writes the metric rows (replacing the file). */
  writeMetrics(rows: readonly MetricsRow[]): void {
    this.write(RUN_FILES.metrics, formatMetricsJsonl(rows));
  }

  /**
   * The metric rows written so far (none when the file does not exist); throws a `CorruptFileError` for a
   * malformed line.
   */
  readMetrics<T extends MetricsRow = MetricsRow>(): T[] {
    const path = this.path(RUN_FILES.metrics);
    if (!existsSync(path)) return [];
    return parseMetricsJsonl<T>(new TextDecoder().decode(readBytes(path, 'metrics')), path);
  }

  /** The final model as safetensors (PyTorch state-dict names) with string metadata. */
  writeModel(model: Module, metadata: Record<string, string> = {}): void {
    this.write(RUN_FILES.model, saveState(model, metadata));
  }

  /** Writes `summary.json` and `summary.md`. */
  writeSummary(summary: { json: JsonValue; markdown: string }): void {
    writeSummaryFiles(this.dir, summary);
  }

  /** Writes chart files into the folder; returns their names. */
  writeCharts(files: readonly ChartFile[]): string[] {
    for (const f of files) this.write(f.name, f.bytes);
    return files.map((f) => f.name);
  }
}

/** Reads metrics.jsonl of any folder (checked; [] when absent). */
export function readMetricsJsonl<T extends MetricsRow = MetricsRow>(path: string): T[] {
  if (!existsSync(path)) return [];
  return parseMetricsJsonl<T>(new TextDecoder().decode(readBytes(path, 'metrics')), path);
}

/** summary.json and summary.md in `dir` (a run's, or a comparison's folder), written atomically. */
export function writeSummaryFiles(dir: string, summary: { json: JsonValue; markdown: string }): void {
  writeFileAtomic(join(dir, RUN_FILES.summaryJson), JSON.stringify(summary.json, null, 2) + '\n');
  writeFileAtomic(join(dir, RUN_FILES.summaryMd), summary.markdown.endsWith('\n') ? summary.markdown : summary.markdown + '\n');
}

/**
 * The weights a run folder holds for evaluation: `model` (model.safetensors) once the run has
 * finished, else `checkpoint` (the latest checkpoint.safetensors of a run still training or
 * interrupted); null when it holds neither.
 */
export function savedWeights(dir: string): { file: string; finished: boolean } | null {
  if (existsSync(join(dir, RUN_FILES.model))) return { file: join(dir, RUN_FILES.model), finished: true };
  if (existsSync(join(dir, RUN_FILES.checkpoint))) return { file: join(dir, RUN_FILES.checkpoint), finished: false };
  return null;
}

/**
 * A run's settings, from its config.json (which must be `kind`'s), or — before config.json is
 * written — from its checkpoint's header. Errors name the file and the field.
 */
export function readRunSettings(dir: string, kind: string): Record<string, unknown> {
  const configPath = join(dir, RUN_FILES.config);
  if (existsSync(configPath)) {
    const r = new FieldReader(configPath);
    const config = r.object(r.json(new TextDecoder().decode(readBytes(configPath, 'run config')), 'config.json'), 'config');
    const written = r.field(config, 'kind', 'config', (v, f) => r.string(v, f));
    if (written !== kind) r.fail('kind', `written by '${written}', not by ${kind}`);
    return r.field(config, 'settings', 'config', (v, f) => r.object(v, f));
  }
  const checkpointPath = join(dir, RUN_FILES.checkpoint);
  const r = new FieldReader(checkpointPath);
  return r.object(readCheckpointHeader(readBytes(checkpointPath, 'checkpoint'), checkpointPath, kind).settings, 'settings');
}

/** The program that wrote the run in `dir` (config.json's `kind`, else the checkpoint's); null when unreadable. */
function writtenBy(dir: string): string | null {
  try {
    const configPath = join(dir, RUN_FILES.config);
    if (existsSync(configPath)) {
      const kind: unknown = (JSON.parse(readFileSync(configPath, 'utf8')) as { kind?: unknown }).kind;
      return typeof kind === 'string' ? kind : null;
    }
    const checkpointPath = join(dir, RUN_FILES.checkpoint);
    return readCheckpointHeader(new Uint8Array(readFileSync(checkpointPath)), checkpointPath).kind;
  } catch {
    return null; // opening the run reports what is wrong with it
  }
}

/**
 * The run folders at or below `dir` (a comparison's `<variant>/seed-<n>` folders, a queue's
 * runs…): those holding weights (`savedWeights`), sorted, looking at most `depth` levels down.
 * With `kind`, runs another program wrote are left out (those whose writer cannot be read stay,
 * so that opening them names the problem).
 */
export function findRunFolders(dir: string, options: { depth?: number; kind?: string } = {}): string[] {
  const depth = options.depth ?? 3;
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) return [];
  if (savedWeights(abs)) {
    const by = options.kind === undefined ? null : writtenBy(abs);
    return by === null || by === options.kind ? [abs] : [];
  }
  if (depth <= 0) return [];
  return readdirSync(abs, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .flatMap((name) => findRunFolders(join(abs, name), { ...options, depth: depth - 1 }));
}
