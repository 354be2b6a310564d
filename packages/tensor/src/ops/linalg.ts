import { ENGINE } from '../engine.js';
import { WnError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './shape-ops.js';
import { assertTensor } from './util.js';

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Multiply by the transpose of the first operand (its last two axes swapped), default false. */
  transposeA?: boolean;
  /** Multiply by the transpose of the second operand (its last two axes swapped), default false. */
  transposeB?: boolean;
}

/**
 * Matrix product of 2-D or batched 3-D tensors: [M, K] x [K, N], [B, M, K] x [B, K, N]; a batch of
 * 1 (or a 2-D operand) broadcasts against the other's batch.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  assertTensor('matmul', 'a', a);
  assertTensor('matmul', 'b', b);
  const ta = options.transposeA ?? false, tb = options.transposeB ?? false;
  for (const [name, t] of [['a', a], ['b', b]] as const) {
    if (t.rank !== 2 && t.rank !== 3) throw new WnError('matmul', `argument '${name}' expected rank 2 or 3, got shape [${t.shape.join(', ')}]`);
  }
  const a3 = a.rank === 2 ? [1, ...a.shape] : [...a.shape];
  const b3 = b.rank === 2 ? [1, ...b.shape] : [...b.shape];
  const [M, Ka] = ta ? [a3[2], a3[1]] : [a3[1], a3[2]];
  const [Kb, N] = tb ? [b3[2], b3[1]] : [b3[1], b3[2]];
  if (Ka !== Kb) {
    throw new WnError('matmul', `inner dimensions differ: a ${ta ? '(transposed) ' : ''}[${a.shape.join(', ')}] has K=${Ka}, b ${tb ? '(transposed) ' : ''}[${b.shape.join(', ')}] has K=${Kb}`);
  }
  if (a3[0] !== b3[0] && a3[0] !== 1 && b3[0] !== 1) {
    throw new WnError('matmul', `batch sizes differ: a [${a.shape.join(', ')}] vs b [${b.shape.join(', ')}]`);
  }
  const B = Math.max(a3[0], b3[0]);
  const out = [B, M, N];
  const attrs = { transposeA: ta, transposeB: tb };
  if (a.rank === 2 && b.rank === 2) {
    // the kernel sees batches of one; the op (and what autograd records) stays 2-D, without the
    // three reshape views a batched call needs: a tiny network's step makes many of these
    return ENGINE.runKernel('matmul', [a, b], attrs, [M, N], (be, ai, bi) =>
      be.kernels.matmul({ data: ai.data, shape: a3 }, { data: bi.data, shape: b3 }, ta, tb, out),
    );
  }
  const ar = reshape(a, a3), br = reshape(b, b3);
  const y3 = ENGINE.runKernel('matmul', [ar, br], attrs, out, (be, ai, bi) =>
    be.kernels.matmul(ai, bi, ta, tb, out),
  );
  ar.dispose();
  br.dispose();
  if (a.rank === 3 || b.rank === 3) return y3;
  const y = reshape(y3, [M, N]);
  y3.dispose();
  return y;
}
