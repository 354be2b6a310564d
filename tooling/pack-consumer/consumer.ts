// Type-checked in a project outside the workspace against the packed @wn tarballs (see
// tooling/scripts/pack-install.mjs), once with moduleResolution node16 and once with bundler:
// every entry's declarations resolve, and they carry real types (the @ts-expect-error lines
// fail the check if a type degrades to `any`).
import { Rng, sum, tensor, WnError, type Tensor } from '@wn/tensor';
import { valueAndGrads, type ValueAndGrads } from '@wn/autograd';
import { Linear, weightNorm, weightNormOf, type Param } from '@wn/layers';
import { loadEmbeddedFashionMnist, type DatasetSplits } from '@wn/data';
import { formatDuration, markdownTable } from '@wn/runs';
import { RunFolder, opt } from '@wn/runs/node';
import { launchCli } from '@wn/runs/launch-cli';
import { ConvPoolCnnC, type Args as ClassifyArgs } from '@wn/classify';
import { make, type Env } from '@wn/rl-dqn';
import { ConvVae, MODEL_NAMES } from '@wn/gen-vae-draw';

const layer: Linear = weightNorm(new Linear(3, 2, { rng: new Rng(0) }));
const g: Param = weightNormOf(layer).g;
const x: Tensor = tensor(new Float32Array(12), [4, 3]);
const result: ValueAndGrads = valueAndGrads(() => sum(layer.forward(x)), [g.value]);
const loss: number = result.value.item();
const data: DatasetSplits = loadEmbeddedFashionMnist();
const pixels: number = data.train.height * data.train.width;
const env: Env = make('CartPole-v1');
const error: Error = new WnError('consumer', 'a message');

// @ts-expect-error a Linear's forward takes a Tensor, not a string
layer.forward('x');
// @ts-expect-error formatDuration takes a number of seconds
formatDuration('1s');

export const used = [loss, pixels, env, error, markdownTable, RunFolder, opt, launchCli, ConvPoolCnnC, ConvVae, MODEL_NAMES];
export type Used = ClassifyArgs;
