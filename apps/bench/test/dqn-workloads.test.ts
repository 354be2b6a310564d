import * as T from '@wn/tensor';
import { describe, expect, it } from 'vitest';
import { DQN_IDS, W5_NET, workload, type DqnSpec } from '../src/workloads/spec.js';
import { dqnForward, tdTargetsOf, wnTrainer } from '../src/workloads/wn.js';

const tensors = (id: Parameters<typeof workload>[0]) => workload(id).params.map(([, a]) => T.tensor(a.data, a.shape));

describe('DQN workloads W5, W5a, W6 (issue "Fast on an ordinary CPU, round two")', () => {
  it('W5 has the issue\'s batch: 32 states of 4×10×10 in {0, 1}, actions in 0..5, rewards and done flags in {0, 1}', () => {
    const w = workload('W5'), d = w.dqn!;
    expect(w.x.shape).toEqual([32, 4, 10, 10]);
    expect(d.next.shape).toEqual([32, 4, 10, 10]);
    for (const a of [w.x.data, d.next.data, d.rewards.data, d.done.data]) expect(a.every((v) => v === 0 || v === 1)).toBe(true);
    // cells are 1 with probability 0.1: 12,800 cells, so the share is 0.1 ± 0.01 by a wide margin
    const share = w.x.data.reduce((s, v) => s + v, 0) / w.x.data.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
    expect(d.actions.data.every((a) => Number.isInteger(a) && a >= 0 && a < W5_NET.actions)).toBe(true);
    expect(w.params.map(([n, a]) => `${n} [${a.shape.join(',')}]`)).toEqual(['conv.w [16,4,3,3]', 'conv.b [16]', 'fc.w [128,1024]', 'fc.b [128]', 'q.w [6,128]', 'q.b [6]']);
  });

  it('weight norm: g = ‖v‖ per output unit, so W5-WN and W6-WN compute the standard networks\' Q-values at step 1', () => {
    for (const [base, wn] of [['W5', 'W5-WN'], ['W6', 'W6-WN']] as const) {
      const w = workload(wn);
      const [g, v] = [w.params[0][1], w.params[1][1]];
      const per = v.data.length / v.shape[0];
      const norm0 = Math.hypot(...v.data.subarray(0, per));
      expect(g.data[0]).toBeCloseTo(norm0, 5);
      expect(g.shape).toEqual([v.shape[0], ...v.shape.slice(1).map(() => 1)]);
      T.tidy(() => {
        const x = T.tensor(workload(base).x.data, workload(base).x.shape);
        const q0 = dqnForward(workload(base).dqn!, tensors(base), x).dataSync();
        const q1 = dqnForward(w.dqn!, tensors(wn), x).dataSync();
        expect(q1.length).toBe(workload(base).batch * w.dqn!.actionCount);
        q0.forEach((q, i) => expect(q1[i]).toBeCloseTo(q, 5));
      });
    }
  });

  it('TD targets: y = r + γ·(1 − d)·max_a Q_target(s′, a)', () => {
    const w = workload('W6'), d: DqnSpec = w.dqn!;
    T.tidy(() => {
      const p = tensors('W6');
      const next = T.tensor(d.next.data, d.next.shape);
      const q = dqnForward(d, p, next).dataSync();
      const y = tdTargetsOf(d, p, next, T.tensor(d.rewards.data), T.tensor(d.done.data.map((v) => 1 - v))).dataSync();
      const k = d.actionCount;
      for (let i = 0; i < w.batch; i++) {
        const best = Math.max(...q.subarray(i * k, i * k + k));
        expect(y[i]).toBeCloseTo(d.rewards.data[i] + d.gamma * (1 - d.done.data[i]) * best, 5);
      }
      expect(d.done.data.some((v) => v === 1)).toBe(true); // the (1 − d) factor is exercised
    });
  });

  it('an update lowers the TD loss, and W5a reports an action in range with only the action timed', () => {
    const tr = wnTrainer(workload('W6'), T.getBackend());
    const losses = [tr.step(), tr.step(), tr.step()];
    tr.dispose();
    expect(losses[2]).toBeLessThan(losses[0]);
    const a = wnTrainer(workload('W5a-WN'), T.getBackend());
    const action = a.step();
    expect(Number.isInteger(action) && action >= 0 && action < W5_NET.actions).toBe(true);
    expect(a.lastTimedMs).toBeGreaterThan(0);
    a.dispose();
    expect([...DQN_IDS].every((id) => workload(id).dqn !== undefined)).toBe(true);
  });

  it('actions reuse weight norm\'s weights until an update, and match a fresh forward pass', () => {
    const greedy = (id: 'W5a-eval-WN' | 'W5a-WN') => T.tidy(() => {
      const w = workload(id), d = w.dqn!;
      const q = dqnForward(d, tensors(id), T.tensor(d.observation.data, d.observation.shape)).dataSync();
      return q.indexOf(Math.max(...q));
    });
    const base = T.memory().tensors;
    const ev = wnTrainer(workload('W5a-eval-WN'), T.getBackend());
    const live = T.memory().tensors;
    const actions = [ev.step(), ev.step(), ev.step()];
    // the first action made the three normalized weights; later actions keep nothing more
    expect(T.memory().tensors).toBe(live + 3);
    expect(actions).toEqual([greedy('W5a-eval-WN'), greedy('W5a-eval-WN'), greedy('W5a-eval-WN')]);
    ev.dispose();
    expect(T.memory().tensors).toBe(base);
  });
});
