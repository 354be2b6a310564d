/** Every error @wn raises: it names the op, the argument, and what was expected versus found. */
export class WnError extends Error {
  override readonly name = 'WnError';
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
  }
}

export function fmt(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(fmt).join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

/** `op: argument 'arg' expected <expected>, got <actual>` */
export function argError(op: string, arg: string, expected: string, actual: unknown): WnError {
  return new WnError(op, `argument '${arg}' expected ${expected}, got ${fmt(actual)}`);
}
