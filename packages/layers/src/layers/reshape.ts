/** Shape layers. */
import { flatten, reshape, type Tensor } from '@wn/tensor';
import { Layer } from '../module.js';

/** Flattens axes from `startAxis` on: [N, C, H, W] → [N, C·H·W] by default. */
export class Flatten extends Layer {
  /** @param startAxis The first axis flattened (default 1, keeping the batch axis). */
  constructor(readonly startAxis = 1) {
    super();
  }
  protected compute(x: Tensor): Tensor {
    if (x.rank <= this.startAxis) throw this.error(`expected input of rank > ${this.startAxis}, got [${x.shape.join(', ')}]`);
    return flatten(x, this.startAxis);
  }
}

/** Reshapes each example: [N, ...] → [N, ...shape] (one entry of `shape` may be −1). */
export class Reshape extends Layer {
  /** The per-example target shape (one entry may be −1). */
  readonly shape: number[];
  constructor(shape: readonly number[]) {
    super();
    this.shape = [...shape];
  }
  protected compute(x: Tensor): Tensor {
    const per = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const known = this.shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const ok = this.shape.includes(-1) ? known > 0 && per % known === 0 : known === per;
    if (!ok) throw this.error(`cannot reshape input [${x.shape.join(', ')}] to [N, ${this.shape.join(', ')}]`);
    return reshape(x, [x.shape[0], ...this.shape]);
  }
}
