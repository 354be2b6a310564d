/**
 * The tape: while a gradient computation is active it records every op whose inputs depend on a
 * watched tensor, and holds those tensors so `dispose`/`tidy` inside the function cannot free
 * what the backward pass needs.
 */
import { onOp, type OpRecord, type Tensor } from '@wn/tensor';

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

const stack: Tape[] = [];
let paused = 0;

onOp((r) => {
  if (paused > 0) return;
  for (const tape of stack) tape.record(r);
});

export function withTape<T>(tape: Tape, fn: () => T): T {
  stack.push(tape);
  try {
    return fn();
  } finally {
    stack.splice(stack.lastIndexOf(tape), 1);
  }
}

/** Runs `fn` without recording anything for gradients (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

export const isRecording = (): boolean => paused === 0 && stack.length > 0;
