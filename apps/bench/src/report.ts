import { mkdirSync, writeFileSync } from 'node:fs';
import { machineLine } from './machine.js';

export interface Row {
  [column: string]: string | number;
}

export function formatTable(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0]);
  const cell = (v: string | number) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)) : v);
  const lines = [`| ${cols.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${cols.map((c) => cell(r[c] ?? '')).join(' | ')} |`);
  return lines.join('\n');
}

/** A further table of a results file, under its own heading. */
export interface ExtraTable {
  readonly title: string;
  readonly rows: Row[];
}

/** What a results file may carry besides its main table: further tables and the load average at its start and end. */
export interface ReportExtras {
  readonly tables?: readonly ExtraTable[];
  readonly loadavg?: { readonly start: readonly number[]; readonly end: readonly number[] };
}

/** Writes `results/<name>.json` and `results/<name>.md` next to the bench app, returns the md. */
export function writeReport(name: string, title: string, notes: string[], rows: Row[], extras: ReportExtras = {}): string {
  const dir = new URL('../results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const machine = machineLine();
  const date = new Date().toISOString();
  const md = reportMarkdown(title, machine, date, notes, rows, extras);
  writeFileSync(`${dir}${name}.json`, JSON.stringify({ title, machine, date, ...(extras.loadavg ? { loadavg: extras.loadavg } : {}), notes, rows, ...(extras.tables?.length ? { tables: extras.tables } : {}) }, null, 2));
  writeFileSync(`${dir}${name}.md`, md);
  return md;
}

/** A results file's Markdown: title, machine, date, load, notes, the main table, then each further table under its heading. */
export function reportMarkdown(title: string, machine: string, date: string, notes: string[], rows: Row[], extras: ReportExtras = {}): string {
  const load = extras.loadavg ? [`Load average: ${extras.loadavg.start.map((x) => x.toFixed(2)).join(' ')} → ${extras.loadavg.end.map((x) => x.toFixed(2)).join(' ')}`] : [];
  const tables = (extras.tables ?? []).flatMap((t) => ['', `## ${t.title}`, '', formatTable(t.rows)]);
  return [`# ${title}`, '', `Machine: ${machine}`, `Date: ${date}`, ...load, '', ...notes.map((n) => `- ${n}`), '', formatTable(rows), ...tables, ''].join('\n');
}
