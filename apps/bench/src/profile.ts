/**
 * Per-op profile of a training step on one @wn backend: every kernel of the backend is wrapped
 * with a timer (kernel time, keyed by primitive and sub-op: `binary:mul`, `conv2dBackpropFilter`),
 * and `onOp` counts dispatches. Whatever the step spends outside kernels (autograd's tape and
 * rules, dispatch, scalar uploads, bookkeeping) is reported as one line of its own.
 */
import * as T from '@wn/tensor';
import type { Trainer } from './workloads/wn.js';

export interface ProfileRow {
  op: string;
  calls: number;
  ms: number;
  /** share of the step's wall time */
  pct: number;
}

export interface Profile {
  backend: string;
  stepMs: number;
  kernelMs: number;
  dispatches: number;
  rows: ProfileRow[];
}

type AnyFn = (...args: unknown[]) => unknown;

/**
 * Profiles `steps` steps of `trainer` (after `warmup` unprofiled ones) on `backend`; times are
 * per step (averaged).
 */
export function profileSteps(trainer: Trainer, backend: string, steps = 3, warmup = 2): Profile {
  for (let i = 0; i < warmup; i++) trainer.step();
  const kernels = T.ENGINE.findBackend(backend).kernels as unknown as Record<string, AnyFn>;
  const originals = { ...kernels };
  const acc = new Map<string, { calls: number; ms: number }>();
  for (const [name, fn] of Object.entries(originals)) {
    kernels[name] = (...args: unknown[]) => {
      // unary/binary/reduce kernels take their sub-op name first
      const key = typeof args[0] === 'string' ? `${name}:${args[0]}` : name;
      const t = performance.now();
      const out = fn(...args);
      const ms = performance.now() - t;
      const a = acc.get(key) ?? { calls: 0, ms: 0 };
      a.calls++;
      a.ms += ms;
      acc.set(key, a);
      return out;
    };
  }
  let dispatches = 0;
  const off = T.onOp(() => dispatches++);
  let stepMs = 0;
  try {
    for (let i = 0; i < steps; i++) {
      const t = performance.now();
      trainer.step();
      stepMs += performance.now() - t;
    }
  } finally {
    off();
    Object.assign(kernels, originals);
  }
  stepMs /= steps;
  const rows: ProfileRow[] = [...acc.entries()].map(([op, a]) => ({ op, calls: a.calls / steps, ms: a.ms / steps, pct: (100 * a.ms) / steps / stepMs }));
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  rows.push({ op: '(outside kernels: autograd, dispatch, JS)', calls: dispatches / steps, ms: stepMs - kernelMs, pct: (100 * (stepMs - kernelMs)) / stepMs });
  rows.sort((a, b) => b.ms - a.ms);
  return { backend, stepMs, kernelMs, dispatches: dispatches / steps, rows };
}
