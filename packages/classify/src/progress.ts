/**
 * A progress line on stderr: examples done, examples/s and ETA. On a TTY it redraws one line with
 * `\r`; otherwise (logs, CI, pipes) it prints a plain line every `intervalMs` so logs stay readable.
 */

export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** total examples the bar counts up to */
  total: number;
  /** text before the bar, e.g. the parameterization */
  label: string;
  stream?: ProgressSink;
  /** override TTY detection (tests) */
  tty?: boolean;
  /** time between redraws on a TTY / lines otherwise (ms) */
  intervalMs?: number;
  /** examples already done (a resumed run); they do not count towards the rate */
  start?: number;
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

export class Progress {
  private readonly stream: ProgressSink;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly t0: number;
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastLength = 0;
  private done: number;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? !!this.stream.isTTY;
    this.intervalMs = options.intervalMs ?? (this.tty ? 100 : 10_000);
    this.now = options.now ?? (() => performance.now());
    this.t0 = this.now();
    this.start = options.start ?? 0;
    this.done = this.start;
  }

  /** examples per second since this bar started */
  get rate(): number {
    const dt = (this.now() - this.t0) / 1000;
    return dt > 0 ? (this.done - this.start) / dt : 0;
  }

  /** Reports `done` examples so far, with a short status (epoch, loss). Redraws at most every `intervalMs`. */
  update(done: number, status = ''): void {
    this.done = done;
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs && done < this.options.total) return;
    this.lastDraw = t;
    this.draw(this.render(status));
  }

  /** Prints a line that stays (e.g. an epoch summary) without breaking the bar. */
  log(line: string): void {
    if (this.tty && this.lastLength > 0) this.stream.write('\r' + ' '.repeat(this.lastLength) + '\r');
    this.lastLength = 0;
    this.stream.write(line + '\n');
    this.lastDraw = -Infinity;
  }

  /** Ends the bar line. */
  finish(): void {
    if (this.tty && this.lastLength > 0) this.stream.write('\n');
    this.lastLength = 0;
  }

  render(status: string): string {
    const { total, label } = this.options;
    const frac = total > 0 ? Math.min(1, this.done / total) : 1;
    const rate = this.rate;
    const eta = rate > 0 ? (total - this.done) / rate : NaN;
    const width = 20;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const pct = `${(frac * 100).toFixed(0).padStart(3)}%`;
    return `${label} ${bar} ${pct} ${this.done}/${total} ex | ${rate.toFixed(0)} ex/s | ETA ${formatDuration(eta)}${status ? ' | ' + status : ''}`;
  }

  private draw(line: string): void {
    if (this.tty) {
      const pad = Math.max(0, this.lastLength - line.length);
      this.stream.write('\r' + line + ' '.repeat(pad));
      this.lastLength = line.length;
    } else {
      this.stream.write(line + '\n');
    }
  }
}
