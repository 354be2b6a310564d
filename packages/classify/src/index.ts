/**
 * `@wn/classify` — the paper's CIFAR-10 classifier (a ConvPool-CNN-C variant) under every
 * parameterization, its resumable trainer, and the comparison of parameterizations. Run folders,
 * checkpoints, progress, charts and the CLI options come from @wn/runs.
 *
 * @module @wn/classify
 */
export { ConvPoolCnnC, PAPER_MODEL, modelVariant, scaledChannels, usesDataInit, type ModelConfig } from './model.js';
export { train, evaluate, defaultLearningRate, runSettings, PAPER_ARGS, QUICK_ARGS, COMPARE_ARGS, CHECKPOINT_FILE, RUN_KIND, type Args, type TrainOptions, type TrainResult } from './trainer.js';
export { compare, formatSummaryTable, type CompareOptions, type CompareResult, type SummaryRow } from './compare.js';
export { DATASETS, isDatasetName, loadClassificationData, type DatasetName, type DataArgs } from './datasets.js';
export { epochOrder, initBatchIndices, batchesPerEpoch, gatherBatch, type FloatImages, type ClassificationData } from './batches.js';
export { readMetricsJsonl, readEpochMetrics, TIMING_FIELDS, type EpochMetrics } from './metrics.js';
export { errorCharts, errorChartSpec, epochAxisLabel, type RunCurves } from './charts.js';
export { OPTIONS as CLI_OPTIONS } from './cli.js';
