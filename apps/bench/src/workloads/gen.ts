/**
 * W7 (conv VAE step) and W8 (DRAW step), each also with weight norm (issue "Fast on an ordinary
 * CPU, round two"), built from @wn/gen-vae-draw's own models: the initial weights are read off a
 * model built by `MODELS[kind].build` with a fixed seed, so the PyTorch peer starts from the
 * numbers @wn trains, and the noise ε (one z sample per image; DRAW: one per glimpse) is drawn
 * once here and fed to both sides, so the first steps' losses must agree.
 *
 * - W7: vae.md §2.3's ResNet VAE at the paper's sizes (channels 16/32, hidden 450, z 32, 2 blocks
 *   per stage), batch 64 of binary 28×28 images, loss = summed BCE-with-logits + KL per image,
 *   batch mean, Adamax lr 2e-3 (the Polyak average is not part of the timed step).
 * - W8: DRAW with T = 16, LSTMs of 256 (encoder input 2·2² + 256, decoder input z of 100), read
 *   2×2 / write 5×5, batch 64, BCE-with-logits on c_T + KL summed over the glimpses, batch mean,
 *   global-norm clipping at 10, Adam lr 3e-4.
 * - -WN: the models' `weightnorm` variant (g = ‖v‖: the standard function at step 1); DRAW
 *   normalizes every linear layer and both LSTM matrices.
 */
import { Rng, tensor } from '@wn/tensor';
import { MODELS } from '@wn/gen-vae-draw';
import type { HostArray, Workload, WorkloadId } from './spec.js';

/** What a VAE/DRAW step needs beyond the parameters and the images. */
export interface GenSpec {
  model: 'vae' | 'draw';
  /** the model's settings (sizes) as @wn/gen-vae-draw's registry takes them */
  settings: Readonly<Record<string, number | boolean | string>>;
  variant: 'standard' | 'weightnorm';
  /** ε of every z draw in the order the model draws them: VAE one [N, 32]; DRAW T × [N, 100] */
  eps: HostArray[];
  optimizer: { name: 'adamax' | 'adam'; lr: number; beta1: number; beta2: number; eps: number };
  /** global gradient-norm clipping (0: off) */
  clipNorm: number;
  /** per weight-norm pair (`<stem>.weight_v`): the axis its g keeps (PyTorch's `dim`) */
  wnDims: Record<string, number>;
}

export const GEN_BATCH = 64;
/** the seeds of the weights, the images and ε */
const SEEDS = { weights: 7, images: 77, eps: 777 } as const;

/** W7's sizes: the paper's (vae.md §2.3). */
export const W7_SETTINGS = { width: 1, hidden: 450, latent: 32, blocks: 2 } as const;
/** W8's sizes: T = 16, LSTMs of 256, z of 100, read 2×2, write 5×5. */
export const W8_SETTINGS = { steps: 16, encoder: 256, decoder: 256, latent: 100, read: 2, write: 5 } as const;

const host = (shape: number[], data: ArrayLike<number>): HostArray => ({ shape, data: Float32Array.from(data) });

/** The axis of `v` that `g` keeps (the only one where their extents agree and g's is not forced to 1). */
function wnDim(g: readonly number[], v: readonly number[]): number {
  const d = g.findIndex((n, i) => n === v[i] && (n > 1 || g.every((m) => m === 1)));
  return d < 0 ? 0 : d;
}

/** The ε draws of one step, as the model makes them from a fresh `Rng(SEEDS.eps)`. */
export function genNoiseRng(): Rng {
  return new Rng(SEEDS.eps);
}

function build(id: WorkloadId, model: 'vae' | 'draw', variant: 'standard' | 'weightnorm', settings: GenSpec['settings'], title: string): Workload {
  const entry = MODELS[model];
  const m = entry.build({ variant, rng: new Rng(SEEDS.weights), settings });
  const params: [string, HostArray][] = m.module.namedParameters().map(([name, p]) => [name, host([...p.value.shape], p.value.dataSync())]);
  m.dispose();
  const wnDims: Record<string, number> = {};
  for (const [name, a] of params) {
    if (!name.endsWith('_v')) continue;
    const g = params.find(([n]) => n === `${name.slice(0, -2)}_g`)?.[1];
    if (g) wnDims[name] = wnDim(g.shape, a.shape);
  }
  const rng = new Rng(SEEDS.images);
  const x = host([GEN_BATCH, 1, 28, 28], Array.from(rng.uniformArray(GEN_BATCH * 784), (u) => (u < 0.2 ? 1 : 0)));
  const noise = genNoiseRng();
  const draws = model === 'vae' ? 1 : Number(settings.steps);
  const latent = Number(settings.latent);
  const eps = Array.from({ length: draws }, () => {
    const t = noise.normal([GEN_BATCH, latent]);
    const a = host([GEN_BATCH, latent], t.dataSync());
    t.dispose();
    return a;
  });
  const optimizer = model === 'vae'
    ? { name: 'adamax', lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const
    : { name: 'adam', lr: 3e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;
  return {
    id, title, batch: GEN_BATCH, unit: 'images', adam: false, probeBatch: 8, params, x,
    loss: 'mean over the batch of (summed BCE-with-logits + KL) per image, nats',
    gen: { model, settings, variant, eps, optimizer, clipNorm: model === 'draw' ? 10 : 0, wnDims },
  };
}

/** The W7/W8 builders by id. */
export const GEN_BUILDERS = {
  W7: () => build('W7', 'vae', 'standard', W7_SETTINGS, 'W7 conv VAE step (ResNet VAE of vae.md §2.3, batch 64 of binary 28×28, one z sample, Adamax 2e-3)'),
  'W7-WN': () => build('W7-WN', 'vae', 'weightnorm', W7_SETTINGS, 'W7 with weight norm on every conv, transposed conv and dense layer'),
  W8: () => build('W8', 'draw', 'standard', W8_SETTINGS, 'W8 DRAW step (T 16, LSTMs 256, read 2×2 / write 5×5, batch 64, clip 10, Adam 3e-4)'),
  'W8-WN': () => build('W8-WN', 'draw', 'weightnorm', W8_SETTINGS, 'W8 with weight norm on every linear layer and both LSTM matrices'),
} as const;

/** The first `n` rows of an [N, ...] host array. */
export function firstRows(a: HostArray, n: number): HostArray {
  const per = a.data.length / a.shape[0];
  return { shape: [n, ...a.shape.slice(1)], data: a.data.slice(0, n * per) };
}

/** A host array as a tensor on the current backend. */
export const upload = (a: HostArray) => tensor(a.data, a.shape);
