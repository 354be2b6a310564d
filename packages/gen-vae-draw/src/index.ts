/**
 * `@wn/gen-vae-draw` — the weight normalization paper's generative experiments on MNIST: a
 * convolutional ResNet VAE and DRAW, with and without weight normalization. Run folders,
 * checkpoints, progress, charts and the CLI options come from @wn/runs.
 *
 * @module @wn/gen-vae-draw
 */
export { bernoulliLogLikelihood, gaussianKlStandard, gaussianLogDensity, logMeanExp, sumPerImage } from './common/bounds.js';
export { MODELS, MODEL_NAMES, PRESETS, type GenerativeModel, type LossResult, type ModelEntry, type ModelSettings, type Preset, type TrainingDefaults } from './model.js';
export { ConvVae, IMAGE_SHAPE } from './vae/vae.js';
export { VaeNetwork, Encoder, Decoder, ResBlock, PAPER_SIZES, type VaeSizes } from './vae/network.js';
export { VAE_ENTRY, VAE_PAPER_SETTINGS, vaeSizes, scaledChannels } from './vae/entry.js';
export { evaluateBounds, iwBounds, hostLogMeanExp, IW_SAMPLES_PER_PASS, type BoundOptions, type Bounds } from './evaluate.js';
export { loadBinarizedData, trainBatch, imageBatch, mnistDataInstalled, DATASETS, TEST_BINARIZATION_SEED, type BinarizedData, type BinaryImages, type DataArgs, type DatasetName } from './data/mnist.js';
export { train, presetArgs, buildModel, modelEntry, boundCharts, writeImageGrids, stepsPerEpoch, runSettings, RUN_KIND, TIMING_FIELDS, type Args, type EpochMetrics, type TrainOptions, type TrainResult } from './trainer.js';
export { reportGenRuns, savedEvaluations, evaluationFileName, type GenReport, type SavedEvaluation } from './report.js';
export { compare, formatSummaryTable, type CompareOptions, type CompareResult, type SummaryRow } from './compare.js';
export { imageGridPng } from './images.js';
export { openRun, type SavedRun } from './saved-run.js';
export { OPTIONS as CLI_OPTIONS } from './cli.js';
export { DRAW_PRESETS, DRAW_PRESET_NAMES, drawConfig, checkDrawConfig, type DrawConfig, type DrawPresetName } from './draw/config.js';
export { DrawModel, DRAW_VARIANTS, type DrawVariantName, type DrawOptions, type DrawPass, type DrawLoss } from './draw/model.js';
export { attentionWindow, axisFilterbank, filterbanks, glimpse, attentiveRead, attentiveWrite, type AttentionWindow, type ImageSize } from './draw/attention.js';
export { Draw, DRAW_ENTRY, DRAW_PAPER_SETTINGS, drawSettingsConfig } from './draw/entry.js';
export { drawSequence, canvasSequenceGif, canvasSequenceStrip, canvasSequenceFiles, gridFrame, type CanvasSequence, type RenderOptions } from './draw/sequence.js';
