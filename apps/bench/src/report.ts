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

/** Writes `results/<name>.json` and `results/<name>.md` next to the bench app, returns the md. */
export function writeReport(name: string, title: string, notes: string[], rows: Row[]): string {
  const dir = new URL('../results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const machine = machineLine();
  const md = [`# ${title}`, '', `Machine: ${machine}`, `Date: ${new Date().toISOString()}`, '', ...notes.map((n) => `- ${n}`), '', formatTable(rows), ''].join('\n');
  writeFileSync(`${dir}${name}.json`, JSON.stringify({ title, machine, date: new Date().toISOString(), notes, rows }, null, 2));
  writeFileSync(`${dir}${name}.md`, md);
  return md;
}
