/** A chart as the files a run folder holds: `<base>.svg` and `<base>.png`, as bytes (no file system). */
import { layoutLineChart, type ChartSpec } from './plot/chart.js';
import { encodePng, rasterizeScene } from './plot/png.js';
import { sceneToSvg } from './plot/svg.js';

/** One chart file: its name in the run folder and its bytes. */
export interface ChartFile {
  /** File name, e.g. `test-error.svg`. */
  name: string;
  /** The SVG text or PNG image, encoded. */
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
