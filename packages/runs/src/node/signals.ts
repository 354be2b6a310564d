/**
 * Ctrl-C and `kill`: the first SIGINT or SIGTERM aborts an `AbortSignal`, so the training loop
 * saves a checkpoint after the current step and returns; a second one (after a grace period, see
 * below) exits at once. `exitCode` is the conventional 128 + signal number (130, 143).
 */

export interface InterruptHandle {
  /** Aborted at the first signal. */
  readonly signal: AbortSignal;
  /** the signal that arrived first, or null */
  readonly received: NodeJS.Signals | null;
  /** 130 after SIGINT, 143 after SIGTERM, 0 when none arrived */
  readonly exitCode: number;
  /** removes the handlers */
  dispose(): void;
}

const CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Options of {@link interruptOnSignals}. */
export interface InterruptOptions {
  /** where the notice goes (default stderr) */
  stream?: {
    /** Writes the notice's text. */
    write(text: string): unknown;
  };
  /** The signals to catch (default SIGINT and SIGTERM). */
  signals?: NodeJS.Signals[];
  /**
   * A second signal within this many ms of the first counts as the same one: a terminal's Ctrl-C
   * reaches both a wrapper (such as pnpm or the bin script) and this process, and the wrapper
   * forwards it, so one press can arrive twice.
   */
  graceMs?: number;
}

/**
 * Catches SIGINT/SIGTERM (by default): the first aborts the handle's `signal`, a second one after the grace period
 * exits the process. Call `dispose()` on the handle to remove the listeners.
 */
export function interruptOnSignals(options: InterruptOptions = {}): InterruptHandle {
  const controller = new AbortController();
  const stream = options.stream ?? process.stderr;
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const grace = options.graceMs ?? 1000;
  let received: NodeJS.Signals | null = null;
  let firstAt = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (received) {
      if (performance.now() - firstAt < grace) return;
      stream.write(`\n${sig} again: exiting without saving.\n`);
      process.exit(CODES[received] ?? 1);
    }
    received = sig;
    firstAt = performance.now();
    stream.write(`\n${sig}: saving a checkpoint after the current step (send it again to quit at once)…\n`);
    controller.abort();
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    get exitCode() {
      return received ? (CODES[received] ?? 1) : 0;
    },
    dispose() {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}

/** Lets pending events (a signal) run between synchronous training steps. */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
