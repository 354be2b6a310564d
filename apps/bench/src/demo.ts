/**
 * A small end-to-end demo: a two-layer MLP trained by @wn/autograd on a built-in dataset (two
 * interleaved spirals), printing the loss falling and the held-out accuracy.
 */
import { valueAndGrads, noGrad } from '@wn/autograd';
import * as T from '@wn/tensor';

function spirals(n: number, seed: number): { x: Float32Array; y: number[] } {
  const rng = new T.Rng(seed);
  const noise = rng.normalArray(2 * n, 0, 0.08);
  const x = new Float32Array(2 * n);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const r = (i / n) * 2.5 + 0.2;
    const angle = r * 2.2 + cls * Math.PI;
    x[2 * i] = r * Math.cos(angle) + noise[2 * i];
    x[2 * i + 1] = r * Math.sin(angle) + noise[2 * i + 1];
    y.push(cls);
  }
  return { x, y };
}

const hidden = 64;
const rng = new T.Rng(0);
const params = [
  rng.normal([hidden, 2], 0, 1 / Math.sqrt(2)),
  T.zeros([hidden]),
  rng.normal([2, hidden], 0, 1 / Math.sqrt(hidden)),
  T.zeros([2]),
];
const forward = (x: T.Tensor) => {
  const [w1, b1, w2, b2] = params;
  const h = T.tanh(T.add(T.matmul(x, w1, { transposeB: true }), b1));
  return T.add(T.matmul(h, w2, { transposeB: true }), b2);
};

const train = spirals(512, 1);
const test = spirals(256, 2);
const xTrain = T.tensor(train.x, [512, 2]);
const xTest = T.tensor(test.x, [256, 2]);
const lr = 0.5;
console.log(`@wn demo: MLP 2-${hidden}-2 on two spirals, full-batch gradient descent, backend ${T.getBackend()}`);
for (let step = 0; step <= 600; step++) {
  const { value, grads } = valueAndGrads(() => T.softmaxCrossEntropy(forward(xTrain), train.y), params);
  noGrad(() =>
    params.forEach((p, i) => {
      params[i] = T.sub(p, T.mul(grads[i], lr));
      p.dispose();
    }),
  );
  if (step % 100 === 0) {
    const acc = T.tidy(() => {
      const pred = T.argmax(forward(xTest), 1).toArray();
      return pred.reduce((s, p, i) => s + (p === test.y[i] ? 1 : 0), 0) / test.y.length;
    });
    console.log(`step ${String(step).padStart(4)}  loss ${value.item().toFixed(4)}  held-out accuracy ${(acc * 100).toFixed(1)}%`);
  }
  value.dispose();
  T.dispose(grads);
}
