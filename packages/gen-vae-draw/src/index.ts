/**
 * @wn/gen-vae-draw — the weight normalization paper's generative experiments on MNIST: a
 * convolutional ResNet VAE and DRAW, with and without weight normalization. Run folders,
 * checkpoints, progress, charts and the CLI options come from @wn/runs.
 */
export { bernoulliLogLikelihood, gaussianKlStandard, gaussianLogDensity, logMeanExp, sumPerImage } from './common/bounds.js';
