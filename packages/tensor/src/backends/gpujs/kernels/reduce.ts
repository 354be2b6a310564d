/** Reductions (sum, max over arbitrary axes) and argmax. */
import type { KernelInput, ReduceOp } from '../../../kernels.js';
import { sizeOf, stridesOf, type Shape } from '../../../shape.js';
import { closeBlocks, coalesce, kernelFunction, offsetExpr, unravel } from '../codegen.js';
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
 * One thread per kept element (times `split.parts` when the first reduced axis is split into
 * chunks of `split.chunk`), looping over the reduced axes with literal bounds.
 */
function reduceSource(op: ReduceOp, kept: Axes, reduced: Axes, split?: Split): string {
  const threadDims = split ? [...kept.sizes, split.parts] : kept.sizes;
  const { lines, coords } = unravel('this.thread.x', threadDims, 'o');
  const loops = reduced.sizes.map((_, d) => `r${d}`);
  const body = [...lines, `const base = ${offsetExpr(coords.slice(0, kept.sizes.length), kept.strides)};`, `let acc = ${INITIAL[op]};`];
  let opened = 0;
  reduced.sizes.forEach((n, d) => {
    if (d === 0 && split) {
      // this thread's chunk of the first reduced axis
      const part = coords[coords.length - 1];
      body.push(`for (let j = 0; j < ${split.chunk}; j++) {`, `const r0 = ${part} * ${split.chunk} + j;`, `if (r0 < ${n}) {`);
      opened += 2;
    } else {
      body.push(`for (let ${loops[d]} = 0; ${loops[d]} < ${n}; ${loops[d]}++) {`);
      opened += 1;
    }
  });
  body.push(`const v = x0[${offsetExpr(loops, reduced.strides, 'base')}];`, ACCUMULATE[op]('v'), ...closeBlocks(opened), 'return acc;');
  return kernelFunction(['x0'], body);
}

interface Split {
  chunk: number;
  parts: number;
}

/** How to cut the first reduced axis for a two-pass reduction, when one pass would be long and narrow. */
function twoPassSplit(outCount: number, reduced: Axes): Split | undefined {
  const total = sizeOf(reduced.sizes);
  if (total <= 2 * CHUNK_WORK || outCount >= FEW_OUTPUTS) return undefined;
  const first = reduced.sizes[0];
  const chunk = Math.ceil(CHUNK_WORK / (total / first));
  const parts = Math.ceil(first / chunk);
  return parts >= 2 ? { chunk, parts } : undefined;
}

export function reduce(rt: GpujsRuntime, op: ReduceOp, x: In, axes: readonly number[], out: Shape): GpujsStorage {
  const xs = stridesOf(x.shape);
  const kept = axesOf(x.shape, xs, (d) => !axes.includes(d));
  const reduced = axesOf(x.shape, xs, (d) => axes.includes(d));
  const outCount = sizeOf(out);
  const split = twoPassSplit(outCount, reduced);
  if (!split) return rt.run(reduceSource(op, kept, reduced), outCount, [x]);
  // Pass one: a partial result per chunk; pass two: reduce each output's partials.
  const partials = rt.run(reduceSource(op, kept, reduced, split), outCount * split.parts, [x]);
  try {
    const rows: Axes = { sizes: [outCount], strides: [split.parts] };
    const cols: Axes = { sizes: [split.parts], strides: [1] };
    return rt.run(reduceSource(op, rows, cols), outCount, [{ data: partials, shape: [outCount * split.parts] }]);
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
