// An example of site/guide/getting-started.md, which shows the region below.
// #region example
import { argmax, softmaxCrossEntropy, tensor } from '@wn/tensor';
import { Adam, Flatten, GlobalAvgPool2d, LeakyReLU, MaxPool2d, Sequential, convUnit, denseUnit, initFromData, trainStep } from '@wn/layers';
import { batches, loadEmbeddedFashionMnist, scalePixels } from '@wn/data';

// every unit: conv → weight norm (w = g · v / ‖v‖, one g per output channel) → leaky ReLU
const p = { variant: 'weightnorm+init', rng: 1 } as const;
const model = new Sequential([
  convUnit(1, 16, 3, { ...p, padding: 'same', activation: new LeakyReLU(0.1) }), new MaxPool2d(2),
  convUnit(16, 32, 3, { ...p, padding: 'same', activation: new LeakyReLU(0.1) }), new MaxPool2d(2),
  new GlobalAvgPool2d(), new Flatten(), denseUnit(32, 10, p),
]);
const { train, test } = loadEmbeddedFashionMnist(); // 5000 + 1000 28×28 images that ship with @wn/data
const images = (b: { x: Float32Array; size: number }) => tensor(b.x, [b.size, 1, 28, 28]); // NCHW
const opt = new Adam(model, { lr: 3e-3 });
const losses: number[] = [];
for (const batch of batches(train, { batchSize: 64, seed: 0, transform: scalePixels })) { // one epoch
  const x = images(batch);
  if (losses.length === 0) initFromData(model, x); // data-dependent init: pre-activations start at mean 0, std 1
  losses.push(trainStep(opt, () => softmaxCrossEntropy(model.forward(x), [...batch.y])).loss);
  x.dispose();
}
model.eval();
const all = batches(test, { batchSize: test.n, shuffle: false, transform: scalePixels }).next().value!;
const predicted = argmax(model.forward(images(all)), 1).toArray();
const accuracy = predicted.filter((c, i) => c === all.y[i]).length / all.size; // ≈ 0.5 after one epoch (chance: 0.1)
// #endregion example

export { accuracy, losses };
