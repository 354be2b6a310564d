/**
 * The `steps` workloads on TensorFlow.js 4.22 (tfjs-core ops, tf.train.adam via
 * optimizer.minimize, tf.variableGrads for W4), from the same initial values as every other peer.
 * TF.js is NHWC with [kh, kw, in, out] filters: images and weights are permuted on the host.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { tf } from './tfjs.js';
import { register } from 'node:module';

// tfjs-core's node bundle has no gradient functions: the `@tensorflow/tfjs` umbrella package
// registers them from tfjs-core's ESM tree (dist/register_all_gradients.js). That tree uses
// extensionless relative imports, which Node's ESM resolver refuses, so a resolve hook scoped to
// tfjs-core's dist/ adds the `.js` (or `/index.js`). The registry, engine and Tensor class are
// process globals in TF.js, so the gradients land where the CommonJS build looks for them.
const HOOK = `
export async function resolve(specifier, context, next) {
  if (context.parentURL && context.parentURL.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !/\\.m?js$/.test(specifier)) {
    try { return await next(specifier + '.js', context); } catch { return next(specifier + '/index.js', context); }
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
import { ADAM, LEAKY_SLOPE, W2_LAYERS, W4, batchOf, permute, type HostArray, type Workload } from '../workloads/spec.js';
import type { Trainer } from '../workloads/wn.js';

type Tensor = TfCore.Tensor;

function upload(a: HostArray): Tensor {
  return tf.tensor(a.data, a.shape);
}

/**
 * A PyTorch-layout parameter in TF.js's own layout (as tf.layers stores them): conv weights OIHW →
 * HWIO, WN's g [out,1,1,1] → [out], dense and LSTM weights [out, in] → [in, out]. (With [out, in]
 * and transposeB the wasm backend's forward matmul is about 10× slower here.)
 */
function tfParam(name: string, a: HostArray): HostArray {
  if (a.shape.length === 4 && name.endsWith('.g')) return { shape: [a.shape[0]], data: a.data };
  if (a.shape.length === 4) return permute(a, [2, 3, 1, 0]);
  if (a.shape.length === 2) return permute(a, [1, 0]);
  return a;
}

function w2Loss(p: Tensor[], x: Tensor, oneHot: Tensor, wn: boolean): TfCore.Scalar {
  let h = x as TfCore.Tensor4D;
  let k = 0;
  for (const layer of W2_LAYERS) {
    if ('pool' in layer) { h = tf.maxPool(h, 2, 2, 'valid'); continue; }
    // weight norm per output channel: the norm over kh, kw, in (axes 0-2 of HWIO)
    const w = (wn ? tf.mul(p[k + 1], tf.div(p[k], tf.sqrt(tf.sum(tf.square(p[k + 1]), [0, 1, 2], true)))) : p[k]) as TfCore.Tensor4D;
    const b = p[wn ? k + 2 : k + 1];
    k += wn ? 3 : 2;
    h = tf.add(tf.conv2d(h, w, 1, layer.conv.padding), b);
    if (!layer.conv.last) h = tf.leakyRelu(h, LEAKY_SLOPE);
  }
  const logits = tf.mean(h, [1, 2]);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as TfCore.Scalar;
}

function w3Loss(p: Tensor[], x: Tensor, oneHot: Tensor): TfCore.Scalar {
  let h = x;
  for (let i = 0; i < p.length; i += 2) {
    h = tf.add(tf.matMul(h, p[i]), p[i + 1]);
    if (i + 2 < p.length) h = tf.relu(h);
  }
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(h)), 1))) as TfCore.Scalar;
}

function w4Loss([wIh, wHh, b]: Tensor[], xs: Tensor[]): TfCore.Scalar {
  const n = xs[0].shape[0];
  let h: Tensor = tf.zeros([n, W4.hidden]);
  let c: Tensor = tf.zeros([n, W4.hidden]);
  for (const x of xs) {
    const gates = tf.add(tf.add(tf.matMul(x, wIh), tf.matMul(h, wHh)), b);
    const [i, f, g, o] = tf.split(gates, 4, 1);
    c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    h = tf.mul(tf.sigmoid(o), tf.tanh(c));
  }
  return tf.sum(h);
}

/** A TF.js trainer on the current TF.js backend (call useTf first). */
export function tfTrainer(w: Workload, batch = w.batch): Trainer {
  const data = batchOf(w, batch);
  const vars = w.params.map(([name, a]) => tf.variable(upload(tfParam(name, a)), true, `${w.id}/${name}/${Math.random()}`));
  const x = w.id.startsWith('W2') ? upload(permute(data.x, [0, 2, 3, 1])) : upload(data.x);
  const xs = w.id === 'W4' ? tf.unstack(x, 0) : [];
  const oneHot = data.labels ? tf.oneHot(tf.tensor1d(Array.from(data.labels.data), 'int32'), 10) : undefined;
  const loss = (): TfCore.Scalar => {
    switch (w.id) {
      case 'W2': return w2Loss(vars, x, oneHot!, false);
      case 'W2-WN': return w2Loss(vars, x, oneHot!, true);
      case 'W3': return w3Loss(vars, x, oneHot!);
      case 'W4': return w4Loss(vars, xs);
      default: throw new Error(`tfjs peer: ${w.id} is not a TF.js workload (the DQN, VAE and DRAW workloads run on @wn and PyTorch only)`);
    }
  };
  const optimizer = w.adam ? tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps) : undefined;
  return {
    step: () => {
      if (optimizer) {
        const cost = optimizer.minimize(loss, true, vars)!;
        const l = cost.dataSync()[0];
        cost.dispose();
        return l;
      }
      const { value, grads } = tf.variableGrads(loss, vars);
      // read the gradients back too: the backward pass must have run
      for (const g of Object.values(grads)) g.dataSync();
      const l = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
      return l;
    },
    dispose: () => {
      tf.dispose([...vars, x, ...xs]);
      if (oneHot) oneHot.dispose();
      optimizer?.dispose();
    },
  };
}
