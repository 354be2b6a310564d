/**
 * Per-op profile of a training step on one @wn backend: every kernel of the backend is wrapped
 * with a timer (kernel time, keyed by primitive and sub-op: `binary:mul`, `conv2dBackpropFilter`),
 * and `onOp` counts dispatches. Whatever the step spends outside kernels (autograd's tape and
 * rules, dispatch, scalar uploads, bookkeeping) is reported as one line of its own. Fused
 * elementwise programs are keyed by their length (`fusedElementwise:8 instructions`), so ELU's
 * forward and gradient programs, an optimizer's update and gradient sums show apart. The clock is
 * wall time, or `'cpu'`: this process's user + system time, which other processes on a loaded
 * machine disturb less (at 1 thread; with worker threads it counts theirs too).
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
export function profileSteps(trainer: Trainer, backend: string, steps = 3, warmup = 2, clock: 'wall' | 'cpu' = 'wall'): Profile {
  const now = clock === 'cpu' ? cpuMs : () => performance.now();
  for (let i = 0; i < warmup; i++) trainer.step();
  const kernels = T.ENGINE.findBackend(backend).kernels as unknown as Record<string, AnyFn>;
  const originals = { ...kernels };
  const acc = new Map<string, { calls: number; ms: number }>();
  for (const [name, fn] of Object.entries(originals)) {
    kernels[name] = (...args: unknown[]) => {
      // unary/binary/reduce kernels take their sub-op name first
      const key = typeof args[0] === 'string' ? `${name}:${args[0]}` : name === 'fusedElementwise' ? `${name}:${programLength(args[0])} instructions` : name;
      const t = now();
      const out = fn(...args);
      const ms = now() - t;
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
      const t = now();
      trainer.step();
      stepMs += now() - t;
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

/** This process's CPU time (user + system) in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The instruction count of a fused program (the kernel's first argument). */
function programLength(program: unknown): number {
  return (program as { body: readonly unknown[] }).body.length;
}
