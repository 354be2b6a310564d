/** Activation layers (stateless). */
import { div, elu, greater, leakyRelu, mul, relu, sigmoid, softplus, tanh, where, type Tensor } from '@wn/tensor';
import { Layer } from '../module.js';

export class ReLU extends Layer {
  protected compute(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x if x > 0 else slope·x (PyTorch's default slope 0.01; the paper's CIFAR net uses 0.1). */
export class LeakyReLU extends Layer {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  protected compute(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

export class ELU extends Layer {
  constructor(readonly alpha = 1) {
    super();
  }
  protected compute(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
}

export class Tanh extends Layer {
  protected compute(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Sigmoid extends Layer {
  protected compute(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** (1/β)·log(1 + exp(β·x)), exactly x where β·x > threshold (PyTorch's Softplus). */
export class Softplus extends Layer {
  readonly beta: number;
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
