/**
 * The @wn/layers file formats for the fuzz harness (@wn/tooling/fuzz): safetensors model state
 * and optimizer state (Adam, RMSprop). Used by fuzz.test.ts and tooling/scripts/fuzz.ts.
 */
import { dispose, mean, mul, Rng, sub, tensor, tidy, type Tensor } from '@wn/tensor';
import { safetensorsHeader, type FuzzFormat } from '@wn/tooling/fuzz';
import {
  Adam, BatchNorm, Conv2d, decodeSafetensors, encodeSafetensors, Linear, loadOptimizerState, loadState, RMSprop, saveOptimizerState, saveState,
  Sequential, trainStep, weightNorm, type Optimizer,
} from '../src/index.js';

const fail = (message: string): never => {
  throw new Error(message);
};

const convNet = (seed: number): Sequential =>
  new Sequential({ conv: weightNorm(new Conv2d(2, 3, 3, { rng: seed })), bn: new BatchNorm(3) });
const mlp = (seed: number): Sequential => new Sequential([weightNorm(new Linear(3, 4, { rng: seed })), weightNorm(new Linear(4, 1, { rng: seed + 1 }))]);

/** Trains `optimizer` on `model` for `steps` steps of a tiny regression. */
function train(model: Sequential, optimizer: Optimizer, steps: number): void {
  const x = new Rng(2).normal([6, 3]);
  const y = new Rng(3).normal([6, 1]);
  for (let i = 0; i < steps; i++) trainStep(optimizer, () => tidy(() => { const d = sub(model.forward(x), y); return mean(mul(d, d)); }));
  dispose([x, y]);
}

/** An optimizer-state format: files of `make`'s kind, loaded into a fresh optimizer of that kind. */
function optimizerFormat(name: string, make: (model: Sequential) => Optimizer): FuzzFormat<Optimizer> {
  const model = mlp(1);
  const samples = [1, 3].map((steps) => {
    const optimizer = make(model);
    train(model, optimizer, steps);
    const bytes = saveOptimizerState(optimizer);
    optimizer.dispose();
    return bytes;
  });
  return {
    name,
    samples,
    json: safetensorsHeader,
    load: (bytes, path) => {
      const optimizer = make(mlp(5)); // a fresh model per case: the check steps it
      loadOptimizerState(optimizer, bytes, { source: path });
      return optimizer;
    },
    check: (optimizer) => {
      // A loaded state must drive a step without failing far from the cause.
      if (Object.getPrototypeOf(optimizer) !== Object.getPrototypeOf(make(model))) fail('the optimizer prototype changed');
      const grads = optimizer.params.map((p) => tensor(new Float32Array(p.value.size), [...p.shape]) as Tensor);
      try {
        optimizer.step(grads);
      } finally {
        dispose(grads);
        optimizer.dispose();
        for (const p of optimizer.params) p.value.dispose();
      }
    },
  };
}

export function layersFormats(): FuzzFormat<any>[] {
  const net = convNet(1);
  tidy(() => {
    net.forward(new Rng(4).normal([2, 2, 5, 5])); // running statistics and num_batches_tracked (I64)
  });
  const foreign = encodeSafetensors(
    { a: { values: [1, 2, 3, 4], shape: [2, 2] }, b: { values: [7], shape: [], dtype: 'I64' }, c: { values: [], shape: [0, 3] } },
    { format: 'pt', note: 'x' },
  );
  const target = convNet(9);
  const safetensors: FuzzFormat<unknown> = {
    name: 'safetensors',
    samples: [saveState(net), foreign],
    json: safetensorsHeader,
    load: (bytes, path) => {
      const file = decodeSafetensors(bytes, { source: path });
      for (const t of Object.values(file.tensors)) {
        if (t.values.length !== t.shape.reduce((a, b) => a * b, 1)) fail(`${t.values.length} values for shape [${t.shape.join(', ')}]`);
      }
      // Model files must also load into the model (strictly) or be rejected naming the file.
      if (Object.keys(file.tensors).some((k) => k.startsWith('conv.') || k.startsWith('bn.'))) loadState(target, bytes, { source: path });
      return file;
    },
  };
  return [
    safetensors,
    optimizerFormat('optim-adam', (model) => new Adam(model, { lr: 0.01 })),
    optimizerFormat('optim-rmsprop', (model) => new RMSprop(model, { lr: 0.01, momentum: 0.9, centered: true })),
  ];
}
