/**
 * The one bench report as a list of blocks, and its two renderings: Markdown (charts as links to
 * SVG files beside it) and a self-contained HTML page (charts inlined as data URIs, no external
 * assets).
 */

/** A chart: its file name (Markdown links to it) and its SVG text (HTML inlines it). */
export interface ChartBlock {
  kind: 'chart';
  file: string;
  alt: string;
  svg: string;
}

/** One piece of the report. */
export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; columns: string[]; rows: (string | number)[][] }
  | ChartBlock;

/** Numbers in tables: 3 significant digits below 100, whole numbers above. */
export function formatCell(v: string | number): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 100 || Number.isInteger(v)) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

const mdCell = (v: string | number) => formatCell(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Markdown; `chartDir` is the folder (relative to the Markdown file) holding the chart files. */
export function toMarkdown(blocks: readonly Block[], chartDir: string): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading': out.push(`${'#'.repeat(b.level)} ${b.text}`, ''); break;
      case 'paragraph': out.push(b.text, ''); break;
      case 'list': out.push(...b.items.map((i) => `- ${i}`), ''); break;
      case 'table':
        out.push(`| ${b.columns.map(mdCell).join(' | ')} |`, `| ${b.columns.map(() => '---').join(' | ')} |`, ...b.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`), '');
        break;
      case 'chart': out.push(`![${b.alt}](${chartDir}/${b.file})`, ''); break;
    }
  }
  return out.join('\n');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `code` spans and **bold** of the Markdown text, for HTML (everything else escaped). */
function inline(s: string): string {
  return escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>').replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%;margin:.3em 0}
.charts{display:flex;flex-wrap:wrap;gap:8px}.charts img{width:540px}code{background:#f3f3f3;padding:0 3px}`;

/** A self-contained HTML page: every chart is a `data:image/svg+xml;base64` image, the style inline. */
export function toHtml(blocks: readonly Block[], title: string): string {
  const body: string[] = [];
  let charts: string[] = [];
  const flush = () => {
    if (charts.length) body.push(`<div class="charts">${charts.join('')}</div>`);
    charts = [];
  };
  for (const b of blocks) {
    if (b.kind === 'chart') {
      charts.push(`<img alt="${escapeHtml(b.alt)}" src="data:image/svg+xml;base64,${Buffer.from(b.svg, 'utf8').toString('base64')}">`);
      continue;
    }
    flush();
    switch (b.kind) {
      case 'heading': body.push(`<h${b.level}>${inline(b.text)}</h${b.level}>`); break;
      case 'paragraph': body.push(`<p>${inline(b.text)}</p>`); break;
      case 'list': body.push(`<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`); break;
      case 'table':
        body.push(`<table><thead><tr>${b.columns.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${
          b.rows.map((r) => `<tr>${r.map((c) => `<td${typeof c === 'number' ? ' class="n"' : ''}>${inline(formatCell(c))}</td>`).join('')}</tr>`).join('')
        }</tbody></table>`);
        break;
    }
  }
  flush();
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}
