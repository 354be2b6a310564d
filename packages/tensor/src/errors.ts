/** Every error the `@wn` packages raise: it names the op, the argument, and what was expected versus found. */
export class WnError extends Error {
  /** Always `'WnError'` (subclasses set their own). */
  override readonly name: string = 'WnError';
  constructor(
    /** The function that raised the error (the message starts with it). */
    readonly op: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${op}: ${message}`, options);
  }
}

/** What {@link FileFormatError}'s constructor takes: where the bad bytes are. */
export interface FileFormatErrorOptions {
  /** The function that read the file. */
  op: string;
  /** The file (path or label) the bytes came from; the message starts with it when given. */
  file?: string;
  /** Where in the file: a header field, a tensor name, a record ('metadata.hyper.lr'). */
  field?: string;
  /** The underlying error (a parse or I/O error), kept as the error's `cause`. */
  cause?: unknown;
}

/**
 * A file (dataset, archive, safetensors, optimizer state, …) that is corrupt, truncated, too big
 * for what its format can hold, or holds values out of range. `file` and `field` say where;
 * the message reads `<file>: <field>: <what was expected, what was found>`.
 */
export class FileFormatError extends WnError {
  /** Always `'FileFormatError'`. */
  override readonly name: string = 'FileFormatError';
  /** The file (path or label) the bytes came from, when known. */
  readonly file: string | undefined;
  /** Where in the file: a header field, a tensor name, a record. */
  readonly field: string | undefined;
  constructor(options: FileFormatErrorOptions, message: string) {
    super(options.op, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.file = options.file;
    this.field = options.field;
    this.message = `${options.file ?? options.op}: ${options.field !== undefined ? `${options.field}: ` : ''}${message}`;
  }
}

/** A value as error messages show it: strings quoted, arrays listed, plain objects as JSON. */
export function fmt(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(fmt).join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    try {
      return JSON.stringify(value);
    } catch {
      return 'an object';
    }
  }
  return String(value);
}

/** `op: argument 'arg' expected <expected>, got <actual>` */
export function argError(op: string, arg: string, expected: string, actual: unknown): WnError {
  return new WnError(op, `argument '${arg}' expected ${expected}, got ${fmt(actual)}`);
}
