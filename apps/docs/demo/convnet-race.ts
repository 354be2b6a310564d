/**
 * The convnet demo's training, apart from the Web Worker that runs it (so a Node test can run it
 * too): two copies of one small convnet, built from @wn/layers' units under two parameterizations,
 * trained step by step on the same batches of Fashion-MNIST with Adam, and evaluated on held-out
 * images. Everything here is @wn's public API; only the network's shape is the demo's own.
 */
import { argmax, Rng, tensor, tidy, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import {
  Adam, convUnit, denseUnit, Flatten, initFromData, MaxPool2d, paramGrads, ReLU, Sequential, softmaxCrossEntropy, type VariantName,
} from '@wn/layers';
import { batches, scalePixels, subset, type Batch, type ImageDataset } from '@wn/data/browser';

/** The two parameterizations the demo races. */
export const RACE_VARIANTS = ['standard', 'weightnorm+init'] as const satisfies readonly VariantName[];
export type RaceVariant = (typeof RACE_VARIANTS)[number];

export interface RaceOptions {
  /** images per training step (both models see the same batch) */
  readonly batchSize: number;
  /** Adam's learning rate, the same for both */
  readonly lr: number;
  /** held-out test images the accuracy is measured on (the first ones, all classes interleaved; a multiple of batchSize avoids a smaller last batch) */
  readonly evalImages: number;
  /** images in the data-dependent init batch of weightnorm+init */
  readonly initBatch: number;
  /** channels of the two conv layers */
  readonly channels: readonly [number, number];
  readonly seed: number;
}

export const DEFAULT_RACE_OPTIONS: RaceOptions = { batchSize: 32, lr: 2e-3, evalImages: 512, initBatch: 128, channels: [8, 16], seed: 1 };

/**
 * conv 3×3 (pad 1) → ReLU → max-pool 2 → conv 3×3 (pad 1) → ReLU → max-pool 2 → dense 10, each
 * weighted layer a @wn/layers unit under `variant` (weight norm with the paper's init for
 * weightnorm+init, PyTorch's init for standard).
 */
export function smallConvNet(variant: RaceVariant, options: Pick<RaceOptions, 'channels' | 'seed'>, image: { channels: number; height: number; width: number }, classes: number): Sequential {
  const rng = new Rng(options.seed);
  const [c1, c2] = options.channels;
  const side = (n: number) => Math.floor(Math.floor(n / 2) / 2);
  return new Sequential({
    conv1: convUnit(image.channels, c1, 3, { variant, padding: 1, activation: new ReLU(), rng }),
    pool1: new MaxPool2d(2),
    conv2: convUnit(c1, c2, 3, { variant, padding: 1, activation: new ReLU(), rng }),
    pool2: new MaxPool2d(2),
    flat: new Flatten(),
    dense: denseUnit(c2 * side(image.height) * side(image.width), classes, { variant, rng }),
  });
}

/** One training step of both models. */
export interface RaceStep {
  /** steps done so far (this one included) */
  readonly step: number;
  /** training loss of this step's batch, per model */
  readonly loss: Record<RaceVariant, number>;
  /** milliseconds of this step (forward, backward, update, reading the loss back), per model */
  readonly ms: Record<RaceVariant, number>;
}

/** Held-out accuracy of both models after `step` steps. */
export interface RaceEval {
  readonly step: number;
  readonly accuracy: Record<RaceVariant, number>;
  readonly ms: number;
}

interface Contender {
  readonly model: Sequential;
  readonly optimizer: Adam;
}

const images = (batch: Batch, dataset: ImageDataset): Tensor => tensor(batch.x, [batch.size, dataset.channels, dataset.height, dataset.width]);

/** Two models racing on the same batches; `step()` trains both once, `evaluate()` measures them. */
export class ConvnetRace {
  readonly options: RaceOptions;
  private readonly contenders: Record<RaceVariant, Contender>;
  private steps = 0;
  private epoch = 0;
  private epochBatches: Generator<Batch, void, undefined>;

  constructor(
    private readonly train: ImageDataset,
    private readonly test: ImageDataset,
    options: Partial<RaceOptions> = {},
  ) {
    this.options = { ...DEFAULT_RACE_OPTIONS, ...options };
    this.epochBatches = this.newEpoch();
    const build = (variant: RaceVariant): Contender => {
      const model = smallConvNet(variant, this.options, train, train.classes.length);
      if (variant === 'weightnorm+init') {
        // the paper's data-dependent init: one forward pass on a batch the training never starts with
        const init = batches(train, { batchSize: this.options.initBatch, seed: this.options.seed + 1000, transform: scalePixels }).next().value!;
        const x = images(init, train);
        initFromData(model, x);
        x.dispose();
      }
      return { model, optimizer: new Adam(model, { lr: this.options.lr }) };
    };
    this.contenders = { standard: build('standard'), 'weightnorm+init': build('weightnorm+init') };
  }

  private newEpoch(): Generator<Batch, void, undefined> {
    return batches(this.train, { batchSize: this.options.batchSize, seed: this.options.seed, epoch: this.epoch, dropLast: true, transform: scalePixels });
  }

  private nextBatch(): Batch {
    let next = this.epochBatches.next();
    if (next.done) {
      this.epoch++;
      this.epochBatches = this.newEpoch();
      next = this.epochBatches.next();
    }
    return next.value as Batch;
  }

  /** Steps done so far. */
  get step(): number {
    return this.steps;
  }

  /** Parameters per model (the two differ by weight norm's g per output unit). */
  parameters(): Record<RaceVariant, number> {
    return { standard: this.contenders.standard.model.numParameters(), 'weightnorm+init': this.contenders['weightnorm+init'].model.numParameters() };
  }

  /** One Adam step of each model on the same batch. */
  trainStep(): RaceStep {
    const batch = this.nextBatch();
    const x = images(batch, this.train);
    const loss = {} as Record<RaceVariant, number>;
    const ms = {} as Record<RaceVariant, number>;
    try {
      for (const variant of RACE_VARIANTS) {
        const { model, optimizer } = this.contenders[variant];
        const t0 = performance.now();
        const { loss: l, grads } = paramGrads(optimizer.params, () => softmaxCrossEntropy(model.forward(x), batch.y));
        loss[variant] = l.item();
        optimizer.step(grads);
        l.dispose();
        for (const g of grads) g.dispose();
        ms[variant] = performance.now() - t0;
      }
    } finally {
      x.dispose();
    }
    this.steps++;
    return { step: this.steps, loss, ms };
  }

  /** Accuracy of each model on the first `evalImages` test images (evaluation mode, no gradients). */
  evaluate(): RaceEval {
    const t0 = performance.now();
    const n = Math.min(this.options.evalImages, this.test.n);
    const heldOut = n === this.test.n ? this.test : subset(this.test, Uint32Array.from({ length: n }, (_, i) => i));
    const correct: Record<RaceVariant, number> = { standard: 0, 'weightnorm+init': 0 };
    // batches of the training size: the gpu.js backend then reuses the forward kernels it compiled for training
    for (const batch of batches(heldOut, { batchSize: this.options.batchSize, shuffle: false, transform: scalePixels })) {
      noGrad(() => tidy(() => {
        const x = images(batch, heldOut);
        for (const variant of RACE_VARIANTS) {
          const { model } = this.contenders[variant];
          model.eval();
          const predicted = argmax(model.forward(x), 1).dataSync();
          model.train();
          for (let i = 0; i < batch.size; i++) if (predicted[i] === batch.y[i]) correct[variant]++;
        }
      }));
    }
    return { step: this.steps, accuracy: { standard: correct.standard / n, 'weightnorm+init': correct['weightnorm+init'] / n }, ms: performance.now() - t0 };
  }

  /** Frees both models' and optimizers' tensors. */
  dispose(): void {
    for (const variant of RACE_VARIANTS) {
      this.contenders[variant].optimizer.dispose();
      this.contenders[variant].model.dispose();
    }
  }
}
