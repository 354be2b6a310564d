/** The README example, verbatim apart from the assertions: a weight-normalized MLP with data init trained a few steps. */
import { expect, it } from 'vitest';
import { Rng, softmaxCrossEntropy, tensor, tidy } from '@wn/tensor';
import { Adam, denseUnit, flatThenLinear, initFromData, ReLU, Sequential, switchAt, trainStep } from '../src/index.js';

it('README: weight-normalized MLP, data-dependent init, Adam with the paper’s schedules', () => {
  // toy data: the class is the sign of x0·x1 (not linearly separable)
  const rng = new Rng(0);
  const pts = rng.uniformArray(2 * 128, -1, 1);
  const labels = Array.from({ length: 128 }, (_, i) => (pts[2 * i] * pts[2 * i + 1] > 0 ? 1 : 0));
  const x = tensor(pts, [128, 2]);

  const wn = { variant: 'weightnorm+init', rng } as const;
  const model = new Sequential({
    fc1: denseUnit(2, 32, { ...wn, activation: new ReLU() }),
    fc2: denseUnit(32, 32, { ...wn, activation: new ReLU() }),
    out: denseUnit(32, 2, wn),
  });
  initFromData(model, x); // every pre-activation now has mean 0, std 1 on this batch

  const steps = 60;
  const opt = new Adam(model, { lr: 0.01 });
  const lr = flatThenLinear(0.01, steps); // flat for the first half, then linear to 0
  const beta1 = switchAt(steps / 2, 0.9, 0.5); // the paper's β1 switch
  const history: number[] = [];
  for (let t = 0; t < steps; t++) {
    opt.lr = lr(t);
    opt.beta1 = beta1(t);
    history.push(trainStep(opt, () => softmaxCrossEntropy(model.forward(x), labels)).loss);
  }
  model.eval();
  const accuracy = tidy(() => {
    const logits = model.forward(x).dataSync();
    return labels.filter((y, i) => (logits[2 * i + 1] > logits[2 * i] ? 1 : 0) === y).length / labels.length;
  });

  expect(history[steps - 1]).toBeLessThan(0.5 * history[0]);
  expect(accuracy).toBeGreaterThan(0.9);
  x.dispose();
});
