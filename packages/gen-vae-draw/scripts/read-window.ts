/**
 * Where a DRAW run's read window sits: its grid centre, stride δ, σ and intensity γ at each glimpse,
 * averaged over the first test images, read from the run's weights (finished or a checkpoint). It
 * shows whether the glimpses land on the digit: a 2×2 read that starts on the blank corners and
 * then leaves the image is why a run's posterior collapsed. From packages/gen-vae-draw:
 *
 *     node --conditions=@wn/source --import tsx scripts/read-window.ts RUN_DIR [IMAGES]
 */
import { noGrad } from '@wn/autograd';
import { Rng, WnError, type Tensor } from '@wn/tensor';
import { imageBatch, loadBinarizedData } from '../src/data/mnist.js';
import { attentionWindow } from '../src/draw/attention.js';
import type { Draw } from '../src/draw/entry.js';
import { openRun } from '../src/saved-run.js';

const [dir, imagesArg] = process.argv.slice(2);
if (!dir) throw new WnError('read-window', 'usage: read-window.ts RUN_DIR [IMAGES]');
const images = Number(imagesArg ?? 500);
const run = openRun(dir);
if (run.args.model !== 'draw') throw new WnError('read-window', `${dir} is a ${run.args.model} run, expected a draw run`);
const model = (run.model as Draw).module;
const n = model.config.readPatch;
const layer = model.readWindow;
if (n === null || layer === null) throw new WnError('read-window', `${dir} is DRAW without attention: there is no read window`);
const data = loadBinarizedData({ ...run.args, testLimit: images });
const size = { height: model.config.height, width: model.config.width };
const meanOf = (t: Tensor) => t.toArray().reduce((s, v) => s + v, 0) / t.size;
const steps: number[][] = [];
// every call of the window's layer is one glimpse's read: record the window it gives
const forward = layer.forward.bind(layer);
layer.forward = (h: Tensor) => {
  const raw = forward(h);
  const w = attentionWindow(raw, n, size);
  steps.push([meanOf(w.gx), meanOf(w.gy), meanOf(w.delta), Math.sqrt(meanOf(w.sigma2)), meanOf(w.gamma)]);
  return raw;
};
noGrad(() => model.negativeElbo(imageBatch(data.test, 0, data.test.n), new Rng(1)));
console.log(`${dir} (${run.source}): read ${n}×${n}, mean over ${data.test.n} test images`);
console.log('step  centre x  centre y  stride δ     σ      γ');
steps.forEach((s, t) => console.log(`${String(t + 1).padStart(4)}  ${s.map((v) => v.toFixed(2).padStart(8)).join('')}`));
run.dispose();
