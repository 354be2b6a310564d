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
    // indexed loops, no closures or spread: this runs for every op inside a gradient computation
    const inputs = r.inputs;
    let tracked = false;
    for (let i = 0; i < inputs.length; i++) {
      if (this.live.has(inputs[i].id)) {
        tracked = true;
        break;
      }
    }
    if (!tracked) return;
    // comparisons, argmax, sign and floor are piecewise constant: their outputs carry no
    // gradient, so nothing computed from them alone needs recording
    if (isPiecewiseConstant(r)) return;
    this.records.push(r);
    this.live.add(r.output.id);
    for (let i = 0; i < inputs.length; i++) this.hold(inputs[i]);
    this.hold(r.output);
  }

  private hold(t: Tensor): void {
    t.hold();
    this.held.push(t);
  }

  /** Lets go of every tensor held for the backward pass. */
  release(): void {
    for (const t of this.held) t.unhold();
    this.held.length = 0;
  }
}

const PIECEWISE_CONSTANT_BINARY: ReadonlySet<string> = new Set(['equal', 'less', 'greater']);
const PIECEWISE_CONSTANT_UNARY: ReadonlySet<string> = new Set(['sign', 'floor']);

function isPiecewiseConstant(r: OpRecord): boolean {
  switch (r.op) {
    case 'argmax': return true;
    case 'binary': return PIECEWISE_CONSTANT_BINARY.has((r.attrs as { op: string }).op);
    case 'unary': return PIECEWISE_CONSTANT_UNARY.has((r.attrs as { op: string }).op);
    case 'fusedElementwise': return isPiecewiseConstantProgram((r.attrs as { program: FusedProgram }).program);
    default: return false;
  }
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
