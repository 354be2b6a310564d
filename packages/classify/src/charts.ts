/** The learning-curve charts of one or more runs (the paper's Figure 1 layout: one series per parameterization). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartSpec } from './plot/chart.js';
import { lineChartPng } from './plot/png.js';
import { lineChartSvg } from './plot/svg.js';
import type { EpochMetrics } from './metrics.js';

export interface RunCurves {
  name: string;
  metrics: readonly EpochMetrics[];
}

type Which = 'train_error' | 'test_error';
type Axis = 'epoch' | 'seconds';

const TITLES: Record<Which, string> = { train_error: 'Training error', test_error: 'Test error' };
const AXIS_LABEL: Record<Axis, string> = { epoch: 'epoch', seconds: 'training time (s)' };

/** How the epoch axis is labelled: a pass over the training set, or a fixed number of steps (`--epoch-steps`). */
export function epochAxisLabel(epochSteps: number, batchSize: number): string {
  return epochSteps > 0 ? `epoch (${epochSteps} steps of ${batchSize} images)` : 'epoch';
}

export function errorChartSpec(runs: readonly RunCurves[], which: Which, axis: Axis, subtitle: string, epochLabel = AXIS_LABEL.epoch): ChartSpec {
  return {
    title: `${TITLES[which]} vs ${axis === 'epoch' ? 'epoch' : 'training time'}`,
    subtitle,
    xLabel: axis === 'epoch' ? epochLabel : AXIS_LABEL[axis],
    yLabel: which === 'train_error' ? 'training error (minibatch average)' : 'test error',
    yPercent: true,
    yMin: 0,
    ...(axis === 'seconds' ? { xMin: 0 } : { xIntegers: true }),
    series: runs.map((r) => ({ name: r.name, points: r.metrics.map((m) => [m[axis], m[which]] as [number, number]) })),
  };
}

/**
 * Writes train/test error vs epoch and vs training seconds, as SVG and PNG, into `dir`.
 * Returns the file names written.
 */
export function writeErrorCharts(dir: string, runs: readonly RunCurves[], subtitle = '', epochLabel = AXIS_LABEL.epoch): string[] {
  const files: string[] = [];
  for (const which of ['train_error', 'test_error'] as const) {
    for (const axis of ['epoch', 'seconds'] as const) {
      const spec = errorChartSpec(runs, which, axis, subtitle, epochLabel);
      const base = `${which.replace('_', '-')}-vs-${axis === 'epoch' ? 'epoch' : 'time'}`;
      writeFileSync(join(dir, `${base}.svg`), lineChartSvg(spec));
      writeFileSync(join(dir, `${base}.png`), lineChartPng(spec));
      files.push(`${base}.svg`, `${base}.png`);
    }
  }
  return files;
}
