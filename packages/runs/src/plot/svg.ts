/** Writes a chart scene as a standalone SVG document (no dependencies, no external fonts). */
import { layoutLineChart, type ChartSpec, type Primitive, type Scene } from './chart.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v: number): string => String(Math.round(v * 100) / 100);

function primitiveToSvg(p: Primitive): string {
  switch (p.kind) {
    case 'rect':
      return `<rect x="${n(p.x)}" y="${n(p.y)}" width="${n(p.w)}" height="${n(p.h)}" fill="${p.fill}"/>`;
    case 'line':
      return `<line class="${p.role}" x1="${n(p.x1)}" y1="${n(p.y1)}" x2="${n(p.x2)}" y2="${n(p.y2)}" stroke="${p.stroke}" stroke-width="${p.width}"/>`;
    case 'polyline': {
      const d = p.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${n(x)},${n(y)}`).join(' ');
      return `<path class="series" data-name="${esc(p.name)}" d="${d}" fill="none" stroke="${p.stroke}" stroke-width="${p.width}"${p.dash ? ` stroke-dasharray="${p.dash.join(' ')}"` : ''} stroke-linejoin="round" stroke-linecap="round"/>`;
    }
    case 'polygon': {
      const d = p.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${n(x)},${n(y)}`).join(' ') + ' Z';
      return `<path class="band" data-name="${esc(p.name)}" d="${d}" fill="${p.fill}" fill-opacity="${p.opacity}" stroke="none"/>`;
    }
    case 'marker':
      return `<circle class="marker" cx="${n(p.x)}" cy="${n(p.y)}" r="${p.r}" fill="${p.fill}"/>`;
    case 'text': {
      const rotate = p.rotate ? ` transform="rotate(${p.rotate} ${n(p.x)} ${n(p.y)})"` : '';
      const weight = p.bold ? ' font-weight="bold"' : '';
      return `<text x="${n(p.x)}" y="${n(p.y)}" font-size="${p.size}" text-anchor="${p.anchor}" dominant-baseline="central" fill="${p.color}"${weight}${rotate}>${esc(p.text)}</text>`;
    }
  }
}

/** A scene as SVG text. */
export function sceneToSvg(scene: Scene): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}" viewBox="0 0 ${scene.width} ${scene.height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`,
    ...scene.primitives.map((p) => '  ' + primitiveToSvg(p)),
    '</svg>',
    '',
  ].join('\n');
}

/** A line chart as SVG text: axes with ticks, grid, one `<path class="series">` per series, a legend. */
export function lineChartSvg(spec: ChartSpec): string {
  return sceneToSvg(layoutLineChart(spec));
}
