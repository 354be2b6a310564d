// Bundled with esbuild (platform node, the packages' `sideEffects` honoured) by
// tooling/scripts/pack-install.mjs, then run: tree-shaking must keep what registers the backends.
import { Rng, getBackend, sum, tensor } from '@wn/tensor';
import { valueAndGrads } from '@wn/autograd';
import { Linear, weightNorm, weightNormOf } from '@wn/layers';

const layer = weightNorm(new Linear(3, 2, { rng: new Rng(0) }));
const { g } = weightNormOf(layer);
const { value, grads } = valueAndGrads(() => sum(layer.forward(tensor(new Float32Array(6).fill(1), [2, 3]))), [g.value]);
if (getBackend() !== 'wasm') throw new Error(`bundled: backend ${getBackend()}, expected wasm`);
if (!Number.isFinite(value.item()) || !grads[0].toArray().every(Number.isFinite)) throw new Error('bundled: a non-finite loss or gradient');
console.log(`bundled: weight-normalized Linear on ${getBackend()}, loss ${value.item().toFixed(4)}`);
