/** Activation layers (stateless). */
import { div, elu, greater, leakyRelu, mul, relu, sigmoid, softplus, tanh, where, type Tensor } from '@wn/tensor';
import { Layer } from '../module.js';

/** max(x, 0), elementwise (PyTorch's ReLU). */
export class ReLU extends Layer {
  protected compute(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x if x > 0 else slope·x (PyTorch's default slope 0.01; the paper's CIFAR net uses 0.1). */
export class LeakyReLU extends Layer {
  /** @param negativeSlope The slope for x ≤ 0. */
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  protected compute(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

/** x for x > 0, α·(eˣ − 1) otherwise (PyTorch's ELU). */
export class ELU extends Layer {
  /** @param alpha α: the output approaches −α as x → −∞. */
  constructor(readonly alpha = 1) {
    super();
  }
  protected compute(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
}

/** Hyperbolic tangent, elementwise. */
export class Tanh extends Layer {
  protected compute(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Logistic sigmoid 1 / (1 + e⁻ˣ), elementwise. */
export class Sigmoid extends Layer {
  protected compute(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** (1/β)·log(1 + exp(β·x)), exactly x where β·x > threshold (PyTorch's Softplus). */
export class Softplus extends Layer {
  /** β, the sharpness (default 1). */
  readonly beta: number;
  /** Above β·x = threshold the output is x exactly (default 20). */
  readonly threshold: number;
  constructor(options: { beta?: number; threshold?: number } = {}) {
    super();
    this.beta = options.beta ?? 1;
    this.threshold = options.threshold ?? 20;
  }
  protected compute(x: Tensor): Tensor {
    const bx = this.beta === 1 ? x : mul(x, this.beta);
    const sp = this.beta === 1 ? softplus(bx) : div(softplus(bx), this.beta);
    return where(greater(bx, this.threshold), x, sp);
  }
}

/** Passes its input through. */
export class Identity extends Layer {
  protected compute(x: Tensor): Tensor {
    return x;
  }
}
