/** The learning-curve charts of one or more runs (the paper's Figure 1 layout: one series per parameterization, mean ± sd over seeds). */
import { renderChart, seedSeries, type ChartFile, type ChartSpec } from '@wn/runs';
import type { EpochMetrics } from './metrics.js';

/** A series: one parameterization, with one metrics list per seed. */
export interface RunCurves {
  /** The series' legend label (the parameterization). */
  name: string;
  /** One list of per-epoch metrics per seed. */
  runs: readonly (readonly EpochMetrics[])[];
}

type Which = 'train_error' | 'test_error';
type Axis = 'epoch' | 'seconds';

const TITLES: Record<Which, string> = { train_error: 'Training error', test_error: 'Test error' };
const AXIS_LABEL: Record<Axis, string> = { epoch: 'epoch', seconds: 'training time (s)' };

/** How the epoch axis is labelled: a pass over the training set, or a fixed number of steps (`--epoch-steps`). */
export function epochAxisLabel(epochSteps: number, batchSize: number): string {
  return epochSteps > 0 ? `epoch (${epochSteps} steps of ${batchSize} images)` : 'epoch';
}

/**
 * The chart of one error (`'train_error'` or `'test_error'`) against epochs or training seconds (`'epoch'` or
 * `'seconds'`): one series per parameterization, the mean over seeds with a ± sd band.
 */
export function errorChartSpec(curves: readonly RunCurves[], which: Which, axis: Axis, subtitle: string, epochLabel = AXIS_LABEL.epoch): ChartSpec {
  const seeds = Math.max(0, ...curves.map((c) => c.runs.length));
  return {
    title: `${TITLES[which]} vs ${axis === 'epoch' ? 'epoch' : 'training time'}`,
    subtitle: seeds > 1 ? `${subtitle}${subtitle ? '; ' : ''}mean ± sd over ${seeds} seeds` : subtitle,
    xLabel: axis === 'epoch' ? epochLabel : AXIS_LABEL[axis],
    yLabel: which === 'train_error' ? 'training error (minibatch average)' : 'test error',
    yPercent: true,
    yMin: 0,
    ...(axis === 'seconds' ? { xMin: 0 } : { xIntegers: true }),
    series: curves.map((c) => seedSeries(c.name, c.runs, axis, which)),
  };
}

/** Train/test error vs epoch and vs training seconds, as SVG and PNG files (bytes). */
export function errorCharts(curves: readonly RunCurves[], subtitle = '', epochLabel = AXIS_LABEL.epoch): ChartFile[] {
  const files: ChartFile[] = [];
  for (const which of ['train_error', 'test_error'] as const) {
    for (const axis of ['epoch', 'seconds'] as const) {
      files.push(...renderChart(`${which.replace('_', '-')}-vs-${axis === 'epoch' ? 'epoch' : 'time'}`, errorChartSpec(curves, which, axis, subtitle, epochLabel)));
    }
  }
  return files;
}
