/**
 * The primitive op set: the only operations a backend implements. Everything else in @wn/tensor
 * (softmax, pooling wrappers, l2 normalization, concat, ...) is composed from these.
 *
 * Kernels receive their inputs as `{ data, shape }` and the already validated output shape; they
 * allocate and return the output's storage. Shape checking happens once, in the op front-ends.
 */
import type { FusedProgram } from './fused/program.js';
import type { Shape } from './shape.js';

/** The unary elementwise primitives. */
export const UNARY_OPS = [
  'neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'tanh', 'sigmoid', 'reciprocal', 'sin', 'cos', 'floor',
] as const;
/** The name of a unary elementwise primitive. */
export type UnaryOp = (typeof UNARY_OPS)[number];

/** The binary elementwise primitives (broadcasting); `equal`, `less` and `greater` return 1 or 0. */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'equal', 'less', 'greater'] as const;
/** The name of a binary elementwise primitive. */
export type BinaryOp = (typeof BINARY_OPS)[number];

/** The reduction primitives. */
export const REDUCE_OPS = ['sum', 'max'] as const;
/** The name of a reduction primitive. */
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** A tensor as a kernel sees it: backend storage plus its shape. */
export interface KernelInput<D> {
  /** The input's storage on the backend. */
  readonly data: D;
  /** The input's shape. */
  readonly shape: Shape;
}

/** Attributes of a 2-D convolution, resolved from the user's options (all in pixels). */
export interface Conv2dAttrs {
  /** [strideH, strideW] */
  readonly stride: readonly [number, number];
  /** [top, bottom, left, right] */
  readonly pad: readonly [number, number, number, number];
  /** [dilationH, dilationW] */
  readonly dilation: readonly [number, number];
}

/** Attributes of 2-D pooling, resolved from the user's options (all in pixels). */
export interface Pool2dAttrs {
  /** Max or average pooling. */
  readonly mode: 'max' | 'avg';
  /** Window size, [height, width]. */
  readonly kernel: readonly [number, number];
  /** Window step, [height, width]. */
  readonly stride: readonly [number, number];
  /** [top, bottom, left, right]; padded cells never win a max and count as zeros for avg */
  readonly pad: readonly [number, number, number, number];
}

/** Attributes of a Gaussian filterbank: its rows, its length and the floor of the row sums. */
export interface FilterbankAttrs {
  /** Filters per example (N ≥ 2). */
  readonly n: number;
  /** Pixels along the axis (L ≥ 1). */
  readonly length: number;
  /** Each row is divided by max(its sum, floor). */
  readonly floor: number;
}

/** Attribute types per primitive (the dispatch record carries these to gradient rules). */
export interface PrimitiveAttrs {
  /** Elementwise op of one input. */
  unary: {
    /** The unary op. */
    op: UnaryOp;
  };
  /** Elementwise op of two inputs, broadcasting. */
  binary: {
    /** The binary op. */
    op: BinaryOp;
  };
  /** Elementwise select `cond ? a : b`, broadcasting (no attributes). */
  where: Record<string, never>;
  /** Sum or max over axes, kept as size 1. */
  reduce: {
    /** The reduction. */
    op: ReduceOp;
    /** The reduced axes (non-negative, sorted). */
    axes: readonly number[];
  };
  /** Index of the maximum along one axis. */
  argmax: {
    /** The axis along which the index of the maximum is taken. */
    axis: number;
  };
  /** Axis permutation. */
  transpose: {
    /** The permutation: output axis i is input axis perm[i]. */
    perm: readonly number[];
  };
  /** Broadcast to a larger shape (no attributes: the output shape is the target). */
  expand: Record<string, never>;
  /** A contiguous block of the input. */
  slice: {
    /** The first index taken along every axis (the output shape gives the extent). */
    begin: readonly number[];
  };
  /** Constant padding. */
  pad: {
    /** Cells added before the data, per axis. */
    before: readonly number[];
    /** Cells added after the data, per axis. */
    after: readonly number[];
    /** The value of the added cells. */
    value: number;
  };
  /** Batched matrix product over the last two axes. */
  matmul: {
    /** Whether the first operand is transposed. */
    transposeA: boolean;
    /** Whether the second operand is transposed. */
    transposeB: boolean;
  };
  /** 2-D convolution, NCHW input and OIHW filter. */
  conv2d: Conv2dAttrs;
  /** Gradient of a 2-D convolution with respect to its input. */
  conv2dBackpropInput: Conv2dAttrs;
  /** Gradient of a 2-D convolution with respect to its filter. */
  conv2dBackpropFilter: Conv2dAttrs;
  /** 2-D max or average pooling. */
  pool2d: Pool2dAttrs;
  /** Gradient of 2-D pooling with respect to its input. */
  pool2dBackward: Pool2dAttrs;
  /** Rows picked by integer indices along one axis. */
  gather: {
    /** The axis indexed. */
    axis: number;
  };
  /** The inverse of gather: updates summed into zeros at integer indices. */
  scatterAdd: {
    /** The axis scattered along. */
    axis: number;
  };
}
/** The name of a primitive op. */
export type PrimitiveName = keyof PrimitiveAttrs;

/** Attribute types of the optional kernels. */
export interface OptionalKernelAttrs {
  /** A fused elementwise program over broadcast inputs. */
  fusedElementwise: {
    /** The fused elementwise program to run. */
    program: FusedProgram;
  };
  /** Weight normalization w = g·v/‖v‖ per unit along `dim` (PyTorch's `_weight_norm`). */
  weightNorm: {
    /** The axis of the units (0 for Linear/Conv, 1 for ConvTranspose). */
    dim: number;
  };
  /** The gradient of {@link weightNorm} with respect to `v` or `g`. */
  weightNormBackward: {
    /** The axis of the units. */
    dim: number;
    /** Which input's gradient. */
    wrt: 'v' | 'g';
  };
  /** Each channel's batch mean and biased variance, [2, C] (axis 1 is the channel). */
  batchMoments: Record<string, never>;
  /** Batch normalization with the batch's statistics, an affine γ, β per channel. */
  batchNorm: {
    /** Added to the variance before the square root. */
    eps: number;
  };
  /** The gradient of {@link batchNorm} with respect to `x`, γ (`weight`) or β (`bias`). */
  batchNormBackward: {
    /** Added to the variance before the square root. */
    eps: number;
    /** Which input's gradient. */
    wrt: 'x' | 'weight' | 'bias';
  };
  /** An LSTM cell's new state c' = σ(f)·c + σ(i)·tanh(g) from the gates [N, 4H] (blocks i, f, g, o) and c [N, H]. */
  lstmState: Record<string, never>;
  /** The gradient of {@link lstmState} with respect to the gates or c. */
  lstmStateBackward: {
    /** Which input's gradient. */
    wrt: 'gates' | 'c';
  };
  /** An LSTM cell's output h' = σ(o)·tanh(c') from the gates [N, 4H] and the new state c' [N, H]. */
  lstmOutput: Record<string, never>;
  /** The gradient of {@link lstmOutput} with respect to the gates or c'. */
  lstmOutputBackward: {
    /** Which input's gradient. */
    wrt: 'gates' | 'c';
  };
  /** A Gaussian filterbank [B, N, L] (DRAW's attention) from per-example centre, stride and variance. */
  filterbank: FilterbankAttrs;
  /** The gradients of {@link filterbank} with respect to the centre, the stride and the variance, as rows of [3, B]. */
  filterbankBackward: FilterbankAttrs;
  /** Tensors joined along one axis (no attributes besides the axis). */
  concat: {
    /** The axis joined along. */
    axis: number;
  };
}
/** Every kernel the table may hold: the primitives, then the optional ones. */
export type KernelName = PrimitiveName | keyof OptionalKernelAttrs;
/** Attribute types of every kernel (primitive and optional), keyed by kernel name. */
export type KernelAttrs = PrimitiveAttrs & OptionalKernelAttrs;

/**
 * Kernels a backend may omit. Each has a decomposition into primitives that its op runs instead
 * (and that the conformance suite checks the kernel against).
 */
export interface OptionalKernels<D> {
  /**
   * Evaluates `program` elementwise over `inputs` broadcast to `out`, in one pass. Each
   * instruction has its primitive's semantics and rounds to the backend's precision, so the
   * result equals running the program as primitive ops.
   */
  fusedElementwise(program: FusedProgram, inputs: readonly KernelInput<D>[], out: Shape): D;
  /**
   * Weight normalization w = v · (g / ‖v‖), the norm per index of axis `dim` of v over every other
   * axis; g holds one value per index (any shape of that size). `out` is v's shape.
   */
  weightNorm(v: KernelInput<D>, g: KernelInput<D>, dim: number, out: Shape): D;
  /**
   * The gradient of `weightNorm` given dw: with n = ‖v‖ and s = Σ dw·v per index of `dim`,
   * g's gradient s / n (`wrt` 'g', `out` g's shape) or v's (g / n)·(dw − v·(s / (n·n))) (`wrt`
   * 'v', `out` v's shape) — PyTorch's formulas.
   */
  weightNormBackward(dw: KernelInput<D>, v: KernelInput<D>, g: KernelInput<D>, dim: number, wrt: 'v' | 'g', out: Shape): D;
  /**
   * `[2, C]`: the mean (row 0) and biased variance (row 1) of each channel (axis 1) of x over every
   * other axis, accumulated in float64.
   */
  batchMoments(x: KernelInput<D>, out: Shape): D;
  /**
   * y = (x − μ)·γ/√(σ² + eps) + β per channel (axis 1) with the batch's mean μ and biased variance
   * σ²; `weight` (γ) and `bias` (β) are [C].
   */
  batchNorm(x: KernelInput<D>, weight: KernelInput<D>, bias: KernelInput<D>, eps: number, out: Shape): D;
  /**
   * The gradient of `batchNorm` given dy, with x̂ = (x − μ)/σ and σ = √(σ² + eps) per channel: β's
   * Σ dy, γ's Σ dy·x̂ (`out` [C]), or x's (γ/σ)·(dy − mean(dy) − x̂·mean(dy·x̂)).
   */
  batchNormBackward(dy: KernelInput<D>, x: KernelInput<D>, weight: KernelInput<D>, eps: number, wrt: 'x' | 'weight' | 'bias', out: Shape): D;
  /**
   * c' = σ(f)·c + σ(i)·tanh(g), with gates [N, 4H] holding the blocks i, f, g, o along axis 1 and
   * c [N, H]; `out` is [N, H].
   */
  lstmState(gates: KernelInput<D>, c: KernelInput<D>, out: Shape): D;
  /**
   * The gradient of `lstmState` given dc' (dy): the gates' ([N, 4H]: i block dy·tanh(g)·σ(i)(1−σ(i)),
   * f block dy·c·σ(f)(1−σ(f)), g block dy·σ(i)·(1−tanh²(g)), o block 0) or c's (dy·σ(f)).
   */
  lstmStateBackward(dy: KernelInput<D>, gates: KernelInput<D>, c: KernelInput<D>, wrt: 'gates' | 'c', out: Shape): D;
  /** h' = σ(o)·tanh(c'), with gates [N, 4H] (blocks i, f, g, o) and c' [N, H]; `out` is [N, H]. */
  lstmOutput(gates: KernelInput<D>, c: KernelInput<D>, out: Shape): D;
  /**
   * The gradient of `lstmOutput` given dh' (dy): the gates' ([N, 4H]: o block dy·tanh(c')·σ(o)(1−σ(o)),
   * the others 0) or c''s (dy·σ(o)·(1−tanh²(c'))).
   */
  lstmOutputBackward(dy: KernelInput<D>, gates: KernelInput<D>, c: KernelInput<D>, wrt: 'gates' | 'c', out: Shape): D;
  /** The inputs (same rank, equal but for `axis`) joined along `axis` in order; `out` is the joined shape. */
  concat(xs: readonly KernelInput<D>[], axis: number, out: Shape): D;
  /**
   * F[b, i, a] = e / max(Σ_a e, floor) with e = exp(−(a − μ)²/(2σ²_b)), μ = centre_b + (i − N/2 + 0.5)·delta_b,
   * for pixel a = 0..L−1; centre, delta and sigma2 hold one value per example. `out` is [B, N, L].
   */
  filterbank(centre: KernelInput<D>, delta: KernelInput<D>, sigma2: KernelInput<D>, attrs: FilterbankAttrs, out: Shape): D;
  /** The gradients of `filterbank` given dF with respect to centre, delta and sigma2, as the rows of `out` [3, B]. */
  filterbankBackward(dy: KernelInput<D>, centre: KernelInput<D>, delta: KernelInput<D>, sigma2: KernelInput<D>, attrs: FilterbankAttrs, out: Shape): D;
}

/**
 * The kernel table. `out` is always the output shape. Each backend exports one object of this
 * type, so a missing primitive kernel is a compile error (optional kernels may be left out).
 */
export interface Kernels<D> extends Partial<OptionalKernels<D>> {
  /** {@inheritDoc OptionalKernels.fusedElementwise} */
  fusedElementwise?(program: FusedProgram, inputs: readonly KernelInput<D>[], out: Shape): D;
  /** {@inheritDoc OptionalKernels.weightNorm} */
  weightNorm?(v: KernelInput<D>, g: KernelInput<D>, dim: number, out: Shape): D;
  /** {@inheritDoc OptionalKernels.weightNormBackward} */
  weightNormBackward?(dw: KernelInput<D>, v: KernelInput<D>, g: KernelInput<D>, dim: number, wrt: 'v' | 'g', out: Shape): D;
  /** {@inheritDoc OptionalKernels.batchMoments} */
  batchMoments?(x: KernelInput<D>, out: Shape): D;
  /** {@inheritDoc OptionalKernels.batchNorm} */
  batchNorm?(x: KernelInput<D>, weight: KernelInput<D>, bias: KernelInput<D>, eps: number, out: Shape): D;
  /** {@inheritDoc OptionalKernels.batchNormBackward} */
  batchNormBackward?(dy: KernelInput<D>, x: KernelInput<D>, weight: KernelInput<D>, eps: number, wrt: 'x' | 'weight' | 'bias', out: Shape): D;
  /** {@inheritDoc OptionalKernels.lstmState} */
  lstmState?(gates: KernelInput<D>, c: KernelInput<D>, out: Shape): D;
  /** {@inheritDoc OptionalKernels.lstmStateBackward} */
  lstmStateBackward?(dy: KernelInput<D>, gates: KernelInput<D>, c: KernelInput<D>, wrt: 'gates' | 'c', out: Shape): D;
  /** {@inheritDoc OptionalKernels.lstmOutput} */
  lstmOutput?(gates: KernelInput<D>, c: KernelInput<D>, out: Shape): D;
  /** {@inheritDoc OptionalKernels.lstmOutputBackward} */
  lstmOutputBackward?(dy: KernelInput<D>, gates: KernelInput<D>, c: KernelInput<D>, wrt: 'gates' | 'c', out: Shape): D;
  /** {@inheritDoc OptionalKernels.concat} */
  concat?(xs: readonly KernelInput<D>[], axis: number, out: Shape): D;
  /** {@inheritDoc OptionalKernels.filterbank} */
  filterbank?(centre: KernelInput<D>, delta: KernelInput<D>, sigma2: KernelInput<D>, attrs: FilterbankAttrs, out: Shape): D;
  /** {@inheritDoc OptionalKernels.filterbankBackward} */
  filterbankBackward?(dy: KernelInput<D>, centre: KernelInput<D>, delta: KernelInput<D>, sigma2: KernelInput<D>, attrs: FilterbankAttrs, out: Shape): D;
  /** Elementwise f(x). */
  unary(op: UnaryOp, x: KernelInput<D>, out: Shape): D;
  /** Elementwise f(a, b) with NumPy broadcasting to `out`; comparisons give 1 or 0. */
  binary(op: BinaryOp, a: KernelInput<D>, b: KernelInput<D>, out: Shape): D;
  /** cond != 0 ? a : b, broadcasting all three to `out`. */
  where(cond: KernelInput<D>, a: KernelInput<D>, b: KernelInput<D>, out: Shape): D;
  /** Reduction over sorted `axes`; `out` keeps the reduced axes as size 1. */
  reduce(op: ReduceOp, x: KernelInput<D>, axes: readonly number[], out: Shape): D;
  /** Index of the first maximum along `axis` (kept as size 1 in `out`), as a float. */
  argmax(x: KernelInput<D>, axis: number, out: Shape): D;
  /** out[i_perm[0], ...] = x[i_0, ...]: out.shape[k] = x.shape[perm[k]]. */
  transpose(x: KernelInput<D>, perm: readonly number[], out: Shape): D;
  /** Broadcast x (same rank, size-1 axes stretch) to `out`. */
  expand(x: KernelInput<D>, out: Shape): D;
  /** out = x[begin[0]:begin[0]+out[0], ...] */
  slice(x: KernelInput<D>, begin: readonly number[], out: Shape): D;
  /** Constant padding; before/after are per axis. */
  pad(x: KernelInput<D>, before: readonly number[], after: readonly number[], value: number, out: Shape): D;
  /** Batched matmul on rank-3 inputs [B|1, M, K] x [B|1, K, N] (after optional transposes) -> [B, M, N]. */
  matmul(a: KernelInput<D>, b: KernelInput<D>, transposeA: boolean, transposeB: boolean, out: Shape): D;
  /** NCHW input, [outC, inC, kh, kw] weight -> NCHW output (cross-correlation, as PyTorch). */
  conv2d(x: KernelInput<D>, w: KernelInput<D>, attrs: Conv2dAttrs, out: Shape): D;
  /** Gradient of conv2d with respect to its input; `out` is the input's shape. */
  conv2dBackpropInput(dy: KernelInput<D>, w: KernelInput<D>, attrs: Conv2dAttrs, out: Shape): D;
  /** Gradient of conv2d with respect to its weight; `out` is the weight's shape. */
  conv2dBackpropFilter(x: KernelInput<D>, dy: KernelInput<D>, attrs: Conv2dAttrs, out: Shape): D;
  /** Max or average pooling over NCHW input. */
  pool2d(x: KernelInput<D>, attrs: Pool2dAttrs, out: Shape): D;
  /** Gradient of pool2d; `out` is x's shape. Max routes dy to the first maximum of each window. */
  pool2dBackward(dy: KernelInput<D>, x: KernelInput<D>, attrs: Pool2dAttrs, out: Shape): D;
  /** out[.., i, ..] = x[.., indices[i], ..] along `axis`; indices is 1-D (float-coded integers). */
  gather(x: KernelInput<D>, indices: KernelInput<D>, axis: number, out: Shape): D;
  /** Inverse of gather: out (zeros of shape `out`) += updates scattered along `axis` at indices. */
  scatterAdd(updates: KernelInput<D>, indices: KernelInput<D>, axis: number, out: Shape): D;
}

/** Per-op attribute types line up with the kernel table; this assertion keeps the two in step. */
type AssertSameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
/** A compile-time check that the kernel table and the attribute table list the same kernels. */
export const kernelTableMatchesAttrs: AssertSameKeys<Kernels<unknown>, KernelAttrs> = true;

/** A backend: storage management plus the kernel table. */
export interface Backend<D = unknown> {
  /** e.g. 'reference', 'reference64', 'gpujs-cpu', 'gpujs-webasm', 'gpujs-webgl2', 'wasm' */
  readonly name: string;
  /** 'float32', or 'float64' for the gradient-check backend */
  readonly precision: 'float32' | 'float64';
  /** The kernel table: one function per primitive (and the optional kernels it implements). */
  readonly kernels: Kernels<D>;
  /** Copies host values into new storage of `size` elements. */
  upload(values: ArrayLike<number>, size: number): D;
  /** Reads storage back to the host (a copy or a view the caller must not mutate). */
  read(data: D, size: number): Float32Array | Float64Array;
  /** Releases storage. */
  free(data: D): void;
}
