import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatTick, layoutLineChart, niceTicks, type ChartSpec } from '../src/plot/chart.js';
import { crc32, lineChartPng } from '../src/plot/png.js';
import { lineChartSvg } from '../src/plot/svg.js';

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

describe('PNG chart', () => {
  const png = lineChartPng({ ...spec, width: 320, height: 200 });

  it('is a valid RGB PNG of the requested size with correct CRCs', () => {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    let at = 8;
    const chunks: { type: string; data: Buffer }[] = [];
    while (at < png.length) {
      const len = png.readUInt32BE(at);
      const type = png.subarray(at + 4, at + 8).toString('ascii');
      const data = png.subarray(at + 8, at + 8 + len);
      expect(png.readUInt32BE(at + 8 + len)).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
      chunks.push({ type, data });
      at += 12 + len;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(chunks[0].data.readUInt32BE(0)).toBe(320);
    expect(chunks[0].data.readUInt32BE(4)).toBe(200);
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
