/**
 * DRAW (Gregor et al. 2015), as `shared/specs/draw.md` §1.2–1.5: an encoder LSTM reads the image
 * and the error image through a glimpse, a Gaussian posterior gives z_t, a decoder LSTM turns z_t
 * into a write on the canvas; after T steps the canvas holds the logits of independent Bernoulli
 * pixels. LSTMs are PyTorch-style cells without peepholes (@wn/layers' `LSTMCell`); every weight
 * starts N(0, 0.01²) and every bias 0, as in the reference code the weight norm paper ran.
 *
 * The `weightnorm` variant normalizes every weight — the LSTMs' input and recurrent matrices
 * included — starting at g = ‖v‖, so at step 0 it is the standard network's function; no
 * data-dependent init (the paper kept the init tuned for the normal parameterization). Each
 * pass computes the normalized weights once for all T steps (the layers' `cached`).
 */
import { add, concat, dispose, exp, mean, mul, reshape, sigmoid, sub, tidy, zeros, WnError, type Rng, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import {
  cached, Linear, LSTMCell, Module, normalInit, resolveRng, resolveVariant, weightNormAll, type LSTMState, type RngOption, type Variant,
} from '@wn/layers';
import { bernoulliLogLikelihood, gaussianKlStandard, gaussianLogDensity } from '../common/bounds.js';
import { attentionWindow, attentiveRead, attentiveWrite, type ImageSize } from './attention.js';
import { checkDrawConfig, drawConfig, type DrawConfig, type DrawPresetName } from './config.js';

/** The parameterizations DRAW is run with. */
export const DRAW_VARIANTS = ['standard', 'weightnorm'] as const;
/** A parameterization DRAW is run with. */
export type DrawVariantName = (typeof DRAW_VARIANTS)[number];

/** Options of {@link DrawModel}. */
export interface DrawOptions {
  /** sizes: a preset name or a full config (default 'quick') */
  config?: DrawPresetName | DrawConfig;
  /** 'standard' or 'weightnorm' (or the layers' record of either; default 'standard') */
  variant?: DrawVariantName | Variant;
  /** std of the initial weights (default 0.01, the reference code's) */
  initStd?: number;
  /** generator (or seed) for the initial weights */
  rng?: RngOption;
}

/** What one pass over a batch leaves: the final canvas and each step's posterior and sample. */
export interface DrawPass {
  /** c_T, the logits of the pixels [batch, height·width] */
  readonly logits: Tensor;
  /** μ_t, each [batch, latentSize] */
  readonly mus: readonly Tensor[];
  /** log σ_t (log standard deviation), each [batch, latentSize] */
  readonly logSigmas: readonly Tensor[];
  /** z_t = μ_t + σ_t ⊙ ε_t */
  readonly zs: readonly Tensor[];
}

/** The negative ELBO of a batch, in nats per image. */
export interface DrawLoss {
  /** the mean over the batch of reconstruction + kl: the training loss (scalar) */
  readonly loss: Tensor;
  /** −log p(x | c_T) per image [batch] */
  readonly reconstruction: Tensor;
  /** Σ_t KL(q(z_t | …) ‖ N(0, I)) per image [batch], closed form */
  readonly kl: Tensor;
}

const DRAW_VARIANT_SET: readonly string[] = DRAW_VARIANTS;

function drawVariant(v: DrawVariantName | Variant): Variant {
  const r = resolveVariant(v, 'DrawModel variant');
  if (!DRAW_VARIANT_SET.includes(r.name) || r.norm !== 'none' || r.dataInit || !r.bias || r.weightNorm === 'paper') {
    throw new WnError('DrawModel', `variant must be one of ${DRAW_VARIANTS.join(', ')} (weight norm from the standard init, no data init, no batch norm), got ${JSON.stringify(typeof v === 'string' ? v : r)}`);
  }
  return r;
}

/**
 * The DRAW network: encoder and decoder LSTMs, the glimpse's read and write layers and the
 * posterior; `negativeElbo` runs the T steps on a batch. See the module comment for the model.
 */
export class DrawModel extends Module {
  /** The sizes. */
  readonly config: DrawConfig;
  /** The parameterization of every weight. */
  readonly variant: Variant;
  /** LSTM_enc: input [read, h_dec] */
  encoder: LSTMCell;
  /** LSTM_dec: input z */
  decoder: LSTMCell;
  /** W_μ(h_enc) */
  mu: Linear;
  /** W_σ(h_enc): log σ */
  logSigma: Linear;
  /** the read window's five numbers from h_dec (attention only) */
  readWindow: Linear | null;
  /** the write window's five numbers from h_dec (attention only) */
  writeWindow: Linear | null;
  /** the write patch (N_w²) or, without attention, the whole image, from h_dec */
  write: Linear;

  constructor(options: DrawOptions = {}) {
    super();
    const c = typeof options.config === 'object' ? options.config : drawConfig(options.config ?? 'quick');
    checkDrawConfig(c);
    this.config = c;
    this.variant = drawVariant(options.variant ?? 'standard');
    const rng = resolveRng(options.rng);
    const pixels = c.height * c.width;
    const readSize = c.readPatch === null ? 2 * pixels : 2 * c.readPatch * c.readPatch;
    this.encoder = new LSTMCell(readSize + c.decoderSize, c.encoderSize, { rng });
    this.decoder = new LSTMCell(c.latentSize, c.decoderSize, { rng });
    this.mu = new Linear(c.encoderSize, c.latentSize, { rng });
    this.logSigma = new Linear(c.encoderSize, c.latentSize, { rng });
    this.readWindow = c.readPatch === null ? null : new Linear(c.decoderSize, 5, { rng });
    this.writeWindow = c.writePatch === null ? null : new Linear(c.decoderSize, 5, { rng });
    this.write = new Linear(c.decoderSize, c.writePatch === null ? pixels : c.writePatch * c.writePatch, { rng });
    const std = options.initStd ?? 0.01;
    if (!(std > 0 && Number.isFinite(std))) throw new WnError('DrawModel', `initStd must be a positive finite number, got ${std}`);
    noGrad(() => {
      for (const [name, p] of this.namedParameters()) {
        p.update(name.split('.').at(-1)!.startsWith('bias') ? zeros(p.shape) : normalInit(p.shape, std, rng));
      }
    });
    if (this.variant.weightNorm === 'preserve') weightNormAll(this);
  }

  private get size(): ImageSize {
    return { height: this.config.height, width: this.config.width };
  }

  /** Images as [batch, height·width], accepting [batch, 1, height, width] too. */
  private flat(x: Tensor, what: string): Tensor {
    const { height, width } = this.config;
    const ok = (x.rank === 2 && x.shape[1] === height * width) || (x.rank === 4 && x.shape[1] === 1 && x.shape[2] === height && x.shape[3] === width);
    if (!ok) throw this.error(`expected ${what} [batch, ${height * width}] or [batch, 1, ${height}, ${width}], got [${x.shape.join(', ')}]`);
    return x.rank === 2 ? x : reshape(x, [x.shape[0], height * width]);
  }

  /** read(x, x̂, h_dec_{t−1}): the glimpse pair (attention) or [x, x̂]. */
  private read(x: Tensor, xHat: Tensor, hDec: Tensor): Tensor {
    const n = this.config.readPatch;
    if (n === null || !this.readWindow) return concat([x, xHat], 1);
    return attentiveRead(x, xHat, attentionWindow(this.readWindow.forward(hDec), n, this.size), n, this.size);
  }

  /** write(h_dec_t): what the step adds to the canvas, [batch, height·width]. */
  private writeCanvas(hDec: Tensor): Tensor {
    const n = this.config.writePatch;
    const patch = this.write.forward(hDec);
    if (n === null || !this.writeWindow) return patch;
    return attentiveWrite(patch, attentionWindow(this.writeWindow.forward(hDec), n, this.size), n, this.size);
  }

  /**
   * One pass over a batch of images in [0, 1] (binary for the Bernoulli likelihood): T steps of
   * read → encode → sample z_t (ε_t from `rng`) → decode → write. The weights are normalized once
   * for the whole sequence.
   */
  run(images: Tensor, rng: Rng): DrawPass {
    return this.guard([images], () => cached(() => {
      const x = this.flat(images, 'images');
      const { steps, latentSize } = this.config;
      const batch = x.shape[0];
      let enc: LSTMState = this.encoder.initialState(batch);
      let dec: LSTMState = this.decoder.initialState(batch);
      let canvas = zeros([batch, this.config.height * this.config.width]);
      const mus: Tensor[] = [], logSigmas: Tensor[] = [], zs: Tensor[] = [];
      for (let t = 0; t < steps; t++) {
        // one scope per step, and the previous step's states released, so evaluation without
        // gradients holds O(1) steps of activations (a recording tape keeps what it needs)
        const next = tidy(() => {
          const xHat = sub(x, sigmoid(canvas));
          const r = this.read(x, xHat, dec.h);
          const e = this.encoder.forward(concat([r, dec.h], 1), enc);
          const mu = this.mu.forward(e.h);
          const logSigma = this.logSigma.forward(e.h);
          const z = add(mu, mul(exp(logSigma), rng.normal([batch, latentSize])));
          const d = this.decoder.forward(z, dec);
          return { enc: e, dec: d, canvas: add(canvas, this.writeCanvas(d.h)), mu, logSigma, z };
        });
        dispose([enc, dec, canvas]);
        ({ enc, dec, canvas } = next);
        mus.push(next.mu);
        logSigmas.push(next.logSigma);
        zs.push(next.z);
      }
      return { logits: canvas, mus, logSigmas, zs };
    }));
  }

  /** The negative ELBO: Bernoulli reconstruction from c_T plus the closed-form KL summed over the T steps. */
  negativeElbo(images: Tensor, rng: Rng): DrawLoss {
    return this.guard([images], () => {
      const x = this.flat(images, 'images');
      const pass = this.run(x, rng);
      const reconstruction = mul(bernoulliLogLikelihood(pass.logits, x), -1);
      let kl = gaussianKlStandard(pass.mus[0], pass.logSigmas[0]);
      for (let t = 1; t < pass.mus.length; t++) kl = add(kl, gaussianKlStandard(pass.mus[t], pass.logSigmas[t]));
      const perImage = add(reconstruction, kl);
      return { loss: mean(perImage), reconstruction, kl };
    });
  }

  /**
   * One importance log-weight per image, log p(x | c_T) + Σ_t [log N(z_t; 0, I) − log q(z_t | x, z_<t)],
   * from densities (not the closed-form KL): its mean is an unbiased ELBO estimate, and
   * log-mean-exp over k of them the importance-weighted bound.
   */
  logWeights(images: Tensor, rng: Rng): Tensor {
    return this.guard([images], () => {
      const x = this.flat(images, 'images');
      const pass = this.run(x, rng);
      let w = bernoulliLogLikelihood(pass.logits, x);
      for (let t = 0; t < pass.zs.length; t++) {
        w = add(w, sub(gaussianLogDensity(pass.zs[t]), gaussianLogDensity(pass.zs[t], pass.mus[t], pass.logSigmas[t])));
      }
      return w;
    });
  }

  /**
   * Generation: z_t ~ N(0, I) through the decoder only. Returns the canvas logits after each of
   * the T steps, [n, height·width] each (the last one is the sample's c_T).
   */
  generate(n: number, rng: Rng): Tensor[] {
    if (!Number.isInteger(n) || n < 1) throw new WnError('DrawModel.generate', `n must be a positive integer, got ${n}`);
    return this.guard([], () => cached(() => {
      let dec: LSTMState = this.decoder.initialState(n);
      let canvas = zeros([n, this.config.height * this.config.width]);
      const out: Tensor[] = [];
      for (let t = 0; t < this.config.steps; t++) {
        const next = tidy(() => {
          const d = this.decoder.forward(rng.normal([n, this.config.latentSize]), dec);
          return { dec: d, canvas: add(canvas, this.writeCanvas(d.h)) };
        });
        dispose(dec);
        ({ dec, canvas } = next);
        out.push(canvas);
      }
      return out;
    }));
  }
}

