/**
 * Metrics: one JSON object per line (`metrics.jsonl`), one line per epoch (or per logging period
 * of a frame-based run). Values are finite numbers; a row may leave out optional fields.
 */
import { emptyRecord, FieldReader } from './checked.js';

/** One line of metrics.jsonl: named finite numbers (a model package narrows this with its own interface). */
export type MetricsRow = { readonly [key: string]: number | undefined };

/** Rows as JSON lines; refuses a non-finite value (JSON would write it as null, and the curve would silently break). */
export function formatMetricsJsonl(rows: readonly MetricsRow[]): string {
  rows.forEach((row, i) => {
    for (const [k, v] of Object.entries(row)) {
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
        throw new FieldReader('metrics.jsonl').fail(`row ${i + 1}.${k}`, `${String(v)} is not a finite number (a NaN loss stops the run before it is logged)`);
      }
    }
  });
  return rows.map((m) => JSON.stringify(m)).join('\n') + (rows.length ? '\n' : '');
}

/** Parses metrics.jsonl text, checking each line; errors name the file, the line and the field. */
export function parseMetricsJsonl<T extends MetricsRow = MetricsRow>(text: string, file = 'metrics.jsonl'): T[] {
  const r = new FieldReader(file);
  const rows: T[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const field = `line ${i + 1}`;
    const obj = r.object(r.json(line, field), field);
    const row = emptyRecord<number>();
    for (const k of Object.keys(obj)) row[k] = r.number(obj[k], `${field}.${k}`);
    rows.push({ ...row } as T);
  });
  return rows;
}

/** The values of `key` over `rows` (undefined → NaN, which the charts skip). */
export function column(rows: readonly MetricsRow[], key: string): number[] {
  return rows.map((r) => r[key] ?? NaN);
}
