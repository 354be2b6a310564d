/**
 * The errors of @wn/runs. All are `WnError`s (from @wn/tensor), so a caller catches the library's
 * errors by one type; the subclasses carry what went wrong as fields for programs.
 */
import { FileFormatError, WnError } from '@wn/tensor';

/**
 * A file this package reads (checkpoint, metrics, config) is empty, truncated, corrupt or from
 * something else. A `FileFormatError`, so one `catch` covers every reader of the stack.
 */
export class CorruptFileError extends FileFormatError {
  /** Always `'CorruptFileError'`. */
  override readonly name: string = 'CorruptFileError';
  /** the file (or a label such as 'checkpoint bytes' when there is no file) */
  declare readonly file: string;
  /** the field inside it, as a dotted path ('' for the file as a whole) */
  declare readonly field: string;
  constructor(file: string, field: string, problem: string) {
    super({ op: file, file }, field ? `field '${field}': ${problem}` : problem);
    (this as { field: string }).field = field;
  }
}

/** A command-line option got a value outside what it accepts. */
export class OptionError extends WnError {
  constructor(
    /** the option as typed, e.g. '--lr' (or the command for a usage problem) */
    readonly option: string,
    message: string,
  ) {
    super(option, message);
  }
}

/** Refused to start, resume or overwrite a run folder (the results it holds are kept). */
export class RunFolderError extends WnError {
  constructor(
    /** The run folder refused. */
    readonly dir: string,
    message: string,
  ) {
    super(dir, message);
  }
}

/** The loss became NaN or ±Infinity; the run stops before the update and keeps its last good checkpoint. */
export class NonFiniteLossError extends WnError {
  constructor(
    /** where the run stood: e.g. { epoch: 3, step: 17 } or { frame: 52000 } */
    readonly at: Readonly<Record<string, number>>,
    /** The non-finite value. */
    readonly value: number,
    what = 'loss',
  ) {
    super('training', `the ${what} became ${value} at ${Object.entries(at).map(([k, v]) => `${k} ${v}`).join(', ')}; stopped before applying that update (the last checkpoint is kept: lower the learning rate, or check the data, and start again or --resume)`);
  }
}

/** Throws `NonFiniteLossError` unless `value` is finite. */
export function assertFiniteLoss(value: number, at: Readonly<Record<string, number>>, what = 'loss'): void {
  if (!Number.isFinite(value)) throw new NonFiniteLossError(at, value, what);
}
