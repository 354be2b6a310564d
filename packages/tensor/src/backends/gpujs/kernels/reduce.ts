/** Reductions (sum, max over arbitrary axes) and argmax. */
import type { KernelInput, ReduceOp } from '../../../kernels.js';
import { sizeOf, stridesOf, type Shape } from '../../../shape.js';
import { coalesce, kernelFunction, offsetExpr, unravel } from '../codegen.js';
import type { GpujsRuntime, GpujsStorage } from '../runtime.js';

type In = KernelInput<GpujsStorage>;

/** Reductions longer than this, with few outputs, run in two passes over chunks of about this size. */
const CHUNK_WORK = 4096;
/** Below this many outputs a single pass would leave a GPU mostly idle. */
const FEW_OUTPUTS = 4096;

/** A group of axes as (size, stride) pairs, coalesced. */
interface Axes {
  sizes: number[];
  strides: number[];
}

function axesOf(shape: Shape, strides: readonly number[], pick: (d: number) => boolean): Axes {
  const sizes = shape.filter((_, d) => pick(d));
  const picked = strides.filter((_, d) => pick(d));
  const merged = coalesce(sizes, [picked]);
  return { sizes: merged.shape, strides: merged.strides[0] };
}

const INITIAL: Record<ReduceOp, string> = { sum: '0', max: '-wnInf()' };
const ACCUMULATE: Record<ReduceOp, (v: string) => string> = {
  sum: (v) => `acc += ${v};`,
  // NaN is sticky: once acc is NaN no comparison is true again.
  max: (v) => `if (${v} > acc || wnIsNan(${v}) > 0) { acc = ${v}; }`,
};

/**
 * One thread per kept element (times `parts` when the first reduced axis is split into chunks
 * of `chunk`), looping over the reduced axes with literal bounds.
 */
function reduceSource(op: ReduceOp, kept: Axes, reduced: Axes, split?: { chunk: number; parts: number }): string {
  const threadDims = split ? [...kept.sizes, split.parts] : kept.sizes;
  const { lines, coords } = unravel('this.thread.x', threadDims, 'o');
  const base = offsetExpr(coords.slice(0, kept.sizes.length), kept.strides);
  const body = [...lines, `const base = ${base};`, `let acc = ${INITIAL[op]};`];
  const loops = reduced.sizes.map((_, d) => `r${d}`);
  const load = `x0[${offsetExpr(loops, reduced.strides, 'base')}]`;
  let indent = '';
  reduced.sizes.forEach((n, d) => {
    if (d === 0 && split) {
      body.push(`for (let j = 0; j < ${split.chunk}; j++) {`, `  const r0 = ${coords[coords.length - 1]} * ${split.chunk} + j;`, `  if (r0 < ${n}) {`);
      indent += '    ';
    } else {
      body.push(`${indent}for (let ${loops[d]} = 0; ${loops[d]} < ${n}; ${loops[d]}++) {`);
      indent += '  ';
    }
  });
  body.push(`${indent}const v = ${load};`, `${indent}${ACCUMULATE[op]('v')}`);
  reduced.sizes.forEach((_, d) => {
    const closers = d === 0 && split ? 2 : 1;
    for (let c = 0; c < closers; c++) {
      indent = indent.slice(2);
      body.push(`${indent}}`);
    }
  });
  body.push('return acc;');
  return kernelFunction(['x0'], body);
}

export function reduce(rt: GpujsRuntime, op: ReduceOp, x: In, axes: readonly number[], out: Shape): GpujsStorage {
  const xs = stridesOf(x.shape);
  const kept = axesOf(x.shape, xs, (d) => !axes.includes(d));
  const reduced = axesOf(x.shape, xs, (d) => axes.includes(d));
  const outCount = sizeOf(out);
  const total = sizeOf(reduced.sizes);
  const first = reduced.sizes[0] ?? 1;
  const perFirst = total / first;
  if (total <= 2 * CHUNK_WORK || outCount >= FEW_OUTPUTS || first < 4 || perFirst >= CHUNK_WORK) {
    return rt.run(reduceSource(op, kept, reduced), outCount, [x]);
  }
  // Two passes: partial results per chunk of the first reduced axis, then a reduction over them.
  const chunk = Math.ceil(CHUNK_WORK / perFirst);
  const parts = Math.ceil(first / chunk);
  if (parts < 2) return rt.run(reduceSource(op, kept, reduced), outCount, [x]);
  const partials = rt.run(reduceSource(op, kept, reduced, { chunk, parts }), outCount * parts, [x]);
  try {
    const rows: Axes = { sizes: [outCount], strides: [parts] };
    const cols: Axes = { sizes: [parts], strides: [1] };
    return rt.run(reduceSource(op, rows, cols), outCount, [{ data: partials, shape: [outCount * parts] }]);
  } finally {
    rt.free(partials);
  }
}

/** Index of the first maximum along `axis`; NaN counts as the maximum, as in the reference. */
export function argmax(rt: GpujsRuntime, x: In, axis: number, out: Shape): GpujsStorage {
  const len = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outer = sizeOf(x.shape.slice(0, axis));
  const { lines, coords: [o, i] } = unravel('this.thread.x', [outer, inner], 'g');
  const source = kernelFunction(['x0'], [
    ...lines,
    `const base = ${offsetExpr([o, i], [len * inner, 1])};`,
    'let best = 0;',
    'let bestValue = x0[base];',
    `for (let k = 1; k < ${len}; k++) {`,
    `  const v = x0[base + k * ${inner}];`,
    '  if (v > bestValue || (wnIsNan(v) > 0 && wnIsNan(bestValue) == 0)) {',
    '    best = k;',
    '    bestValue = v;',
    '  }',
    '}',
    'return best;',
  ]);
  return rt.run(source, sizeOf(out), [x]);
}
