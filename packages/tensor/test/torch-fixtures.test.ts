/**
 * PyTorch as the oracle: every case of tooling/fixtures/ops.json, public_ops.json and mlp.json (format in
 * tooling/fixtures/README.md) is mapped onto @wn ops, and its output, intermediates and the
 * gradients d sum(output · upstream) / d input are compared with PyTorch's float32 values.
 *
 * Tolerance: |wn − torch| ≤ tol·max(1, |torch|) per element, with tol per op in
 * FIXTURE_TOLERANCE: 0 where the op only moves or selects values, 1e-5 elementwise, 16·u·√k for a
 * sum of k terms (see the conformance suite's TOLERANCE). Every case must be handled: an op without a mapping, an
 * unsupported attribute, or an output/intermediate/gradient left unchecked fails the file.
 */
import { describe, expect, it } from 'vitest';
import {
  toleranceOf, floatInputNames, floatValues, intValues, readFixtureFile, toTensor, valueAndGrads,
  type FixtureCase, type FixtureFile, type FixtureTensor, type ToleranceClass,
} from '@wn/tooling/conformance';
import { compareClose } from '@wn/tooling/testing';
import {
  abs, add, argmax, avgPool2d, broadcastShapes, broadcastTo, concat, conv2d, conv2dBackpropFilter, conv2dBackpropInput,
  conv2dWithAttrs, convTranspose2d, cos, dispose, div, elu, equal, exp, expandDims, flatten, floor, fusedDecomposition,
  fusedElementwise, fusedValues, gather, getBackend, globalAvgPool, greater, l2Normalize, leakyRelu, less, log, logSoftmax,
  logSumExp, matmul, max, maxPool2d, maximum, mean, memory, min, minimum, mul, neg, oneHot, onesLike, pad, pool2dBackward,
  pow, reciprocal, relu, reshape, scatterAdd, sigmoid, sigmoidCrossEntropy, sign, sin, sizeOf, slice, softmax,
  softmaxCrossEntropy, softplus, split, sqrt, square, squeeze, stack, stridesOf, sub, sum, tanh, tensor, tidy, transpose,
  variance, weightNormalize, weightNormalizeBackward, where, batchMoments, lstmCell, lstmCellState, lstmCellStateBackward, lstmCellOutput, lstmCellOutputBackward, gaussianFilterbank, gaussianFilterbankBackward, batchNormalize, batchNormalizeBackward, withBackend, type Conv2dAttrs, type FusedProgram, type Pool2dAttrs, type Tensor,
} from '../src/index.js';
import * as wn from '../src/index.js';

const fixture = (name: string) => readFixtureFile(new URL(`../../../tooling/fixtures/${name}`, import.meta.url));
const FILES: [string, FixtureFile][] = [
  ['ops.json', fixture('ops.json')], ['public_ops.json', fixture('public_ops.json')], ['mlp.json', fixture('mlp.json')],
];

/**
 * Backends checked against PyTorch: the float32 spec, its float64 twin and the default backend
 * (what users get; WN_BACKEND can point it elsewhere). The fixtures pin op semantics; that every
 * other backend computes the same as the spec is the conformance suite's job (conformance.test.ts),
 * so repeating them on each (slow-to-compile gpu.js) backend would add time, not coverage.
 */
const BACKENDS = [...new Set(['reference', 'reference64', getBackend()])];

interface Ctx {
  readonly c: FixtureCase;
  /** float inputs as tensors (the ones differentiated) */
  readonly x: Readonly<Record<string, Tensor>>;
  readonly attrs: Readonly<Record<string, unknown>>;
  /** int64/bool inputs as host numbers */
  ints(name: string): number[];
}
/** What a case computes: its output, plus any intermediates the fixture records. */
type Result = Tensor | { output: Tensor; intermediates: Record<string, Tensor> };
interface Handler {
  readonly run: (ctx: Ctx) => Result;
}

/** Fails on attributes a handler does not implement, instead of silently ignoring them. */
function expectAttrs(ctx: Ctx, allowed: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(ctx.attrs)) {
    if (!(k in allowed)) throw new Error(`${ctx.c.name}: unhandled attribute '${k}'`);
    const want = allowed[k];
    if (want !== undefined && JSON.stringify(want) !== JSON.stringify(v)) {
      throw new Error(`${ctx.c.name}: unsupported ${k} = ${JSON.stringify(v)} (supported: ${JSON.stringify(want)})`);
    }
  }
}
const attr = <T>(ctx: Ctx, k: string): T => {
  if (!(k in ctx.attrs)) throw new Error(`${ctx.c.name}: missing attribute '${k}'`);
  return ctx.attrs[k] as T;
};
const pair = (v: unknown) => v as [number, number];
/** torch `dim` (int, list or null) → @wn axes (undefined = all). */
const dims = (v: unknown): number | number[] | undefined => (v === null ? undefined : (v as number | number[]));

const withBias = (y: Tensor, b: Tensor | undefined) => (b ? add(y, reshape(b, [1, b.size, 1, 1])) : y);

/** torch.matmul with NumPy batch broadcasting, for ranks above what @wn's matmul takes (3). */
function torchMatmul(a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor {
  if (a.rank <= 3 && b.rank <= 3) return matmul(a, b, { transposeA: ta, transposeB: tb });
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const n = sizeOf(batch);
  const flat = (t: Tensor) => reshape(broadcastTo(t, [...batch, ...t.shape.slice(-2)]), [n, ...t.shape.slice(-2)]);
  const y = matmul(flat(a), flat(b), { transposeA: ta, transposeB: tb });
  return reshape(y, [...batch, ...y.shape.slice(1)]);
}

/** torch.gather (index of x's rank) through @wn's 1-D gather on the flattened input. */
function torchGather(x: Tensor, dim: number, index: FixtureTensor): Tensor {
  const d = dim < 0 ? dim + x.rank : dim;
  const idx = intValues(index);
  const xs = stridesOf(x.shape), is = stridesOf(index.shape);
  const flat = idx.map((v, p) => {
    let offset = 0;
    for (let k = 0; k < index.shape.length; k++) offset += (k === d ? v : Math.floor(p / is[k]) % index.shape[k]) * xs[k];
    return offset;
  });
  return reshape(gather(reshape(x, [-1]), flat, 0), index.shape);
}

const unary = (f: (t: Tensor) => Tensor): Handler => ({ run: (ctx) => (expectAttrs(ctx, {}), f(ctx.x.x)) });
const binary = (f: (a: Tensor, b: Tensor) => Tensor): Handler => ({ run: (ctx) => (expectAttrs(ctx, {}), f(ctx.x.a, ctx.x.b)) });
const reduction = (f: (t: Tensor, axes?: number | number[], keep?: boolean) => Tensor, extra: Record<string, unknown> = {}): Handler => ({
  run: (ctx) => (expectAttrs(ctx, { dim: undefined, keepdim: undefined, ...extra }), f(ctx.x.x, dims(ctx.attrs.dim), attr<boolean>(ctx, 'keepdim'))),
});

const HANDLERS: Record<string, Handler> = {
  conv2d: {
    run: (ctx) => {
      expectAttrs(ctx, { stride: undefined, padding: undefined, dilation: undefined, groups: 1, pad: undefined });
      const [ph, pw] = pair(attr(ctx, 'padding'));
      // F.pad order is [left, right, top, bottom]; @wn takes [top, bottom, left, right]
      const [l, r, t, b] = (ctx.attrs.pad as number[] | undefined) ?? [0, 0, 0, 0];
      const y = conv2d(ctx.x.x, ctx.x.w, { stride: pair(attr(ctx, 'stride')), dilation: pair(attr(ctx, 'dilation')), padding: [t + ph, b + ph, l + pw, r + pw] });
      return withBias(y, ctx.x.b);
    },
  },
  conv_transpose2d: {
    run: (ctx) => {
      expectAttrs(ctx, { stride: undefined, padding: undefined, output_padding: undefined, dilation: undefined, groups: 1 });
      const y = convTranspose2d(ctx.x.x, ctx.x.w, {
        stride: pair(attr(ctx, 'stride')), padding: pair(attr(ctx, 'padding')), outputPadding: pair(attr(ctx, 'output_padding')), dilation: pair(attr(ctx, 'dilation')),
      });
      return withBias(y, ctx.x.b);
    },
  },
  max_pool2d: {
    run: (ctx) => {
      expectAttrs(ctx, { kernel_size: undefined, stride: undefined, padding: undefined, dilation: [1, 1], ceil_mode: false });
      return maxPool2d(ctx.x.x, { kernel: pair(attr(ctx, 'kernel_size')), stride: pair(attr(ctx, 'stride')), padding: pair(attr(ctx, 'padding')) });
    },
  },
  avg_pool2d: {
    run: (ctx) => {
      expectAttrs(ctx, { kernel_size: undefined, stride: undefined, padding: undefined, ceil_mode: false, count_include_pad: undefined });
      const options = { kernel: pair(attr(ctx, 'kernel_size')), stride: pair(attr(ctx, 'stride')), padding: pair(attr(ctx, 'padding')) };
      const y = avgPool2d(ctx.x.x, options);
      // count_include_pad=false divides by the real cells: the same pool over ones counts them
      return attr<boolean>(ctx, 'count_include_pad') ? y : div(y, avgPool2d(onesLike(ctx.x.x), options));
    },
  },
  adaptive_avg_pool2d: {
    run: (ctx) => {
      expectAttrs(ctx, { output_size: undefined });
      const [oh, ow] = pair(attr(ctx, 'output_size'));
      const [n, ch, h, w] = ctx.x.x.shape;
      if (oh === 1 && ow === 1) return reshape(globalAvgPool(ctx.x.x), [n, ch, 1, 1]);
      if (h % oh !== 0 || w % ow !== 0) throw new Error(`${ctx.c.name}: only divisible adaptive pooling maps onto avgPool2d`);
      return avgPool2d(ctx.x.x, { kernel: [h / oh, w / ow] });
    },
  },
  matmul: {
    run: (ctx) => (expectAttrs(ctx, { transpose_a: undefined, transpose_b: undefined }), torchMatmul(ctx.x.a, ctx.x.b, attr(ctx, 'transpose_a'), attr(ctx, 'transpose_b'))),
  },
  softmax: { run: (ctx) => (expectAttrs(ctx, { dim: undefined }), softmax(ctx.x.x, attr(ctx, 'dim'))) },
  log_softmax: { run: (ctx) => (expectAttrs(ctx, { dim: undefined }), logSoftmax(ctx.x.x, attr(ctx, 'dim'))) },
  logsumexp: reduction(logSumExp),
  sum: reduction(sum),
  mean: reduction(mean),
  max: reduction(max),
  var: reduction(variance, { unbiased: false }),
  cross_entropy: {
    run: (ctx) => {
      expectAttrs(ctx, { reduction: undefined });
      const loss = softmaxCrossEntropy(ctx.x.logits, ctx.ints('labels'));
      const r = attr<string>(ctx, 'reduction');
      if (r !== 'mean' && r !== 'sum') throw new Error(`${ctx.c.name}: reduction '${r}'`);
      return r === 'sum' ? mul(loss, ctx.x.logits.shape[0]) : loss;
    },
  },
  binary_cross_entropy_with_logits: {
    run: (ctx) => (expectAttrs(ctx, { reduction: 'mean' }), sigmoidCrossEntropy(ctx.x.logits, ctx.x.targets)),
  },
  exp: unary(exp), log: unary(log), sqrt: unary(sqrt), reciprocal: unary(reciprocal), neg: unary(neg), sin: unary(sin), cos: unary(cos),
  tanh: unary(tanh), sigmoid: unary(sigmoid), abs: unary(abs), relu: unary(relu),
  leaky_relu: { run: (ctx) => (expectAttrs(ctx, { negative_slope: undefined }), leakyRelu(ctx.x.x, attr(ctx, 'negative_slope'))) },
  elu: { run: (ctx) => (expectAttrs(ctx, { alpha: undefined }), elu(ctx.x.x, attr(ctx, 'alpha'))) },
  // torch returns x itself above the threshold; @wn's stable form equals it to float32 precision there
  softplus: { run: (ctx) => (expectAttrs(ctx, { beta: 1, threshold: 20 }), softplus(ctx.x.x)) },
  add: binary(add), sub: binary(sub), mul: binary(mul), div: binary(div), maximum: binary(maximum), minimum: binary(minimum), pow: binary(pow),
  where: { run: (ctx) => (expectAttrs(ctx, {}), where(tensor(ctx.ints('cond'), ctx.c.inputs.cond.shape), ctx.x.a, ctx.x.b)) },
  gather: { run: (ctx) => (expectAttrs(ctx, { dim: undefined }), torchGather(ctx.x.x, attr(ctx, 'dim'), ctx.c.inputs.index)) },
  index_select: { run: (ctx) => (expectAttrs(ctx, { dim: undefined }), gather(ctx.x.x, ctx.ints('index'), attr(ctx, 'dim'))) },
  pad: {
    run: (ctx) => {
      expectAttrs(ctx, { pad: undefined, mode: 'constant', value: undefined });
      const p = attr<number[]>(ctx, 'pad');
      const rank = ctx.x.x.rank;
      // F.pad lists (before, after) pairs from the last axis backwards
      const paddings = Array.from({ length: rank }, (_, axis): [number, number] => {
        const i = rank - 1 - axis;
        return 2 * i < p.length ? [p[2 * i], p[2 * i + 1]] : [0, 0];
      });
      return pad(ctx.x.x, paddings, attr(ctx, 'value'));
    },
  },
  transpose: {
    run: (ctx) => {
      expectAttrs(ctx, { dim0: undefined, dim1: undefined });
      const r = ctx.x.x.rank;
      const [d0, d1] = [attr<number>(ctx, 'dim0'), attr<number>(ctx, 'dim1')].map((d) => (d + r) % r);
      const perm = Array.from({ length: r }, (_, i) => (i === d0 ? d1 : i === d1 ? d0 : i));
      return transpose(ctx.x.x, perm);
    },
  },
  permute: { run: (ctx) => (expectAttrs(ctx, { dims: undefined }), transpose(ctx.x.x, attr(ctx, 'dims'))) },
  concat: {
    run: (ctx) => {
      expectAttrs(ctx, { dim: undefined });
      const names = Object.keys(ctx.x).sort((p, q) => Number(p.slice(1)) - Number(q.slice(1)));
      if (!names.every((k, i) => k === `x${i}`)) throw new Error(`${ctx.c.name}: concat inputs ${names.join(', ')}`);
      return concat(names.map((k) => ctx.x[k]), attr(ctx, 'dim'));
    },
  },
  // ---- public_ops.json ----
  square: unary(square), sign: unary(sign), floor: unary(floor),
  equal: binary(equal), less: binary(less), greater: binary(greater),
  min: reduction(min),
  argmax: { run: (ctx) => (expectAttrs(ctx, { dim: undefined, keepdim: undefined }), argmax(ctx.x.x, attr(ctx, 'dim'), attr(ctx, 'keepdim'))) },
  l2_normalize: {
    run: (ctx) => (expectAttrs(ctx, { dim: undefined, eps: undefined }), l2Normalize(ctx.x.x, attr<number[]>(ctx, 'dim'), attr(ctx, 'eps'))),
  },
  split: {
    run: (ctx) => {
      expectAttrs(ctx, { sizes: undefined, dim: undefined });
      const parts = split(ctx.x.x, attr<number[]>(ctx, 'sizes'), attr(ctx, 'dim'));
      // the fixture's output is the parts flattened and concatenated; each part is an intermediate
      return { output: concat(parts.map((p) => reshape(p, [-1])), 0), intermediates: Object.fromEntries(parts.map((p, i) => [`part${i}`, p])) };
    },
  },
  stack: {
    run: (ctx) => (expectAttrs(ctx, { dim: undefined }), stack(Object.keys(ctx.x).map((_, i) => ctx.x[`x${i}`]), attr(ctx, 'dim'))),
  },
  slice: { run: (ctx) => (expectAttrs(ctx, { begin: undefined, size: undefined }), slice(ctx.x.x, attr(ctx, 'begin'), attr(ctx, 'size'))) },
  squeeze: { run: (ctx) => (expectAttrs(ctx, { dim: undefined }), squeeze(ctx.x.x, dims(ctx.attrs.dim))) },
  unsqueeze: { run: (ctx) => (expectAttrs(ctx, { dim: undefined }), expandDims(ctx.x.x, attr(ctx, 'dim'))) },
  flatten: { run: (ctx) => (expectAttrs(ctx, { start_dim: undefined }), flatten(ctx.x.x, attr(ctx, 'start_dim'))) },
  reshape: { run: (ctx) => (expectAttrs(ctx, { shape: undefined }), reshape(ctx.x.x, attr(ctx, 'shape'))) },
  broadcast_to: { run: (ctx) => (expectAttrs(ctx, { shape: undefined }), broadcastTo(ctx.x.x, attr(ctx, 'shape'))) },
  one_hot: { run: (ctx) => (expectAttrs(ctx, { num_classes: undefined }), oneHot(ctx.ints('labels'), attr(ctx, 'num_classes'))) },
  index_add: {
    run: (ctx) => (expectAttrs(ctx, { dim: undefined, shape: undefined }), scatterAdd(ctx.x.updates, ctx.ints('index'), attr(ctx, 'dim'), attr(ctx, 'shape'))),
  },
  fused_elementwise: {
    run: (ctx) => {
      expectAttrs(ctx, { program: undefined });
      const program = attr<FusedProgram>(ctx, 'program');
      return fusedElementwise(program, Array.from({ length: program.inputs }, (_, i) => ctx.x[`x${i}`]));
    },
  },
  fused_decomposition: {
    run: (ctx) => {
      expectAttrs(ctx, { program: undefined });
      const program = attr<FusedProgram>(ctx, 'program');
      const inputs = Array.from({ length: program.inputs }, (_, i) => ctx.x[`x${i}`]);
      const values = fusedValues(program, inputs);
      const intermediates = Object.fromEntries(values.flatMap((v, k) => (k >= program.inputs ? [[`value${k}`, v]] : [])));
      return { output: fusedDecomposition(program, inputs), intermediates };
    },
  },
  conv2d_with_attrs: {
    run: (ctx) => (expectAttrs(ctx, { stride: undefined, pad: undefined, dilation: undefined }), conv2dWithAttrs(ctx.x.x, ctx.x.w, ctx.attrs as unknown as Conv2dAttrs)),
  },
  conv2d_backprop_input: {
    run: (ctx) => {
      expectAttrs(ctx, { stride: undefined, pad: undefined, dilation: undefined, input_shape: undefined });
      return conv2dBackpropInput(ctx.x.dy, ctx.x.w, ctx.attrs as unknown as Conv2dAttrs, attr(ctx, 'input_shape'));
    },
  },
  conv2d_backprop_filter: {
    run: (ctx) => {
      expectAttrs(ctx, { stride: undefined, pad: undefined, dilation: undefined, weight_shape: undefined });
      return conv2dBackpropFilter(ctx.x.x, ctx.x.dy, ctx.attrs as unknown as Conv2dAttrs, attr(ctx, 'weight_shape'));
    },
  },
  pool2d_backward: {
    run: (ctx) => {
      expectAttrs(ctx, { mode: undefined, kernel: undefined, stride: undefined, pad: undefined });
      return pool2dBackward(ctx.x.dy, ctx.x.x, ctx.attrs as unknown as Pool2dAttrs);
    },
  },
  weight_normalize: {
    run: (ctx) => (expectAttrs(ctx, { dim: undefined }), weightNormalize(ctx.x.v, ctx.x.g, attr(ctx, 'dim'))),
  },
  weight_normalize_backward: {
    run: (ctx) => (expectAttrs(ctx, { dim: undefined, wrt: undefined }), weightNormalizeBackward(ctx.x.dw, ctx.x.v, ctx.x.g, attr(ctx, 'dim'), attr(ctx, 'wrt'))),
  },
  batch_normalize: {
    run: (ctx) => (expectAttrs(ctx, { eps: undefined }), batchNormalize(ctx.x.x, ctx.x.weight, ctx.x.bias, attr(ctx, 'eps'))),
  },
  batch_normalize_backward: {
    run: (ctx) => (expectAttrs(ctx, { eps: undefined, wrt: undefined }), batchNormalizeBackward(ctx.x.dy, ctx.x.x, ctx.x.weight, attr(ctx, 'eps'), attr(ctx, 'wrt'))),
  },
  batch_moments: {
    run: (ctx) => (expectAttrs(ctx, {}), batchMoments(ctx.x.x)),
  },
  gaussian_filterbank: {
    run: (ctx) => (expectAttrs(ctx, { n: undefined, length: undefined, floor: undefined }),
      gaussianFilterbank(ctx.x.centre, ctx.x.delta, ctx.x.sigma2, attr(ctx, 'n'), attr(ctx, 'length'), attr(ctx, 'floor'))),
  },
  gaussian_filterbank_backward: {
    run: (ctx) => (expectAttrs(ctx, { n: undefined, length: undefined, floor: undefined }),
      gaussianFilterbankBackward(ctx.x.dy, ctx.x.centre, ctx.x.delta, ctx.x.sigma2, attr(ctx, 'n'), attr(ctx, 'length'), attr(ctx, 'floor'))),
  },
  lstm_cell: {
    run: (ctx) => {
      expectAttrs(ctx, {});
      const { h, c } = lstmCell(ctx.x.gates, ctx.x.c);
      return concat([h, c], 1);
    },
  },
  lstm_cell_state: {
    run: (ctx) => (expectAttrs(ctx, {}), lstmCellState(ctx.x.gates, ctx.x.c)),
  },
  lstm_cell_output: {
    run: (ctx) => (expectAttrs(ctx, {}), lstmCellOutput(ctx.x.gates, ctx.x.c_next)),
  },
  lstm_cell_state_backward: {
    run: (ctx) => (expectAttrs(ctx, { wrt: undefined }), lstmCellStateBackward(ctx.x.dy, ctx.x.gates, ctx.x.c, attr(ctx, 'wrt'))),
  },
  lstm_cell_output_backward: {
    run: (ctx) => (expectAttrs(ctx, { wrt: undefined }), lstmCellOutputBackward(ctx.x.dy, ctx.x.gates, ctx.x.c_next, attr(ctx, 'wrt'))),
  },
  mlp: {
    run: (ctx) => {
      expectAttrs(ctx, { layers: ['Linear(5,7)', 'tanh', 'Linear(7,3)', 'cross_entropy(reduction=mean)'], reduction: 'mean' });
      const linear = (h: Tensor, w: Tensor, b: Tensor) => add(matmul(h, w, { transposeB: true }), b);
      const fc1 = linear(ctx.x.x, ctx.x['fc1.weight'], ctx.x['fc1.bias']);
      const hidden = tanh(fc1);
      const logits = linear(hidden, ctx.x['fc2.weight'], ctx.x['fc2.bias']);
      return { output: softmaxCrossEntropy(logits, ctx.ints('labels')), intermediates: { fc1_out: fc1, hidden, logits } };
    },
  },
};

/** How closely each fixture op must match PyTorch (classes as in the conformance suite). */
interface FixtureTolerance {
  readonly tol: ToleranceClass;
  /** the gradients' class when it differs */
  readonly gradTol?: ToleranceClass;
  /** for `reduction`: the longest sum in the case's forward or gradients */
  readonly k?: (c: FixtureCase) => number;
}
const shapeOf = (c: FixtureCase, input: string) => c.inputs[input].shape;
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** terms of a reduction of `x` over torch `dim` (list, int or null = all) */
const reducedCount = (c: FixtureCase): number => {
  const s = shapeOf(c, 'x'), d = c.attrs.dim as number | number[] | null;
  return d === null ? numel(s) : ([] as number[]).concat(d).reduce((n, a) => n * s[(a + s.length) % s.length], 1);
};
/** conv: forward Cin·kh·kw, input gradient Cout·kh·kw, filter (and bias) gradient N·OH·OW */
const convK = (x: string, w: string) => (c: FixtureCase): number => {
  const ws = shapeOf(c, w), xs = shapeOf(c, x), ys = c.output.shape;
  return Math.max(ws[0] * ws[2] * ws[3], ws[1] * ws[2] * ws[3], xs[0] * xs[2] * xs[3], ys[0] * ys[2] * ys[3]);
};
const kernelArea = (key: string) => (c: FixtureCase) => numel(c.attrs[key] as number[]);
const exact: FixtureTolerance = { tol: 'exact' };
const exactForward: FixtureTolerance = { tol: 'exact', gradTol: 'elementwise' };
const elementwise: FixtureTolerance = { tol: 'elementwise' };
const reductionOf = (k: (c: FixtureCase) => number): FixtureTolerance => ({ tol: 'reduction', k });

/**
 * Per fixture op: `exact` where @wn and PyTorch both only move or select float32 values (layout,
 * max pooling's forward, relu, comparisons, argmax: any difference is a bug), `elementwise` for a
 * few roundings per element, and `reduction` with the op's sum length k for matmul, conv, pooling,
 * softmax and losses (16·u·√k, see the conformance suite's TOLERANCE; PyTorch's own float32 sums
 * are rounded in yet another order, and the worst seen here is within that bound).
 */
const FIXTURE_TOLERANCE: Record<string, FixtureTolerance> = {
  conv2d: reductionOf(convK('x', 'w')),
  conv_transpose2d: reductionOf((c) => { const xs = shapeOf(c, 'x'), ws = shapeOf(c, 'w'), ys = c.output.shape; return Math.max(ws[0] * ws[2] * ws[3], ws[1] * ws[2] * ws[3], xs[0] * xs[2] * xs[3], ys[0] * ys[2] * ys[3]); }),
  max_pool2d: { tol: 'exact', gradTol: 'reduction', k: kernelArea('kernel_size') },
  avg_pool2d: reductionOf(kernelArea('kernel_size')),
  adaptive_avg_pool2d: reductionOf((c) => numel(shapeOf(c, 'x').slice(2))),
  matmul: reductionOf((c) => {
    const a = shapeOf(c, 'a'), b = shapeOf(c, 'b'), ta = c.attrs.transpose_a, tb = c.attrs.transpose_b;
    const [m, k] = ta ? [a.at(-1)!, a.at(-2)!] : [a.at(-2)!, a.at(-1)!];
    const n = tb ? b.at(-2)! : b.at(-1)!;
    return Math.max(k, n, m * Math.max(numel(a.slice(0, -2)), numel(b.slice(0, -2))));
  }),
  softmax: reductionOf((c) => shapeOf(c, 'x').at(c.attrs.dim as number)!),
  log_softmax: reductionOf((c) => shapeOf(c, 'x').at(c.attrs.dim as number)!),
  logsumexp: reductionOf((c) => shapeOf(c, 'x').at(c.attrs.dim as number)!),
  sum: reductionOf(reducedCount), mean: reductionOf(reducedCount), var: reductionOf(reducedCount),
  max: exact, min: exact,
  cross_entropy: reductionOf((c) => numel(shapeOf(c, 'logits'))),
  binary_cross_entropy_with_logits: reductionOf((c) => numel(shapeOf(c, 'logits'))),
  exp: elementwise, log: elementwise, sqrt: elementwise, reciprocal: elementwise, sin: elementwise, cos: elementwise, tanh: elementwise,
  sigmoid: elementwise, leaky_relu: elementwise, elu: elementwise, softplus: elementwise, square: elementwise,
  neg: exact, abs: exact, relu: exact, sign: exact, floor: exact,
  add: elementwise, sub: elementwise, mul: elementwise, div: elementwise, pow: elementwise,
  maximum: exactForward, minimum: exactForward, where: exactForward,
  equal: exact, less: exact, greater: exact, argmax: exact, one_hot: exact,
  gather: exactForward, index_select: exactForward, index_add: elementwise,
  pad: exact, transpose: exact, permute: exact, concat: exact, split: exact, stack: exact, slice: exact, squeeze: exact,
  unsqueeze: exact, flatten: exact, reshape: exact, broadcast_to: exactForward,
  l2_normalize: reductionOf(reducedCount),
  fused_elementwise: elementwise, fused_decomposition: elementwise,
  conv2d_with_attrs: reductionOf(convK('x', 'w')),
  // dx sums Cout·kh·kw; its gradients: d(dy) Cin·kh·kw, dw over N·OH·OW
  conv2d_backprop_input: reductionOf((c) => { const ws = shapeOf(c, 'w'), ds = shapeOf(c, 'dy'); return Math.max(ws[0] * ws[2] * ws[3], ws[1] * ws[2] * ws[3], ds[0] * ds[2] * ds[3]); }),
  // dw sums over the N·OH·OW output pixels
  conv2d_backprop_filter: reductionOf((c) => { const ds = shapeOf(c, 'dy'); return ds[0] * ds[2] * ds[3]; }),
  pool2d_backward: reductionOf(kernelArea('kernel')),
  // the norm (and Σ dw·v) of one unit: every element but those along `dim`
  weight_normalize: reductionOf((c) => numel(shapeOf(c, 'v')) / shapeOf(c, 'v')[c.attrs.dim as number]),
  weight_normalize_backward: reductionOf((c) => numel(shapeOf(c, 'v')) / shapeOf(c, 'v')[c.attrs.dim as number]),
  // the statistics (and Σ dy, Σ dy·x) of one channel: every element but those along axis 1
  batch_normalize: reductionOf((c) => numel(shapeOf(c, 'x')) / shapeOf(c, 'x')[1]),
  batch_normalize_backward: reductionOf((c) => numel(shapeOf(c, 'x')) / shapeOf(c, 'x')[1]),
  // a row's sum over the L pixels (and, in the gradients, over the N·L cells of an example)
  gaussian_filterbank: reductionOf((c) => (c.attrs.n as number) * (c.attrs.length as number)),
  gaussian_filterbank_backward: reductionOf((c) => (c.attrs.n as number) * (c.attrs.length as number)),
  lstm_cell: { tol: 'elementwise' },
  lstm_cell_state: { tol: 'elementwise' },
  lstm_cell_output: { tol: 'elementwise' },
  lstm_cell_state_backward: { tol: 'elementwise' },
  lstm_cell_output_backward: { tol: 'elementwise' },
  batch_moments: reductionOf((c) => numel(shapeOf(c, 'x')) / shapeOf(c, 'x')[1]),
  // the largest sum: the first layer's weight gradient over the batch of 8 (and K = 5, 7)
  mlp: reductionOf(() => 8),
};

/**
 * Which public @wn/tensor exports each fixture op exercises. The coverage test below fails for a
 * public op that no fixture case reaches, so a new op cannot ship with only reference64 (our own
 * code) as its oracle.
 */
const COVERS: Record<string, readonly string[]> = {
  conv2d: ['conv2d'], conv_transpose2d: ['convTranspose2d'], max_pool2d: ['maxPool2d'], avg_pool2d: ['avgPool2d'],
  adaptive_avg_pool2d: ['globalAvgPool', 'avgPool2d'], matmul: ['matmul'], softmax: ['softmax'], log_softmax: ['logSoftmax'],
  logsumexp: ['logSumExp'], sum: ['sum'], mean: ['mean'], max: ['max'], var: ['variance'], cross_entropy: ['softmaxCrossEntropy'],
  binary_cross_entropy_with_logits: ['sigmoidCrossEntropy'], exp: ['exp'], log: ['log'], sqrt: ['sqrt'], reciprocal: ['reciprocal'],
  neg: ['neg'], sin: ['sin'], cos: ['cos'], tanh: ['tanh'], sigmoid: ['sigmoid'], abs: ['abs'], relu: ['relu'],
  leaky_relu: ['leakyRelu'], elu: ['elu'], softplus: ['softplus'], add: ['add'], sub: ['sub'], mul: ['mul'], div: ['div'],
  maximum: ['maximum'], minimum: ['minimum'], pow: ['pow'], where: ['where'], gather: ['gather'], index_select: ['gather'],
  pad: ['pad'], transpose: ['transpose'], permute: ['transpose'], concat: ['concat'],
  square: ['square'], sign: ['sign'], floor: ['floor'], equal: ['equal'], less: ['less'], greater: ['greater'], min: ['min'],
  argmax: ['argmax'], l2_normalize: ['l2Normalize'], split: ['split'], stack: ['stack'], slice: ['slice'], squeeze: ['squeeze'],
  unsqueeze: ['expandDims'], flatten: ['flatten'], reshape: ['reshape'], broadcast_to: ['broadcastTo'], one_hot: ['oneHot'],
  index_add: ['scatterAdd'], fused_elementwise: ['fusedElementwise'], fused_decomposition: ['fusedDecomposition', 'fusedValues'],
  conv2d_with_attrs: ['conv2dWithAttrs'], conv2d_backprop_input: ['conv2dBackpropInput'],
  conv2d_backprop_filter: ['conv2dBackpropFilter'], pool2d_backward: ['pool2dBackward'],
  weight_normalize: ['weightNormalize'], weight_normalize_backward: ['weightNormalizeBackward'],
  batch_normalize: ['batchNormalize'], batch_normalize_backward: ['batchNormalizeBackward'], batch_moments: ['batchMoments'],
  gaussian_filterbank: ['gaussianFilterbank'], gaussian_filterbank_backward: ['gaussianFilterbankBackward'],
  lstm_cell: ['lstmCell'], lstm_cell_state: ['lstmCellState'], lstm_cell_output: ['lstmCellOutput'],
  lstm_cell_state_backward: ['lstmCellStateBackward'], lstm_cell_output_backward: ['lstmCellOutputBackward'],
  mlp: [],
};

/**
 * Function exports of @wn/tensor that are not ops, so need no PyTorch case. Keep this list short
 * and explained: anything that computes tensor values from tensor values belongs in a fixture.
 */
const NOT_OPS = new Set([
  // creation from host values / constants (their values are the arguments)
  'tensor', 'scalar', 'zeros', 'ones', 'full', 'zerosLike', 'onesLike', 'arange',
  // seeded random draws (@wn's own generator; tested for distribution and determinism in their tests)
  'rand', 'randn', 'bernoulli', 'randomBits', 'uniform01', 'Rng', 'deriveSeed',
  // engine, backends, memory and scope management
  'Engine', 'Tensor', 'WnError', 'FileFormatError', 'argError', 'formatValue', 'createReferenceBackend', 'createReferenceKernels', 'createWasmBackend', 'registerBackend',
  'setBackend', 'getBackend', 'withBackend', 'toBackend', 'tidy', 'keep', 'dispose', 'memory', 'onOp',
  // shape and attribute arithmetic on plain numbers
  'broadcastShapes', 'normalizeAxes', 'normalizeAxis', 'shapesEqual', 'sizeOf', 'stridesOf', 'conv2dOutputShape', 'conv2dAttrs',
  // building and validating fused programs (their evaluation, fusedElementwise/fusedValues, has cases)
  'fuse', 'FusedValue', 'fusedProgramKey', 'validateFusedProgram', 'fusedLiveCode', 'isPiecewiseConstantProgram',
  // a check that throws on non-finite values; it computes nothing
  'assertFinite',
]);

function compare(got: Tensor, want: FixtureTensor, tol: number, label: string): void {
  expect([...got.shape], `${label}: shape`).toEqual([...want.shape]);
  const r = compareClose(got.dataSync(), floatValues(want), { rtol: tol, atol: tol, shape: want.shape, label });
  expect(r.ok, r.message).toBe(true);
}

function checkFixtureCase(backend: string, c: FixtureCase): void {
  const handler = HANDLERS[c.op];
  if (!handler) throw new Error(`no @wn mapping for fixture op '${c.op}' (case '${c.name}')`);
  const t = FIXTURE_TOLERANCE[c.op];
  const tol = toleranceOf(t.tol, t.k?.(c));
  const gradTol = toleranceOf(t.gradTol ?? t.tol, t.k?.(c));
  const names = floatInputNames(c);
  const differentiable = c.differentiable !== false;
  // every float input must have a gradient in the fixture (none for piecewise-constant ops and
  // backward kernels), and we check every one of them
  expect(Object.keys(c.grads).sort(), `${c.name}: gradient keys`).toEqual(differentiable ? [...names].sort() : []);
  const before = memory();
  withBackend(backend, () =>
    tidy(() => {
      const xs = names.map((k) => toTensor(c.inputs[k]));
      const ctx: Ctx = {
        c,
        x: Object.fromEntries(names.map((k, i) => [k, xs[i]])),
        attrs: c.attrs,
        ints: (k) => intValues(c.inputs[k]),
      };
      const result = handler.run(ctx);
      const { output, intermediates } = 'output' in result ? result : { output: result, intermediates: {} as Record<string, Tensor> };
      compare(output, c.output, tol, `${c.name} [${backend}] output`);
      expect(Object.keys(intermediates).sort(), `${c.name}: intermediates checked`).toEqual(Object.keys(c.intermediates ?? {}).sort());
      for (const [k, t] of Object.entries(intermediates)) compare(t, c.intermediates![k], tol, `${c.name} [${backend}] intermediate ${k}`);

      if (!differentiable) return;
      const upstream = toTensor(c.upstream);
      const { value, grads } = valueAndGrads(() => {
        const r = handler.run(ctx);
        return sum(mul('output' in r ? r.output : r, upstream));
      }, xs);
      names.forEach((k, i) => compare(grads[i], c.grads[k], gradTol, `${c.name} [${backend}] grad ${k}`));
      dispose([value, grads]);
    }),
  );
  expect(memory(), `${c.name}: live tensors after the case`).toEqual(before);
}

for (const backend of BACKENDS) {
  describe(`PyTorch fixtures on ${backend}`, () => {
    for (const [file, data] of FILES) {
      describe(file, () => {
        const consumed = new Set<string>();
        for (const c of data.cases) {
          it(c.name, () => {
            checkFixtureCase(backend, c);
            consumed.add(c.name);
          });
        }
        // runs last (vitest runs a file's tests in order): a new fixture case can't be skipped silently
        it(`all ${data.cases.length} cases were consumed`, () => {
          const missed = data.cases.filter((c) => !consumed.has(c.name)).map((c) => c.name);
          expect(missed, 'cases not fully checked').toEqual([]);
          expect(consumed.size).toBe(data.cases.length);
        });
      });
    }
  });
}

describe('fixture coverage', () => {
  const fixtureOps = new Set(FILES.flatMap(([, f]) => f.cases.map((c) => c.op)));
  it('every op in the fixture files has a mapping', () => {
    expect([...fixtureOps].filter((op) => !HANDLERS[op])).toEqual([]);
    expect(Object.keys(COVERS).sort()).toEqual(Object.keys(HANDLERS).sort());
    expect(Object.keys(FIXTURE_TOLERANCE).sort()).toEqual(Object.keys(HANDLERS).sort());
    for (const [name, f] of FILES) expect(f.cases.length, name).toBeGreaterThan(0);
  });
  it('every public op of @wn/tensor has at least one PyTorch case', () => {
    const covered = new Set([...fixtureOps].flatMap((op) => COVERS[op] ?? []));
    const publicOps = Object.entries(wn).filter(([k, v]) => typeof v === 'function' && !NOT_OPS.has(k)).map(([k]) => k);
    expect(publicOps.filter((k) => !covered.has(k)), 'public ops without a case in tooling/fixtures (add one to make_fixtures.py)').toEqual([]);
    // the exemptions must name real exports, so a renamed op cannot hide behind a stale entry
    expect([...NOT_OPS].filter((k) => !(k in wn)), 'NOT_OPS entries that are not exports').toEqual([]);
    expect([...covered].filter((k) => !(k in wn)), 'COVERS entries that are not exports').toEqual([]);
  });
});
