import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatLogTick, formatTick, layoutLineChart, logTicks, niceTicks, type ChartSpec } from '../src/plot/chart.js';
import { crc32, dashPieces, lineChartPng, rasterizeScene } from '../src/plot/png.js';
import { lineChartSvg } from '../src/plot/svg.js';
import { renderChart, seedSeries } from '../src/index.js';

const spec: ChartSpec = {
  title: 'Test error vs epoch',
  xLabel: 'epoch',
  yLabel: 'test error',
  yPercent: true,
  yMin: 0,
  series: ['standard', 'weightnorm', 'weightnorm+init'].map((name, k) => ({
    name,
    points: [1, 2, 3, 4].map((e) => [e, 0.5 / (e + k)] as [number, number]),
  })),
};

describe('SVG line chart', () => {
  const svg = lineChartSvg(spec);

  it('has one path per series, named after it', () => {
    const paths = [...svg.matchAll(/<path class="series" data-name="([^"]+)"/g)].map((m) => m[1]);
    expect(paths).toEqual(['standard', 'weightnorm', 'weightnorm+init']);
    expect(svg.match(/<path /g)).toHaveLength(3);
  });

  it('has axis labels, a title, tick labels and a legend entry per series', () => {
    expect(svg).toContain('>epoch</text>');
    expect(svg).toMatch(/rotate\(-90[^>]*>test error<\/text>/);
    expect(svg).toContain('>Test error vs epoch</text>');
    expect(svg).toContain('>0%</text>');
    expect(svg.match(/class="axis"/g)).toHaveLength(2);
    expect(svg.match(/class="legend"/g)).toHaveLength(3);
    for (const name of ['standard', 'weightnorm', 'weightnorm+init']) expect(svg).toContain(`>${name}</text>`);
  });

  it('is well-formed XML with escaped text', () => {
    const tricky = lineChartSvg({ ...spec, title: 'a < b & "c"' });
    expect(tricky).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(tricky.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(tricky.trim().endsWith('</svg>')).toBe(true);
  });

  it('maps data into the plot area (larger values higher up)', () => {
    const scene = layoutLineChart(spec);
    const line = scene.primitives.find((p) => p.kind === 'polyline' && p.name === 'standard');
    if (line?.kind !== 'polyline') throw new Error('no series');
    const ys = line.points.map(([, y]) => y);
    expect(ys[0]).toBeLessThan(ys[3]); // error falls → the line goes down the page
    const xs = line.points.map(([x]) => x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });
});

describe('ticks', () => {
  it('are round numbers covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 30)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(niceTicks(1, 4, 6, 1)).toEqual([1, 2, 3, 4]); // integer steps (epochs)
    expect(niceTicks(1, 2, 6, 1)).toEqual([1, 2]);
    const t = niceTicks(0.031, 0.087);
    expect(t[0]).toBeLessThanOrEqual(0.031);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(0.087);
  });
  it('format with the digits the step needs', () => {
    expect(formatTick(0.1, 0.1, true)).toBe('10%');
    expect(formatTick(0.025, 0.025, true)).toBe('2.5%');
    expect(formatTick(15, 5)).toBe('15');
  });
});

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at);
const ascii = (b: Uint8Array) => String.fromCharCode(...b);

describe('PNG chart', () => {
  const png = lineChartPng({ ...spec, width: 320, height: 200 });

  it('is a valid RGB PNG of the requested size with correct CRCs', () => {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    let at = 8;
    const chunks: { type: string; data: Uint8Array }[] = [];
    while (at < png.length) {
      const len = u32(png, at);
      const type = ascii(png.subarray(at + 4, at + 8));
      const data = png.subarray(at + 8, at + 8 + len);
      expect(u32(png, at + 8 + len)).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
      chunks.push({ type, data });
      at += 12 + len;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(u32(chunks[0].data, 0)).toBe(320);
    expect(u32(chunks[0].data, 4)).toBe(200);
    const raw = inflateSync(chunks[1].data);
    expect(raw.length).toBe(200 * (1 + 320 * 3));
  });

  it('draws the series colours (not just a blank canvas)', () => {
    const raw = inflateSync(png.subarray(8 + 12 + 13 + 8, png.length - 12 - 4));
    const colours = new Set<string>();
    for (let y = 0; y < 200; y++) for (let x = 0; x < 320; x++) {
      const k = y * (1 + 320 * 3) + 1 + x * 3;
      colours.add(`${raw[k]},${raw[k + 1]},${raw[k + 2]}`);
    }
    expect(colours.has('0,114,178')).toBe(true); // the first palette colour, #0072B2
    expect(colours.has('255,255,255')).toBe(true);
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('seed bands and log axes', () => {
  const runs = [1, 2, 3].map((seed) => [1, 2, 3, 4].map((epoch) => ({ epoch, error: 0.5 / epoch + 0.01 * seed })));

  it('seedSeries gives the mean curve and a mean ± sd band', () => {
    const s = seedSeries('weightnorm', runs, 'epoch', 'error');
    expect(s.points.map(([x]) => x)).toEqual([1, 2, 3, 4]);
    expect(s.points[0][1]).toBeCloseTo(0.52, 12);
    expect(s.band).toHaveLength(4);
    const [x, lo, hi] = s.band![0];
    expect(x).toBe(1);
    expect(hi - lo).toBeCloseTo(2 * 0.01, 12); // sd of 0.51, 0.52, 0.53 is 0.01
    expect(seedSeries('one seed', runs.slice(0, 1), 'epoch', 'error').band).toBeUndefined();
  });

  it('draws a band under the lines, in SVG and PNG', () => {
    const chart: ChartSpec = { title: 'bands', xLabel: 'epoch', yLabel: 'error', series: [seedSeries('a', runs, 'epoch', 'error')], width: 320, height: 200 };
    const svg = lineChartSvg(chart);
    expect(svg.indexOf('class="band"')).toBeGreaterThan(0);
    expect(svg.indexOf('class="band"')).toBeLessThan(svg.indexOf('class="series"'));
    expect(svg).toMatch(/class="band" data-name="a" d="M[^"]+ Z" fill="#0072B2" fill-opacity="0.18"/);
    const files = renderChart('bands', chart);
    expect(files.map((f) => f.name)).toEqual(['bands.svg', 'bands.png']);
    const png = files[1].bytes;
    const raw = inflateSync(png.subarray(8 + 12 + 13 + 8, png.length - 12 - 4));
    // a blend of the palette blue over white (18%): present only if the band was filled
    const blended = [0, 114, 178].map((c) => Math.round(255 * 0.82 + c * 0.18));
    let found = false;
    for (let k = 0; k + 2 < raw.length && !found; k++) found = Math.abs(raw[k] - blended[0]) <= 2 && Math.abs(raw[k + 1] - blended[1]) <= 2 && Math.abs(raw[k + 2] - blended[2]) <= 2;
    expect(found).toBe(true);
  });

  it('log axes: ticks at powers of ten (with 2 and 5 over few decades), points placed by log10', () => {
    expect(logTicks(0.003, 0.8)).toEqual([0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
    expect(logTicks(1, 1e6)).toEqual([1, 10, 100, 1000, 10000, 100000, 1000000]);
    expect(formatLogTick(0.02)).toBe('0.02');
    expect(formatLogTick(1e6)).toBe('1e+6');
    const scene = layoutLineChart({ title: 'log', xLabel: 'frames', yLabel: 'loss', xLog: true, yLog: true, series: [{ name: 's', points: [[10, 1], [100, 0.1], [1000, 0.01], [0, 5], [10000, -1]] }] });
    const line = scene.primitives.find((p) => p.kind === 'polyline');
    if (line?.kind !== 'polyline') throw new Error('no series');
    expect(line.points).toHaveLength(3); // non-positive coordinates are skipped on log axes
    const [a, b, c] = line.points;
    expect(b[0] - a[0]).toBeCloseTo(c[0] - b[0], 6); // equal ratios → equal distances
    expect(b[1] - a[1]).toBeCloseTo(c[1] - b[1], 6);
    const labels = scene.primitives.filter((p) => p.kind === 'text').map((p) => (p.kind === 'text' ? p.text : ''));
    expect(labels).toContain('100');
    expect(labels).toContain('0.01');
  });
});

describe('dashed series', () => {
  it('dash pieces follow the pattern along the whole line, across vertices', () => {
    // an L-shaped line of length 10 + 10 with dashes of 3 on, 2 off
    const pieces = dashPieces([[0, 0], [10, 0], [10, 10]], [3, 2]);
    const lengths = pieces.map(([a, b]) => Math.hypot(b[0] - a[0], b[1] - a[1]));
    expect(lengths.reduce((a, b) => a + b, 0)).toBeCloseTo(12, 9); // 4 periods of 5 over 20: 4 × 3 on
    expect(pieces.map(([a]) => a)).toEqual([[0, 0], [5, 0], [10, 0], [10, 5]]);
    expect(pieces.map(([, b]) => b)).toEqual([[3, 0], [8, 0], [10, 3], [10, 8]]);
  });

  it('a dashed series has stroke-dasharray in SVG and gaps in the PNG; its legend shows the dash', () => {
    const chart: ChartSpec = {
      title: 'dash', xLabel: 'x', yLabel: 'y', width: 320, height: 200,
      series: [{ name: 'solid', points: [[0, 0], [1, 0]] }, { name: 'dashed', points: [[0, 1], [1, 1]], dashed: true }],
    };
    const svg = lineChartSvg(chart);
    expect(svg).toMatch(/data-name="dashed" d="[^"]+" fill="none" stroke="#D55E00" stroke-width="2" stroke-dasharray="7 5"/);
    expect(svg).not.toMatch(/data-name="solid"[^>]*stroke-dasharray/);
    const scene = layoutLineChart(chart);
    const legendLines = scene.primitives.filter((p) => p.kind === 'line' && p.role === 'legend');
    expect(legendLines).toHaveLength(3); // one for the solid series, two strokes for the dashed one
    // along each line's row in the PNG, count the pixels in the series colour: the dashed line has about 7/12 of them
    const { width, rgb } = rasterizeScene(scene, 1);
    const polylines = scene.primitives.filter((p) => p.kind === 'polyline');
    const coloured = (k: number, c: [number, number, number]) => {
      const line = polylines[k];
      if (line.kind !== 'polyline') throw new Error('not a polyline');
      const y = Math.round(line.points[0][1]);
      let n = 0;
      for (let x = Math.ceil(line.points[0][0]) + 1; x < Math.floor(line.points[1][0]) - 1; x++) {
        const o = (y * width + x) * 3;
        if (Math.abs(rgb[o] - c[0]) < 40 && Math.abs(rgb[o + 1] - c[1]) < 40 && Math.abs(rgb[o + 2] - c[2]) < 40) n++;
      }
      return n / (line.points[1][0] - line.points[0][0] - 3);
    };
    expect(coloured(0, [0, 114, 178])).toBeGreaterThan(0.95);
    const dashedShare = coloured(1, [213, 94, 0]);
    expect(dashedShare).toBeGreaterThan(0.45);
    expect(dashedShare).toBeLessThan(0.75);
  });
});
