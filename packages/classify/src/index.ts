/**
 * @wn/classify — the paper's CIFAR-10 classifier (a ConvPool-CNN-C variant) under every
 * parameterization, its resumable trainer, and the comparison of parameterizations.
 */
export { ConvPoolCnnC, PAPER_MODEL, modelVariant, scaledChannels, usesDataInit, type ModelConfig } from './model.js';
export { train, evaluate, defaultLearningRate, PAPER_ARGS, QUICK_ARGS, COMPARE_ARGS, CHECKPOINT_FILE, type Args, type TrainOptions, type TrainResult } from './trainer.js';
export { compare, formatSummaryTable, type CompareOptions, type CompareResult, type SummaryRow } from './compare.js';
export { DATASETS, isDatasetName, loadClassificationData, type DatasetName, type DataArgs } from './datasets.js';
export { epochOrder, initBatchIndices, batchesPerEpoch, gatherBatch, type FloatImages, type ClassificationData } from './batches.js';
export { encodeCheckpoint, restoreCheckpoint, saveCheckpoint, loadCheckpoint, readCheckpointState, writeFileAtomic, type TrainingParts } from './checkpoint.js';
export { readMetricsJsonl, writeMetricsJsonl, TIMING_FIELDS, type EpochMetrics } from './metrics.js';
export { Progress, formatDuration, type ProgressOptions, type ProgressSink } from './progress.js';
export { writeErrorCharts, errorChartSpec, epochAxisLabel, type RunCurves } from './charts.js';
export { layoutLineChart, niceTicks, formatTick, PALETTE, type ChartSpec, type Series, type Scene, type Primitive } from './plot/chart.js';
export { lineChartSvg, sceneToSvg } from './plot/svg.js';
export { lineChartPng, rasterizeScene, encodePng, crc32 } from './plot/png.js';
