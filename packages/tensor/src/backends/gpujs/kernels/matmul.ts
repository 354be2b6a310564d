/** Batched matrix multiply on rank-3 operands. */
import type { KernelInput } from '../../../kernels.js';
import { sizeOf, type Shape } from '../../../shape.js';
import { kernelFunction, offsetExpr, unravel } from '../codegen.js';
import type { GpujsRuntime, GpujsStorage } from '../runtime.js';

type In = KernelInput<GpujsStorage>;

/**
 * out[b, m, n] = sum_k A[b, m, k] * B[b, k, n], where A is `a` ([B|1, M, K]) or, with
 * transposeA, `a` stored as [B|1, K, M]; likewise B is `b` ([B|1, K, N]) or stored [B|1, N, K].
 */
export function matmul(rt: GpujsRuntime, a: In, b: In, transposeA: boolean, transposeB: boolean, out: Shape): GpujsStorage {
  const [batch, m, n] = out;
  const k = transposeA ? a.shape[1] : a.shape[2];
  // element strides of the logical A[m, k] and B[k, n]
  const [aM, aK] = transposeA ? [1, m] : [k, 1];
  const [bK, bN] = transposeB ? [1, k] : [n, 1];
  const aBatch = a.shape[0] === 1 ? 0 : m * k;
  const bBatch = b.shape[0] === 1 ? 0 : k * n;
  const { lines, coords: [bi, mi, ni] } = unravel('this.thread.x', [batch, m, n], 'o');
  const source = kernelFunction(['x0', 'x1'], [
    ...lines,
    `const aBase = ${offsetExpr([bi, mi], [aBatch, aM])};`,
    `const bBase = ${offsetExpr([bi, ni], [bBatch, bN])};`,
    'let acc = 0;',
    `for (let t = 0; t < ${k}; t++) {`,
    `  acc += x0[${offsetExpr(['t'], [aK], 'aBase')}] * x1[${offsetExpr(['t'], [bK], 'bBase')}];`,
    '}',
    'return acc;',
  ]);
  return rt.run(source, sizeOf(out), [a, b]);
}
