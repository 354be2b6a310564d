/**
 * A run's progress on a terminal: one line with a bar, units done (examples, frames…), rate, ETA
 * and a short status (epoch, loss), redrawn with `\r` on a TTY. Elsewhere (logs, CI, pipes, or
 * `quiet`) it draws no bar: the caller's `log` lines (one per epoch) stay, and a frame-based run
 * can ask for a plain line every `logEvery` units.
 *
 * The ETA reads "estimating" until a few updates have been timed after the first one: the first
 * steps pay for compilation and warm-up, so a rate taken from them would be several times off.
 * No `process` here (this module runs in a browser): pass the stream.
 */

export interface ProgressSink {
  /** Writes text (no newline is added). */
  write(text: string): unknown;
  /** Whether the sink is a terminal (a bar is drawn only then). */
  isTTY?: boolean;
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** total units the bar counts up to */
  total: number;
  /** text before the bar, e.g. the variant being trained */
  label: string;
  /** Where the line goes. */
  stream: ProgressSink;
  /** what a unit is called in the line: 'ex' (examples, default), 'frames', 'steps' */
  unit?: string;
  /** override TTY detection (tests) */
  tty?: boolean;
  /** no bar even on a TTY: only `log` lines (and `logEvery` lines) */
  quiet?: boolean;
  /** without a bar: also print a plain status line every this many units (frame-based runs); 0: never */
  logEvery?: number;
  /** time between redraws on a TTY (ms) */
  intervalMs?: number;
  /** units already done (a resumed run); they do not count towards the rate */
  start?: number;
  /** updates (the first included) before an ETA is shown; the rate is measured from the first (default 3) */
  warmupUpdates?: number;
  /** The clock, in milliseconds (default `performance.now`; tests pass a fake). */
  now?: () => number;
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? h + ':' : ''}${mm}:${String(r).padStart(2, '0')}`;
}

/** 1234.5 → "1235", 12.34 → "12.3", 0.5 → "0.50": a rate with about three significant digits. */
export function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return '?';
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

/**
 * A terminal progress line: bar, units done, rate, ETA and status, redrawn in place on a TTY; plain lines
 * elsewhere.
 */
export class Progress {
  /** Whether a bar is drawn (a TTY and not quiet). */
  readonly bar: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly warmup: number;
  private readonly unit: string;
  private lastDraw = -Infinity;
  private lastLength = 0;
  private done: number;
  private nextLogAt: number;
  /** the first update's time and count: the rate is measured from there */
  private anchor: { t: number; done: number } | null = null;
  private updates = 0;

  constructor(private readonly options: ProgressOptions) {
    const tty = options.tty ?? !!options.stream.isTTY;
    this.bar = tty && !options.quiet;
    this.intervalMs = options.intervalMs ?? 100;
    this.now = options.now ?? (() => performance.now());
    this.warmup = options.warmupUpdates ?? 3;
    this.unit = options.unit ?? 'ex';
    this.done = options.start ?? 0;
    this.nextLogAt = options.logEvery ? (Math.floor(this.done / options.logEvery) + 1) * options.logEvery : Infinity;
  }

  /** units per second since the first update, or NaN while estimating */
  get rate(): number {
    if (!this.anchor || this.updates <= this.warmup) return NaN;
    const dt = (this.now() - this.anchor.t) / 1000;
    return dt > 0 ? (this.done - this.anchor.done) / dt : NaN;
  }

  /** seconds left, or NaN while estimating */
  get eta(): number {
    const rate = this.rate;
    return rate > 0 ? (this.options.total - this.done) / rate : NaN;
  }

  /** The ETA for a line: "1:15", or "estimating" until a few updates are timed. */
  get etaText(): string {
    return Number.isNaN(this.rate) ? 'estimating' : formatDuration(this.eta);
  }

  /** Reports `done` units so far, with a short status (epoch, loss). */
  update(done: number, status = ''): void {
    this.done = done;
    this.updates++;
    const t = this.now();
    if (!this.anchor) this.anchor = { t, done };
    if (this.bar) {
      if (t - this.lastDraw < this.intervalMs && done < this.options.total) return;
      this.lastDraw = t;
      this.draw(this.render(status));
    } else if (done >= this.nextLogAt) {
      const every = this.options.logEvery!;
      this.nextLogAt = (Math.floor(done / every) + 1) * every;
      this.options.stream.write(this.render(status, false) + '\n');
    }
  }

  /** Prints a line that stays (e.g. an epoch summary) without breaking the bar. */
  log(line: string): void {
    if (this.bar && this.lastLength > 0) this.options.stream.write('\r' + ' '.repeat(this.lastLength) + '\r');
    this.lastLength = 0;
    this.options.stream.write(line + '\n');
    this.lastDraw = -Infinity;
  }

  /** Ends the bar line. */
  finish(): void {
    if (this.bar && this.lastLength > 0) this.options.stream.write('\n');
    this.lastLength = 0;
  }

  /** The progress line for the current state. */
  render(status: string, withBar = true): string {
    const { total, label } = this.options;
    const frac = total > 0 ? Math.min(1, this.done / total) : 1;
    const rate = this.rate;
    const eta = this.etaText;
    const width = 20;
    const filled = Math.round(frac * width);
    const bar = withBar ? ' ' + '█'.repeat(filled) + '░'.repeat(width - filled) : '';
    const pct = `${(frac * 100).toFixed(0).padStart(3)}%`;
    const rateText = Number.isNaN(rate) ? '…' : formatRate(rate);
    return `${label}${bar} ${pct} ${this.done}/${total} ${this.unit} | ${rateText} ${this.unit}/s | ETA ${eta}${status ? ' | ' + status : ''}`;
  }

  private draw(line: string): void {
    const pad = Math.max(0, this.lastLength - line.length);
    this.options.stream.write('\r' + line + ' '.repeat(pad));
    this.lastLength = line.length;
  }
}
