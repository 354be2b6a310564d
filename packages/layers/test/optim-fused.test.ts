/**
 * The optimizers run their update math as fused elementwise programs; on a backend without the
 * fused kernel the same programs run as primitive ops. Both must give the same parameters bit
 * for bit (each fused instruction rounds like the separate op it replaces).
 */
import { createReferenceBackend, randn, registerBackend, withBackend, type Tensor } from '@wn/tensor';
import { describe, expect, it } from 'vitest';
import { Param } from '../src/module.js';
import { Adam, Adamax, RMSprop, SGD } from '../src/optim/optimizer.js';

registerBackend('reference-unfused', () => {
  const backend = createReferenceBackend();
  const { fusedElementwise: _omitted, ...kernels } = backend.kernels;
  return { ...backend, name: 'reference-unfused', kernels };
});

type Make = (ps: Param[]) => { step(grads: readonly Tensor[]): void; dispose(): void };
const OPTIMIZERS: [string, Make][] = [
  ['SGD', (ps) => new SGD(ps, { lr: 0.1 })],
  ['SGD momentum, dampening, weight decay', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 })],
  ['SGD Nesterov', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ['Adam', (ps) => new Adam(ps, { lr: 0.01 })],
  ['Adam weight decay, β1 0.5', (ps) => new Adam(ps, { lr: 0.01, beta1: 0.5, weightDecay: 0.1 })],
  ['Adamax weight decay', (ps) => new Adamax(ps, { weightDecay: 0.1 })],
  ['RMSprop', (ps) => new RMSprop(ps)],
  ['RMSprop centered, momentum, weight decay', (ps) => new RMSprop(ps, { centered: true, momentum: 0.9, weightDecay: 0.01 })],
];

function train(backend: string, make: Make): number[] {
  return withBackend(backend, () => {
    const p = new Param(randn([6, 5], { seed: 1 }));
    const opt = make([p]);
    for (let s = 0; s < 4; s++) {
      const g = randn([6, 5], { seed: 10 + s });
      opt.step([g]);
      g.dispose();
    }
    const values = Array.from(p.value.dataSync());
    opt.dispose();
    p.value.dispose();
    return values;
  });
}

describe('fused optimizer updates equal the composed ops', () => {
  for (const [label, make] of OPTIMIZERS) {
    it(label, () => {
      const fused = train('reference', make), composed = train('reference-unfused', make);
      expect(fused.every((v, i) => Object.is(v, composed[i]))).toBe(true);
    });
  }
});
