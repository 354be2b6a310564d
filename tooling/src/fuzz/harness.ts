/**
 * Seeded mutation fuzzing of a file loader. Each case mutates one of the format's samples, writes
 * it to a file, and calls the loader. The outcome must be either consistent data (`check` passes)
 * or the library's error naming the file (a WnError whose message contains the path). Anything
 * else is counted as "other" with the reason: a raw error, a library error that does not name the
 * file, inconsistent data, a case slower than `timeLimitMs`, peak memory growing beyond twice the
 * legitimate size (plus allocator slack), or a changed `Object.prototype` / `Array.prototype`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WnError } from '@wn/tensor';
import { FuzzRandom } from './random.js';
import { mutate } from './mutate.js';
import type { JsonHeaderCodec } from './json-header.js';

export interface FuzzFormat<T = unknown> {
  /** Short name ("idx", "safetensors"). */
  name: string;
  /** Valid files to mutate. */
  samples: readonly Uint8Array[];
  /** Loads the file: `bytes` are also written at `path`, so a path-based reader can read them there. */
  load(bytes: Uint8Array, path: string): T | Promise<T>;
  /** Throws when loaded data is inconsistent (e.g. a length that does not match the shape). */
  check?(result: T, path: string): void | Promise<void>;
  /** Where the JSON header is, for JSON-aware mutations. */
  json?: JsonHeaderCodec;
  /** File name suffix (".gz", ".safetensors"); content, not names, decides how files are read. */
  extension?: string;
  /** The most bytes a legitimate file of this format (as sampled) occupies in memory once loaded. */
  legitBytes?: number;
}

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Per-case time limit (default 1000 ms). */
  timeLimitMs?: number;
  /** Peak-memory slack on top of twice `legitBytes`, for the allocator and the GC (default 64 MiB). */
  memorySlackBytes?: number;
}

export type FuzzOutcome = 'ok' | 'rejected' | 'other';

export interface FuzzFailure {
  case: number;
  mutation: string;
  reason: 'raw-error' | 'unnamed-file' | 'inconsistent' | 'slow' | 'memory' | 'polluted-prototype';
  detail: string;
}

export interface FuzzReport {
  format: string;
  seed: number;
  cases: number;
  counts: Record<FuzzOutcome, number>;
  /** Outcome counts per mutation kind. */
  byMutation: Record<string, Record<FuzzOutcome, number>>;
  failures: FuzzFailure[];
  slowestMs: number;
}

/** Every own property of the built-in prototypes, name → value, to detect pollution. */
function prototypeSnapshot(): Map<string, unknown> {
  const snapshot = new Map<string, unknown>();
  for (const [label, proto] of [['Object', Object.prototype], ['Array', Array.prototype]] as const) {
    for (const key of Reflect.ownKeys(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      snapshot.set(`${label}.${String(key)}`, d.value ?? d.get);
    }
  }
  return snapshot;
}

function prototypeChange(before: Map<string, unknown>): string | undefined {
  const after = prototypeSnapshot();
  for (const [key, value] of after) if (!before.has(key) || before.get(key) !== value) return `${key} added or changed`;
  for (const key of before.keys()) if (!after.has(key)) return `${key} removed`;
  return undefined;
}

/** Restores the built-in prototypes after a polluting case, so later cases are judged on their own. */
function restorePrototypes(before: Map<string, unknown>): void {
  for (const [label, proto] of [['Object', Object.prototype], ['Array', Array.prototype]] as const) {
    for (const key of Reflect.ownKeys(proto)) if (!before.has(`${label}.${String(key)}`)) delete (proto as Record<PropertyKey, unknown>)[key];
  }
}

/** Runs `options.cases` seeded mutations of `format`'s samples through its loader. */
export async function fuzzFormat<T>(format: FuzzFormat<T>, options: FuzzOptions): Promise<FuzzReport> {
  if (format.samples.length === 0) throw new WnError('fuzzFormat', `format '${format.name}' has no samples`);
  const timeLimit = options.timeLimitMs ?? 1000;
  const memoryLimitKiB = (2 * (format.legitBytes ?? Math.max(...format.samples.map((s) => s.length))) + (options.memorySlackBytes ?? 64 * 2 ** 20)) / 1024;
  const r = new FuzzRandom(options.seed);
  const dir = mkdtempSync(join(tmpdir(), `wn-fuzz-${format.name}-`));
  const report: FuzzReport = { format: format.name, seed: options.seed, cases: options.cases, counts: { ok: 0, rejected: 0, other: 0 }, byMutation: {}, failures: [], slowestMs: 0 };
  const baseline = prototypeSnapshot();
  try {
    for (let c = 0; c < options.cases; c++) {
      const mutation = mutate(r.pick(format.samples), r, format.json);
      const path = join(dir, `case-${c}${format.extension ?? '.bin'}`);
      writeFileSync(path, mutation.bytes);
      const rssBefore = process.resourceUsage().maxRSS;
      const started = performance.now();
      let outcome: FuzzOutcome = 'ok';
      let failure: Omit<FuzzFailure, 'case' | 'mutation'> | undefined;
      try {
        const result = await format.load(mutation.bytes, path);
        try {
          await format.check?.(result, path);
        } catch (error) {
          failure = { reason: 'inconsistent', detail: String((error as Error)?.message ?? error) };
        }
      } catch (error) {
        const named = error instanceof WnError && error.message.includes(path);
        if (named) outcome = 'rejected';
        else failure = { reason: error instanceof WnError ? 'unnamed-file' : 'raw-error', detail: `${(error as Error)?.name}: ${String((error as Error)?.message ?? error)}` };
      }
      const elapsed = performance.now() - started;
      report.slowestMs = Math.max(report.slowestMs, elapsed);
      const grownKiB = process.resourceUsage().maxRSS - rssBefore;
      const polluted = prototypeChange(baseline);
      if (polluted !== undefined) {
        failure = { reason: 'polluted-prototype', detail: polluted };
        restorePrototypes(baseline);
      } else if (failure === undefined && elapsed > timeLimit) failure = { reason: 'slow', detail: `${elapsed.toFixed(0)} ms` };
      else if (failure === undefined && grownKiB > memoryLimitKiB) failure = { reason: 'memory', detail: `peak memory grew ${(grownKiB / 1024).toFixed(1)} MiB` };
      if (failure) {
        outcome = 'other';
        report.failures.push({ case: c, mutation: mutation.kind, ...failure });
      }
      report.counts[outcome]++;
      const per = (report.byMutation[mutation.kind] ??= { ok: 0, rejected: 0, other: 0 });
      per[outcome]++;
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

/** One line per format: "idx  5000 cases: ok 12, rejected 4988, other 0 (slowest 3 ms)". */
export function formatReport(report: FuzzReport): string {
  const { ok, rejected, other } = report.counts;
  const lines = [`${report.format.padEnd(16)} ${report.cases} cases (seed ${report.seed}): ok ${ok}, rejected ${rejected}, other ${other} (slowest ${report.slowestMs.toFixed(0)} ms)`];
  for (const f of report.failures.slice(0, 10)) lines.push(`  case ${f.case} [${f.mutation}] ${f.reason}: ${f.detail.slice(0, 300)}`);
  return lines.join('\n');
}
