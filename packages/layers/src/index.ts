/**
 * `@wn/layers` — modules, weight normalization (Salimans & Kingma 2016) as a parametrization,
 * data-dependent initialization, batch norm and mean-only batch norm, optimizers, schedules,
 * parameter EMA, losses and safetensors state I/O with PyTorch's names.
 *
 * @module @wn/layers
 */
export { Module, Layer, LayerError, setCheckFinite } from './module.js';
export { Param, Buffer, type BufferDtype } from './params.js';
export { Parametrization, ParametrizedTensor, cached, resolveSlot, type PreActivationStats, type WeightSlot } from './parametrization.js';
export { parametrize, removeParametrization, isParametrized } from './parametrize.js';
export { randomState, loadRandomState, type RandomState } from './random-state.js';
export { manualSeed, resolveRng, type RngOption } from './rng.js';
export { fanIn, kaimingUniformA5, uniformInit, normalInit } from './init.js';
export {
  WeightedLayer, Linear, Conv2d, ConvTranspose2d,
  type LinearOptions, type Conv2dLayerOptions, type ConvTranspose2dLayerOptions,
} from './layers/weighted.js';
export { LSTMCell, type LSTMState } from './layers/lstm.js';
export { ReLU, LeakyReLU, ELU, Tanh, Sigmoid, Softplus, Identity } from './layers/activations.js';
export { MaxPool2d, AvgPool2d, GlobalAvgPool2d, type PoolOptions } from './layers/pool.js';
export { Dropout, GaussianNoise } from './layers/regularization.js';
export { Flatten, Reshape } from './layers/reshape.js';
export { Sequential } from './layers/sequential.js';
export { BatchNorm, MeanOnlyBatchNorm, DataInitScale, type BatchNormOptions } from './layers/norm.js';
export {
  WeightNorm, weightNorm, weightNormAll, removeWeightNorm, hasWeightNorm, weightNormOf, weightNormWeight, weightNormNorm, gShape, normAxes,
  type WeightNormOptions,
} from './weight-norm.js';
export { initFromData, type DataInitOptions, type DataInitRecord, type DataInitReport } from './data-init.js';
export {
  Optimizer, SGD, Adam, Adamax, RMSprop, NatureRMSprop,
  type NatureRMSpropOptions, type ParamsInput, type ParamState, type OptimizerState, type SGDOptions, type AdamOptions, type RMSpropOptions,
} from './optim/optimizer.js';
export { clipGradNorm, globalNorm } from './optim/clip.js';
export { constant, linearDecay, cosineDecay, flatThenLinear, switchAt, warmup, type Schedule } from './optim/schedule.js';
export { ParamEMA } from './optim/ema.js';
export * as losses from './losses.js';
export {
  softmaxCrossEntropy, binaryCrossEntropyWithLogits, mseLoss, huberLoss, gaussianKL, gaussianKLFromLogStd, type Reduction,
} from './losses.js';
export {
  encodeSafetensors, decodeSafetensors, safetensorsToTensors,
  type SafetensorsDtype, type SafetensorsTensor, type SafetensorsFile, type SafetensorsInput, type WritableDtype, type DecodeOptions,
} from './safetensors.js';
export { prototypeKeySegment } from './names.js';
export { saveState, loadState, saveOptimizerState, loadOptimizerState, type StateSource } from './state.js';
export {
  VARIANT_NAMES, VARIANTS, isVariantName, resolveVariant, needsDataInit, Unit, convUnit, convTransposeUnit, denseUnit,
  type VariantName, type Variant, type UnitOptions, type ConvUnitOptions, type ConvTransposeUnitOptions,
} from './units.js';
export { paramGrads, trainStep } from './train.js';
