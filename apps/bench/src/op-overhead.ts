/**
 * The fixed cost of one op on a @wn backend, in µs: what a tiny network (W5, W6) pays per op on
 * top of its arithmetic. Each figure is the median over rounds of a loop of one-element ops:
 *
 * - `bare`: `mul(a, b)` and its dispose, no gradient recording (dispatch, kernel call, allocation);
 * - `recorded`: a chain of multiplies inside `valueAndGrads`, per op, forward and backward
 *   (the tape's record and hold, the gradient rule's op, accumulation) — what a training step pays;
 * - `fusedScalars`: a fused program with a tensor and two number inputs, as the optimizers call it
 *   (the numbers become 0-d tensors each call).
 */
import * as T from '@wn/tensor';
import { valueAndGrads } from '@wn/autograd';

/** µs per op of each kind (see the module comment). */
export interface OpOverhead {
  bareUs: number;
  recordedUs: number;
  fusedScalarsUs: number;
}

const EMA = T.fuse(3, ([prev, beta, oneMinusBeta], k) => k.add(k.mul(prev, beta), k.mul(prev, oneMinusBeta)));

/** Median µs per op over `rounds` rounds of `ops` ops (after one warm-up round). */
function perOp(rounds: number, ops: number, run: () => void): number {
  const times: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const t = performance.now();
    run();
    if (r > 0) times.push(((performance.now() - t) * 1000) / ops);
  }
  times.sort((x, y) => x - y);
  return times[times.length >> 1];
}

/** Measures the three figures on `backend` (default 15 rounds of 2000 ops each). */
export function measureOpOverhead(backend: string, rounds = 15, ops = 2000): OpOverhead {
  return T.withBackend(backend, () => {
    const a = T.tensor([1.5], [1]), b = T.tensor([0.999], [1]);
    try {
      const bareUs = perOp(rounds, ops, () => {
        for (let i = 0; i < ops; i++) T.mul(a, b).dispose();
      });
      const chain = 100;
      const recordedUs = perOp(rounds, ops, () => {
        for (let i = 0; i < ops / chain; i++) {
          const { value, grads } = valueAndGrads(() => {
            let h = a;
            for (let k = 0; k < chain; k++) h = T.mul(h, b);
            return T.sum(h);
          }, [a]);
          T.dispose([value, grads]);
        }
      });
      const fusedScalarsUs = perOp(rounds, ops, () => {
        for (let i = 0; i < ops; i++) T.fusedElementwise(EMA, [a, 0.9, 0.1]).dispose();
      });
      return { bareUs, recordedUs, fusedScalarsUs };
    } finally {
      T.dispose([a, b]);
    }
  });
}
