/** A chart as the files a run folder holds: `<base>.svg` and `<base>.png`, as bytes (no file system). */
import { layoutLineChart, type ChartSpec } from './plot/chart.js';
import { encodePng, rasterizeScene } from './plot/png.js';
import { sceneToSvg } from './plot/svg.js';

export interface ChartFile {
  name: string;
  bytes: Uint8Array;
}

/** Lays the chart out once and renders it both ways. */
export function renderChart(base: string, spec: ChartSpec): ChartFile[] {
  const scene = layoutLineChart(spec);
  const { width, height, rgb } = rasterizeScene(scene);
  return [
    { name: `${base}.svg`, bytes: new TextEncoder().encode(sceneToSvg(scene)) },
    { name: `${base}.png`, bytes: encodePng(width, height, rgb) },
  ];
}
