/**
 * Time of one DRAW training step (negative ELBO, gradients, clipping at 10, Adam), standard vs
 * weightnorm, on random binary images. From packages/gen-vae-draw:
 *
 *     node --conditions=@wn/source --import tsx scripts/draw-step-time.ts [T,lstm,batch,steps]   # default 16,256,64,3
 */
import { Rng, tensor, getBackend } from '@wn/tensor';
import { Adam, trainStep } from '@wn/layers';
import { DrawModel } from '../src/draw/model.js';
import { drawConfig } from '../src/draw/config.js';
const [steps, hidden, batch, reps] = (process.argv[2] ?? '16,256,64,3').split(',').map(Number);
const rng = new Rng(1);
const x = tensor(Array.from(rng.uniformArray(batch * 784), (u) => (u < 0.2 ? 1 : 0)), [batch, 784]);
for (const variant of ['standard', 'weightnorm'] as const) {
  const model = new DrawModel({ config: drawConfig('quick', { steps, encoderSize: hidden, decoderSize: hidden }), variant, rng: 2 });
  const opt = new Adam(model, { lr: 3e-4 });
  const r = new Rng(3);
  trainStep(opt, () => model.negativeElbo(x, r).loss, { clipNorm: 10 }); // warm-up
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    trainStep(opt, () => model.negativeElbo(x, r).loss, { clipNorm: 10 });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`${getBackend()} T=${steps} lstm=${hidden} batch=${batch} ${variant}: median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, min ${times[0].toFixed(0)} ms (${reps} steps)`);
  opt.dispose(); model.dispose();
}
