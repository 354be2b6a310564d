/**
 * The one bench report (`pnpm bench`, issue "apps/docs … `turbo bench` across models"): per model
 * package its experiments — the metric against steps and against seconds for every
 * parameterization, throughput, extra speed tables — the machine and its load for every part, and
 * the peers' ratios from the `steps`, `kernels` and `parameterizations` groups' latest results. A
 * model whose results are missing or unreadable gets a section saying so.
 */
import { renderChart, type BenchExperiment, type BenchMachine, type BenchResults } from '@wn/runs';
import type { Block, ChartBlock } from './document.js';

/** A model package's results: read, missing, or unreadable (with why). */
export type ModelInput =
  | { package: string; status: 'ok'; results: BenchResults }
  | { package: string; status: 'missing'; file: string }
  | { package: string; status: 'unreadable'; file: string; error: string };

/** One @wn/PyTorch ratio of the `steps` group, with its verdict where the workload has a target. */
export interface StepsRatio {
  workload: string;
  wnThreads: number;
  torchThreads: number;
  layout: string;
  pairs: number;
  ratio: number;
  target: number | null;
  status: string | null;
}

/** What the report shows of an apps/bench group's results file. */
export interface GroupInput {
  /** 'steps', 'kernels', 'parameterizations' */
  name: string;
  file: string;
  /** null: missing or unreadable, with `problem` saying which */
  date: string | null;
  machine: string | null;
  loadavg: { start: number[]; end: number[] } | null;
  /** the group's table rows, as they are in the file */
  rows: Record<string, string | number>[];
  /** steps: the paired ratios against PyTorch */
  ratios: StepsRatio[];
  /** the group's notes worth repeating (targets, the PyTorch configuration, the load) */
  notes: string[];
  /** further tables of the file (kernels: the WebAssembly SIMD peak), each under its title */
  tables: { title: string; rows: Record<string, string | number>[] }[];
  problem?: string;
}

export interface ReportInputs {
  /** ISO time of rendering */
  date: string;
  models: ModelInput[];
  groups: GroupInput[];
}

const slug = (s: string) => s.replace(/^@wn\//, '').replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
const loadText = (l: { start: number[]; end: number[] }) => `${l.start.map((x) => x.toFixed(2)).join(' ')} → ${l.end.map((x) => x.toFixed(2)).join(' ')}`;
/** Whether the 1-minute load average exceeded the cores at either end: other work competed. */
const loaded = (l: { start: number[]; end: number[] }, cores: number) => Math.max(l.start[0] ?? 0, l.end[0] ?? 0) > cores;

function chart(file: string, title: string, subtitle: string, xLabel: string, yLabel: string, e: BenchExperiment, x: 'step' | 'seconds'): ChartBlock {
  const spec = {
    title, subtitle, xLabel, yLabel, xMin: 0,
    // whole epochs on the step axis
    xIntegers: x === 'step' && e.series.every((s) => s.points.every((p) => Number.isInteger(p.step))) && /epoch/.test(e.stepLabel),
    series: e.series.map((s) => ({ name: s.name, points: s.points.map((p) => [p[x], p.value] as const) })),
  };
  const svg = renderChart(file.replace(/\.svg$/, ''), spec).find((f) => f.name.endsWith('.svg'))!;
  return { kind: 'chart', file, alt: title, svg: new TextDecoder().decode(svg.bytes) };
}

function experimentBlocks(pkg: string, e: BenchExperiment, machine: BenchMachine): Block[] {
  const best = (vals: number[]) => (vals.length ? (e.better === 'lower' ? Math.min(...vals) : Math.max(...vals)) : NaN);
  const base = slug(pkg) === slug(e.id) ? slug(pkg) : `${slug(pkg)}-${slug(e.id)}`;
  const blocks: Block[] = [
    { kind: 'heading', level: 3, text: e.title },
    { kind: 'paragraph', text: `${e.settings}. ${e.metric[0].toUpperCase()}${e.metric.slice(1)}: ${e.better} is better.` },
  ];
  if (e.series.every((s) => s.points.length === 0)) {
    blocks.push({ kind: 'paragraph', text: `No ${e.metric} points were recorded (the budget ended before the first one).` });
  } else {
    const sub = `${e.series.length} parameterizations; ${machine.backend}${machine.threads ? `, ${machine.threads} threads` : ''}`;
    blocks.push(
      chart(`${base}-vs-${slug(e.stepLabel)}.svg`, `${e.title.split(':')[0]}: ${e.metric} vs ${e.stepLabel}`, sub, e.stepLabel, e.metric, e, 'step'),
      chart(`${base}-vs-seconds.svg`, `${e.title.split(':')[0]}: ${e.metric} vs seconds`, sub, 'training seconds', e.metric, e, 'seconds'),
    );
  }
  blocks.push({
    kind: 'table',
    columns: ['parameterization', `throughput (${e.throughputUnit})`, `final ${e.metric}`, `best ${e.metric}`, e.stepLabel, 'seconds'],
    rows: e.series.map((s) => {
      const last = s.points.at(-1);
      return [s.name, s.throughput, last?.value ?? NaN, best(s.points.map((p) => p.value)), last?.step ?? NaN, last?.seconds ?? NaN];
    }),
  });
  return blocks;
}

function modelBlocks(m: ModelInput): Block[] {
  if (m.status === 'missing') {
    return [
      { kind: 'heading', level: 2, text: m.package },
      { kind: 'paragraph', text: `**Not run**: no results (\`${m.file}\` does not exist). Run \`pnpm bench --filter ${m.package}\`.` },
    ];
  }
  if (m.status === 'unreadable') {
    return [
      { kind: 'heading', level: 2, text: m.package },
      { kind: 'paragraph', text: `**Unreadable results** in \`${m.file}\`: ${m.error}` },
    ];
  }
  const r = m.results;
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: m.package },
    { kind: 'paragraph', text: `Mode \`${r.mode}\`, ${r.date}, ${r.wallSeconds.toFixed(0)} s in all; load average ${loadText(r.machine.loadavg)} on ${r.machine.cores} cores${loaded(r.machine.loadavg, r.machine.cores) ? ' — a LOADED machine: times and throughput are noisy' : ''}.` },
  ];
  for (const e of r.experiments) blocks.push(...experimentBlocks(m.package, e, r.machine));
  for (const t of r.tables) {
    blocks.push({ kind: 'heading', level: 3, text: t.title }, { kind: 'table', columns: t.columns, rows: t.rows });
    if (t.note) blocks.push({ kind: 'paragraph', text: t.note });
  }
  return blocks;
}

function machineBlocks(inputs: ReportInputs): Block[] {
  const rows: (string | number)[][] = [];
  for (const m of inputs.models) {
    if (m.status !== 'ok') continue;
    const x = m.results.machine;
    rows.push([m.package, x.cpu, x.cores, x.node, x.backend, x.threads ?? '—', x.relaxedSimd === null ? '—' : x.relaxedSimd ? 'yes' : 'no', loadText(x.loadavg), m.results.date]);
  }
  for (const g of inputs.groups) {
    if (g.date === null) continue;
    rows.push([`apps/bench ${g.name}`, g.machine ?? '—', '—', '—', '—', '—', '—', g.loadavg ? loadText(g.loadavg) : 'not recorded', g.date]);
  }
  return [
    { kind: 'heading', level: 2, text: 'Machine' },
    rows.length
      ? { kind: 'table', columns: ['results', 'CPU', 'cores', 'Node', 'backend', 'threads', 'relaxed SIMD (FMA)', 'load average (1, 5, 15 min) start → end', 'date'], rows }
      : { kind: 'paragraph', text: 'No results to describe.' },
  ];
}

function groupBlocks(g: GroupInput): Block[] {
  const head: Block[] = [{ kind: 'heading', level: 3, text: `${g.name} (\`${g.file}\`)` }];
  if (g.date === null) return [...head, { kind: 'paragraph', text: `**Not available**: ${g.problem ?? 'no results'}.` }];
  head.push({ kind: 'paragraph', text: `${g.date}; ${g.machine ?? 'machine not recorded'}; load average ${g.loadavg ? loadText(g.loadavg) : 'not recorded'}.` });
  if (g.notes.length) head.push({ kind: 'list', items: g.notes });
  if (g.ratios.length) {
    head.push({
      kind: 'table',
      columns: ['workload', '@wn threads', 'PyTorch threads', 'PyTorch layout', 'pairs', '@wn / PyTorch', 'target', 'verdict'],
      rows: g.ratios.map((r) => [r.workload, r.wnThreads, r.torchThreads, r.layout, r.pairs, `${r.ratio.toFixed(2)}×`, r.target === null ? '—' : `≤ ${r.target}×`, r.status ?? '—']),
    });
  } else if (g.rows.length) {
    const columns = Object.keys(g.rows[0]);
    head.push({ kind: 'table', columns, rows: g.rows.map((r) => columns.map((c) => r[c] ?? '—')) });
  }
  for (const t of g.tables) {
    if (!t.rows.length) continue;
    const columns = Object.keys(t.rows[0]);
    head.push({ kind: 'paragraph', text: `**${t.title}**` }, { kind: 'table', columns, rows: t.rows.map((r) => columns.map((c) => r[c] ?? '—')) });
  }
  return head;
}

/** The report's blocks (see document.ts for its Markdown and HTML). */
export function reportBlocks(inputs: ReportInputs): Block[] {
  const ok = inputs.models.filter((m) => m.status === 'ok').length;
  const absent = inputs.models.filter((m) => m.status !== 'ok').map((m) => m.package);
  const loadedParts = [
    ...inputs.models.flatMap((m) => (m.status === 'ok' && loaded(m.results.machine.loadavg, m.results.machine.cores) ? [m.package] : [])),
    // the group files name the cores only in their machine line ("× 2 logical cores")
    ...inputs.groups.flatMap((g) => {
      const cores = Number(/× (\d+) logical cores/.exec(g.machine ?? '')?.[1] ?? NaN);
      return g.loadavg && Number.isFinite(cores) && loaded(g.loadavg, cores) ? [`apps/bench ${g.name}`] : [];
    }),
  ];
  return [
    { kind: 'heading', level: 1, text: '@wn benchmark report' },
    {
      kind: 'paragraph',
      text: `Rendered ${inputs.date} by \`pnpm bench\` from the results of ${ok} model package${ok === 1 ? '' : 's'}${absent.length ? ` (not run: ${absent.join(', ')})` : ''} and the latest \`steps\`, \`kernels\` and \`parameterizations\` results of apps/bench. Every time here comes with the load average it ran under: on a loaded machine times are noisy, and only the paired @wn/PyTorch ratios (median of per-pair ratios) are meant to be compared across runs.`,
    },
    ...(loadedParts.length ? [{ kind: 'paragraph', text: `**Loaded machine**: ${loadedParts.join(', ')} ran while the 1-minute load average exceeded the core count — other work competed for the CPU, so their times and throughputs are far below what the machine does alone.` } satisfies Block] : []),
    ...machineBlocks(inputs),
    { kind: 'heading', level: 2, text: 'Against the peers (apps/bench)' },
    ...inputs.groups.flatMap(groupBlocks),
    ...inputs.models.flatMap(modelBlocks),
  ];
}
