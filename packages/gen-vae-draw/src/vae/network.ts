/**
 * The convolutional ResNet VAE's two networks (vae.md §2.3, issue #11), with every conv,
 * transposed conv and dense layer built as a @wn/layers unit under the run's variant:
 *
 * encoder: conv 5×5 (1→c1) → B blocks @c1 → conv 3×3 stride 2 (c1→c2) → B blocks @c2 → conv 3×3
 *          stride 2 (c2→c2) → B blocks @c2 → FC c2·7·7→H → ELU → FC H→2Z (μ, log σ)
 * decoder: FC Z→H → ELU → FC H→c2·7·7 → B blocks @c2 → transposed conv 4×4 stride 2 (c2→c2) →
 *          B blocks @c2 → transposed conv 4×4 stride 2 (c2→c1) → B blocks @c1 → conv 3×3 (c1→1): logits
 *
 * with a ResNet block y = x + conv3×3(ELU(conv3×3(ELU(x)))). The paper's sizes: c1 16, c2 32,
 * H 450, Z 32, B 2 (`width` scales c1 and c2).
 */
import { add, elu, reshape, type Tensor } from '@wn/tensor';
import { convTransposeUnit, convUnit, denseUnit, ELU, Layer, Module, type Unit, type Variant, type RngOption } from '@wn/layers';

/** The VAE's sizes. */
export interface VaeSizes {
  /** channels of the 28×28 stage and of the 14×14 / 7×7 stages (paper 16, 32) */
  c1: number;
  /** Channels of the 14×14 and 7×7 stages (paper 32). */
  c2: number;
  /** the fully connected layer (paper 450) */
  hidden: number;
  /** the latent dimension (32) */
  latent: number;
  /** ResNet blocks per stage (2) */
  blocks: number;
}

/** The paper's sizes: 16/32 channels, a 450-unit layer, z of 32, two ResNet blocks per stage. */
export const PAPER_SIZES: VaeSizes = { c1: 16, c2: 32, hidden: 450, latent: 32, blocks: 2 };

interface UnitContext {
  variant: Variant;
  rng: RngOption;
}

/** y = x + conv3×3(ELU(conv3×3(ELU(x)))), channels kept. */
export class ResBlock extends Layer {
  /** The first 3×3 convolution unit. */
  readonly conv1: Unit;
  /** The second 3×3 convolution unit. */
  readonly conv2: Unit;

  constructor(channels: number, ctx: UnitContext) {
    super();
    this.conv1 = convUnit(channels, channels, 3, { padding: 1, variant: ctx.variant, rng: ctx.rng });
    this.conv2 = convUnit(channels, channels, 3, { padding: 1, variant: ctx.variant, rng: ctx.rng });
  }

  protected compute(x: Tensor): Tensor {
    return add(x, this.conv2.forward(elu(this.conv1.forward(elu(x)))));
  }
}

const blocks = (n: number, channels: number, ctx: UnitContext) => Array.from({ length: n }, () => new ResBlock(channels, ctx));

/** Binary images [N, 1, 28, 28] → [N, 2Z]: μ in the first Z columns, log σ in the last Z. */
export class Encoder extends Layer {
  /** The input 5×5 convolution (1 → c1 channels). */
  readonly input: Unit;
  /** ResNet blocks at 28×28. */
  readonly stage1: ResBlock[];
  /** Strided convolution down to 14×14. */
  readonly down1: Unit;
  /** ResNet blocks at 14×14. */
  readonly stage2: ResBlock[];
  /** Strided convolution down to 7×7. */
  readonly down2: Unit;
  /** ResNet blocks at 7×7. */
  readonly stage3: ResBlock[];
  /** The fully connected layer (hidden units). */
  readonly fc: Unit;
  /** The output layer: μ and log σ of z. */
  readonly head: Unit;

  /** @param sizes The sizes it was built with. */
  constructor(readonly sizes: VaeSizes, ctx: UnitContext) {
    super();
    const { c1, c2 } = sizes;
    this.input = convUnit(1, c1, 5, { padding: 2, ...ctx });
    this.stage1 = blocks(sizes.blocks, c1, ctx);
    this.down1 = convUnit(c1, c2, 3, { stride: 2, padding: 1, ...ctx });
    this.stage2 = blocks(sizes.blocks, c2, ctx);
    this.down2 = convUnit(c2, c2, 3, { stride: 2, padding: 1, ...ctx });
    this.stage3 = blocks(sizes.blocks, c2, ctx);
    this.fc = denseUnit(c2 * 49, sizes.hidden, { ...ctx, activation: new ELU() });
    this.head = denseUnit(sizes.hidden, 2 * sizes.latent, ctx);
  }

  protected compute(x: Tensor): Tensor {
    let h = this.input.forward(x);
    for (const b of this.stage1) h = b.forward(h);
    h = this.down1.forward(h);
    for (const b of this.stage2) h = b.forward(h);
    h = this.down2.forward(h);
    for (const b of this.stage3) h = b.forward(h);
    return this.head.forward(this.fc.forward(reshape(h, [h.shape[0], this.sizes.c2 * 49])));
  }
}

/** Latent codes [N, Z] → Bernoulli logits [N, 1, 28, 28]. */
export class Decoder extends Layer {
  /** Latent → hidden units. */
  readonly fc1: Unit;
  /** Hidden units → c2 × 7 × 7. */
  readonly fc2: Unit;
  /** ResNet blocks at 7×7. */
  readonly stage1: ResBlock[];
  /** Transposed convolution up to 14×14. */
  readonly up1: Unit;
  /** ResNet blocks at 14×14. */
  readonly stage2: ResBlock[];
  /** Transposed convolution up to 28×28. */
  readonly up2: Unit;
  /** ResNet blocks at 28×28. */
  readonly stage3: ResBlock[];
  /** The output 3×3 convolution: one Bernoulli logit per pixel. */
  readonly output: Unit;

  /** @param sizes The sizes it was built with. */
  constructor(readonly sizes: VaeSizes, ctx: UnitContext) {
    super();
    const { c1, c2 } = sizes;
    this.fc1 = denseUnit(sizes.latent, sizes.hidden, { ...ctx, activation: new ELU() });
    this.fc2 = denseUnit(sizes.hidden, c2 * 49, ctx);
    this.stage1 = blocks(sizes.blocks, c2, ctx);
    this.up1 = convTransposeUnit(c2, c2, 4, { stride: 2, padding: 1, ...ctx });
    this.stage2 = blocks(sizes.blocks, c2, ctx);
    this.up2 = convTransposeUnit(c2, c1, 4, { stride: 2, padding: 1, ...ctx });
    this.stage3 = blocks(sizes.blocks, c1, ctx);
    this.output = convUnit(c1, 1, 3, { padding: 1, ...ctx });
  }

  protected compute(z: Tensor): Tensor {
    let h = reshape(this.fc2.forward(this.fc1.forward(z)), [z.shape[0], this.sizes.c2, 7, 7]);
    for (const b of this.stage1) h = b.forward(h);
    h = this.up1.forward(h);
    for (const b of this.stage2) h = b.forward(h);
    h = this.up2.forward(h);
    for (const b of this.stage3) h = b.forward(h);
    return this.output.forward(h);
  }
}

/** Both networks: the module whose parameters the optimizer, the average and the checkpoint hold. */
export class VaeNetwork extends Module {
  /** The inference network q(z | x). */
  readonly encoder: Encoder;
  /** The generative network p(x | z). */
  readonly decoder: Decoder;

  constructor(sizes: VaeSizes, ctx: UnitContext) {
    super();
    this.encoder = new Encoder(sizes, ctx);
    this.decoder = new Decoder(sizes, ctx);
  }
}
