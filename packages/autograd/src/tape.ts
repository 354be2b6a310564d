/**
 * The tape: while a gradient computation is active it records every op whose inputs depend on a
 * watched tensor, and holds those tensors so `dispose`/`tidy` inside the function cannot free
 * what the backward pass needs.
 */
import { isPiecewiseConstantProgram, onOp, type FusedProgram, type OpRecord, type Tensor } from '@wn/tensor';

export class Tape {
  readonly records: OpRecord[] = [];
  /** ids of tensors that depend on a watched tensor */
  private readonly live = new Set<number>();
  private readonly held: Tensor[] = [];

  watch(t: Tensor): void {
    this.live.add(t.id);
  }

  dependsOnWatched(t: Tensor): boolean {
    return this.live.has(t.id);
  }

  record(r: OpRecord): void {
    if (!r.inputs.some((t) => this.live.has(t.id))) return;
    // comparisons, argmax, sign and floor are piecewise constant: their outputs carry no
    // gradient, so nothing computed from them alone needs recording
    if (isPiecewiseConstant(r)) return;
    this.records.push(r);
    this.live.add(r.output.id);
    for (const t of [...r.inputs, r.output]) {
      t.hold();
      this.held.push(t);
    }
  }

  /** Lets go of every tensor held for the backward pass. */
  release(): void {
    for (const t of this.held) t.unhold();
    this.held.length = 0;
  }
}

function isPiecewiseConstant(r: OpRecord): boolean {
  if (r.op === 'argmax') return true;
  if (r.op === 'binary') return ['equal', 'less', 'greater'].includes((r.attrs as { op: string }).op);
  if (r.op === 'unary') return ['sign', 'floor'].includes((r.attrs as { op: string }).op);
  if (r.op === 'fusedElementwise') return isPiecewiseConstantProgram((r.attrs as { program: FusedProgram }).program);
  return false;
}

const stack: Tape[] = [];
/** Tapes below this stack depth are paused by an enclosing noGrad; tapes started inside record. */
let pausedBelow = 0;

onOp((r) => {
  for (let i = pausedBelow; i < stack.length; i++) stack[i].record(r);
});

export function withTape<T>(tape: Tape, fn: () => T): T {
  stack.push(tape);
  try {
    return fn();
  } finally {
    stack.splice(stack.lastIndexOf(tape), 1);
  }
}

/**
 * Runs `fn` without recording anything for the gradient computations in progress (evaluation,
 * optimizer updates). A valueAndGrad started inside `fn` still records its own computation.
 */
export function noGrad<T>(fn: () => T): T {
  const previous = pausedBelow;
  pausedBelow = stack.length;
  try {
    return fn();
  } finally {
    pausedBelow = previous;
  }
}

/** Whether ops run now are recorded for a gradient (inside `valueAndGrads` / `grad` and not inside `noGrad`). */
export const isRecording = (): boolean => stack.length > pausedBelow;

/**
 * Whether a gradient computation in progress (and not paused by `noGrad`) records ops on `t`:
 * false means anything computed from `t` alone is a constant to every active tape, so a value
 * computed from it earlier may be reused.
 */
export function isTracked(t: Tensor): boolean {
  for (let i = pausedBelow; i < stack.length; i++) if (stack[i].dependsOnWatched(t)) return true;
  return false;
}
