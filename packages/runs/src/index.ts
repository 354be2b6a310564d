/**
 * `@wn/runs` — what every model package's training runs share, in a form that also runs in a
 * browser: checked checkpoints with a state bag, metrics, progress lines, SVG/PNG charts and
 * comparisons over variants × seeds. Files, signals and the CLI are in `@wn/runs/node`.
 *
 * @module @wn/runs
 */
export { CorruptFileError, OptionError, RunFolderError, NonFiniteLossError, assertFiniteLoss } from './errors.js';
export { FieldReader, isForbiddenName, emptyRecord, type JsonValue, type JsonRecord, type NumberRange } from './checked.js';
export { StateBag, STORED_ARRAY_KINDS, type StoredArray, type StoredArrayKind, type GeneratorPosition } from './state-bag.js';
export { encodeCheckpoint, decodeCheckpoint, readCheckpointHeader, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type CheckpointParts, type CheckpointContents, type CheckpointHeader } from './checkpoint.js';
export { settingsDifferences, type SettingsDifference } from './settings.js';
export { formatMetricsJsonl, parseMetricsJsonl, column, type MetricsRow } from './metrics.js';
export { type RunResult } from './run-result.js';
export { Progress, formatDuration, formatRate, type ProgressOptions, type ProgressSink } from './progress.js';
export { compareVariants, rowsOf, mean, sampleSd, meanCurve, sdCurve, seedSeries, markdownTable, type CurveOptions, type ComparisonJob, type ComparisonRunResult, type ComparedRun, type Comparison } from './compare.js';
export { renderChart, type ChartFile } from './charts.js';
export { backendInfo, type BackendInfo } from './backend.js';
export { layoutLineChart, niceTicks, logTicks, formatTick, formatLogTick, PALETTE, type ChartSpec, type Series, type Scene, type Primitive } from './plot/chart.js';
export { lineChartSvg, sceneToSvg } from './plot/svg.js';
export { lineChartPng, rasterizeScene, encodePng, crc32 } from './plot/png.js';
export { encodeGif, frameGrid, frameGridPng, frameStripPng, greyFrame, type RgbFrame, type FrameGridOptions } from './plot/frames.js';
export { BENCH_MODES, BENCH_FORMAT, benchMode, benchPoints, parseBenchResults, type BenchMode, type BenchPoint, type BenchSeries, type BenchExperiment, type BenchTable, type BenchMachine, type BenchResults } from './bench.js';
