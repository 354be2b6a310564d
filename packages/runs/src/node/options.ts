/**
 * Command-line options declared once: each entry of an option table yields the parsed value's
 * TypeScript type, its `--help` line and its validation (numbers and ranges, integers, enums,
 * lists, fractions such as `1/8`). Values may follow with a space or `=`, and a value that starts
 * with `-` (`--lr -1`, `--epochs -2`) is read as the value, so it gets the option's own range
 * message rather than being taken for an option.
 */
import { OptionError } from '../errors.js';

/** One command-line option: its kind, help text and parser. Build one with the `opt` helpers. */
export interface OptionSpec<T> {
  /** What the option takes: a number, a text, one of a list, a comma-separated list, or nothing (a flag). */
  readonly kind: 'number' | 'string' | 'enum' | 'list' | 'flag';
  /** The option's line in `--help`. */
  readonly help: string;
  /** shown after the option in --help, e.g. 'N', 'X', 'PATH' (flags have none) */
  readonly valueName?: string;
  /** --help section */
  readonly group?: string;
  /** flags: also accept --no-<name> (false) */
  readonly negatable?: boolean;
  /** a one-letter alias, e.g. 'h' */
  readonly short?: string;
  /** the subcommands that accept it (default: all) */
  readonly commands?: readonly string[];
  /** what the value must be, for messages: "a number > 0" */
  readonly expected: string;
  /** Parses the raw text; throws an `OptionError` naming `option` and the expected value. */
  parse(raw: string, option: string): T;
}

/** A program's options, by name (`--name`). */
export type OptionTable = Readonly<Record<string, OptionSpec<unknown>>>;

/** The parsed values: each option's type, undefined when not given. */
export type OptionValues<O extends OptionTable> = { -readonly [K in keyof O]?: O[K] extends OptionSpec<infer T> ? T : never };

interface Common {
  help: string;
  valueName?: string;
  group?: string;
  commands?: readonly string[];
}

/** The constraints of a numeric option. */
export interface NumberConstraints {
  /** Require an integer. */
  integer?: boolean;
  /** inclusive bounds */
  min?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** exclusive bounds */
  above?: number;
  /** Exclusive upper bound. */
  below?: number;
}

/** "a number > 0", "an integer ≥ 1", "a number in [0, 1)". */
function describeNumber(c: NumberConstraints): string {
  const what = c.integer ? 'an integer' : 'a number';
  const lo = c.above !== undefined ? { v: c.above, open: true } : c.min !== undefined ? { v: c.min, open: false } : null;
  const hi = c.below !== undefined ? { v: c.below, open: true } : c.max !== undefined ? { v: c.max, open: false } : null;
  if (lo && hi) return `${what} in ${lo.open ? '(' : '['}${lo.v}, ${hi.v}${hi.open ? ')' : ']'}`;
  if (lo) return `${what} ${lo.open ? '>' : '≥'} ${lo.v}`;
  if (hi) return `${what} ${hi.open ? '<' : '≤'} ${hi.v}`;
  return what;
}

/** A decimal number, optionally as a fraction `a/b` (e.g. `1/8`); NaN otherwise. */
export function parseNumberText(raw: string): number {
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(?:\/\s*((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))?\s*$/i.exec(raw);
  if (!m) return NaN;
  const x = Number(m[1]) / (m[2] !== undefined ? Number(m[2]) : 1);
  return Number.isFinite(x) ? x : NaN;
}

function numberSpec(c: NumberConstraints & Common): OptionSpec<number> {
  const expected = describeNumber(c);
  return {
    kind: 'number',
    help: c.help,
    valueName: c.valueName ?? (c.integer ? 'N' : 'X'),
    group: c.group,
    commands: c.commands,
    expected,
    parse(raw, option) {
      const x = parseNumberText(raw);
      const ok = !Number.isNaN(x)
        && (!c.integer || Number.isInteger(x))
        && (c.min === undefined || x >= c.min) && (c.max === undefined || x <= c.max)
        && (c.above === undefined || x > c.above) && (c.below === undefined || x < c.below);
      if (!ok) throw new OptionError(option, `expected ${expected}, got '${raw}'`);
      return x;
    },
  };
}

/** Builders for option table entries. */
export const opt = {
  /** A number (decimal or a fraction like 1/8) with optional bounds. */
  number: (c: Common & Omit<NumberConstraints, 'integer'>): OptionSpec<number> => numberSpec(c),
  /** An integer with optional bounds. */
  integer: (c: Common & Omit<NumberConstraints, 'integer'>): OptionSpec<number> => numberSpec({ ...c, integer: true }),
  /** A text (optionally required to be non-empty). */
  string: (c: Common & { nonEmpty?: boolean }): OptionSpec<string> => ({
    kind: 'string', help: c.help, valueName: c.valueName ?? 'TEXT', group: c.group, commands: c.commands, expected: c.nonEmpty ? 'a non-empty text' : 'a text',
    parse(raw, option) {
      if (c.nonEmpty && raw.trim() === '') throw new OptionError(option, `expected a non-empty value, got '${raw}'`);
      return raw;
    },
  }),
  /** One of a fixed list of names. */
  enum: <const V extends readonly string[]>(values: V, c: Common): OptionSpec<V[number]> => ({
    kind: 'enum', help: c.help, valueName: c.valueName ?? 'NAME', group: c.group, commands: c.commands, expected: `one of ${values.join(', ')}`,
    parse(raw, option) {
      if (!(values as readonly string[]).includes(raw)) throw new OptionError(option, `expected one of ${values.join(', ')}, got '${raw}'`);
      return raw as V[number];
    },
  }),
  /** A comma-separated list of `item` values (at least one). */
  list: <T>(item: OptionSpec<T>, c: Common): OptionSpec<T[]> => ({
    kind: 'list', help: c.help, valueName: c.valueName ?? 'LIST', group: c.group, commands: c.commands, expected: `a comma-separated list, each ${item.expected}`,
    parse(raw, option) {
      const parts = raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (parts.length === 0) throw new OptionError(option, `expected a comma-separated list, each ${item.expected}; got '${raw}'`);
      return parts.map((p) => {
        try {
          return item.parse(p, option);
        } catch (e) {
          if (e instanceof OptionError) throw new OptionError(option, `each value: expected ${item.expected}, got '${p}' (in '${raw}')`);
          throw e;
        }
      });
    },
  }),
  /** A switch: `--name` is true; with `negatable`, `--no-name` is false. */
  flag: (c: Omit<Common, 'valueName'> & { negatable?: boolean; short?: string }): OptionSpec<boolean> => ({
    kind: 'flag', help: c.help, group: c.group, commands: c.commands, negatable: c.negatable, short: c.short, expected: 'no value',
    parse: () => true,
  }),
};

/** A program's command line: its name, subcommands and options. */
export interface CommandLineSpec<O extends OptionTable> {
  /** the program, e.g. 'wn-classify' */
  name: string;
  /** subcommands and a line about each; none: the program takes no subcommand */
  commands?: Readonly<Record<string, string>>;
  /** the subcommand when none is given */
  defaultCommand?: string;
  /** The options, by name. */
  options: O;
  /** text after the options in --help */
  footer?: string;
  /** the first line of --help after "Usage:" (default: "<name> [command] [options]") */
  usage?: string;
  /** text between the usage line and the options (e.g. the commands) */
  description?: string;
}

/** What {@link parseCommandLine} returns. */
export interface ParsedCommandLine<O extends OptionTable> {
  /** The subcommand given (or the default one), or null when the program has none. */
  command: string | null;
  /** The options' values. */
  values: OptionValues<O>;
  /** positional arguments after the command */
  positionals: string[];
  /** Whether `--help` (or `-h`) was given. */
  help: boolean;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/**
 * Parses `argv` against the table. A literal `--` is skipped (pnpm forwards one ahead of the
 * arguments). Errors are `OptionError`s naming the option, what it expects and what it got.
 */
export function parseCommandLine<O extends OptionTable>(spec: CommandLineSpec<O>, argv: readonly string[]): ParsedCommandLine<O> {
  const values: Record<string, unknown> = Object.create(null);
  const given: string[] = [];
  const positionals: string[] = [];
  let help = false;
  const table = spec.options as Readonly<Record<string, OptionSpec<unknown>>>;
  const byShort = new Map(Object.entries(table).filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]));
  const lookup = (name: string) => (Object.hasOwn(table, name) ? table[name] : undefined);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') continue;
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else if (/^-[A-Za-z]$/.test(a)) {
      name = byShort.get(a[1]) ?? '';
      if (!name) throw new OptionError(a, 'unknown option (see --help)');
    } else {
      positionals.push(a);
      continue;
    }
    const s = lookup(name);
    let value: unknown;
    if (!s && name.startsWith('no-') && lookup(name.slice(3))?.negatable) {
      name = name.slice(3);
      if (inline !== undefined) throw new OptionError(`--no-${name}`, `takes no value, got '${inline}'`);
      value = false;
    } else if (!s) {
      const near = Object.keys(table).filter((k) => distance(k, name) <= 2);
      throw new OptionError(`--${name}`, `unknown option${near.length ? ` (did you mean ${near.map((k) => `--${k}`).join(' or ')}?)` : ''} (see --help)`);
    } else if (s.kind === 'flag') {
      if (inline !== undefined) throw new OptionError(`--${name}`, `takes no value, got '${inline}'`);
      value = true;
    } else {
      let raw = inline;
      if (raw === undefined) {
        raw = argv[++i];
        if (raw === undefined) throw new OptionError(`--${name}`, `needs a value: ${s.expected}`);
        // "--out --resume": a missing value, not a folder named "--resume"
        if (/^--[a-z]/.test(raw) && lookup(raw.slice(2).split('=')[0])) throw new OptionError(`--${name}`, `needs a value (${s.expected}), got the option ${raw}`);
      }
      value = s.parse(raw, `--${name}`);
    }
    values[name] = value;
    given.push(name);
  }

  let command: string | null = null;
  if (spec.commands) {
    const first = positionals[0];
    if (first !== undefined && Object.hasOwn(spec.commands, first)) {
      command = first;
      positionals.shift();
    } else if (first !== undefined && !help) {
      throw new OptionError(spec.name, `unknown command '${first}' (${Object.keys(spec.commands).join(' or ')}; --help for usage)`);
    } else {
      command = spec.defaultCommand ?? null;
      if (command === null && !help) throw new OptionError(spec.name, `which command? (${Object.keys(spec.commands).join(' or ')}; --help for usage)`);
    }
    for (const name of given) {
      const allowed = table[name].commands;
      if (command && allowed && !allowed.includes(command)) throw new OptionError(`--${name}`, `applies to ${allowed.join(' and ')}, not ${command}`);
    }
  }
  return { command, values: { ...values } as OptionValues<O>, positionals, help };
}

/** Wraps `text` to `width` columns, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('\n' + ' '.repeat(indent));
}

/** The --help text: usage, description, the options by group (in table order), footer. */
export function formatHelp<O extends OptionTable>(spec: CommandLineSpec<O>): string {
  const out: string[] = [`Usage: ${spec.usage ?? `${spec.name}${spec.commands ? ` [${Object.keys(spec.commands).join('|')}]` : ''} [options]`}`, ''];
  if (spec.description) out.push(spec.description, '');
  if (spec.commands && !spec.description) {
    // the descriptions start in one column, after the longest command name
    const width = Math.max(10, ...Object.keys(spec.commands).map((c) => c.length + 2));
    for (const [c, about] of Object.entries(spec.commands)) out.push(`  ${c.padEnd(width)}${wrap(about + (c === spec.defaultCommand ? ' (default)' : ''), 96 - width, width + 2)}`);
    out.push('');
  }
  const groups = new Map<string, [string, OptionSpec<unknown>][]>();
  for (const [name, s] of Object.entries(spec.options as Readonly<Record<string, OptionSpec<unknown>>>)) {
    const g = s.group ?? 'Options';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push([name, s]);
  }
  const col = 24;
  for (const [g, entries] of groups) {
    out.push(g);
    for (const [name, s] of entries) {
      let left = `  ${s.short ? `-${s.short}, ` : ''}--${name}${s.kind === 'flag' ? (s.negatable ? ` / --no-${name}` : '') : ` ${s.valueName}`}`;
      const only = s.commands ? ` [${s.commands.join(', ')}]` : '';
      const right = wrap(s.help + only, 100 - col, col);
      if (left.length >= col) {
        out.push(left);
        left = '';
      }
      out.push(left.padEnd(col) + right);
    }
    out.push('');
  }
  out.push(`  -h, --help`.padEnd(col) + 'this text');
  if (spec.footer) out.push('', spec.footer);
  return out.join('\n');
}

/**
 * Runs a CLI's `main` and exits with its status; an error prints one line `<name>: <message>` and
 * exits with 2 for a usage error (`OptionError`), 1 otherwise.
 */
export function runMain(name: string, main: (argv: readonly string[]) => Promise<number>, argv: readonly string[] = process.argv.slice(2)): void {
  main(argv).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(e instanceof OptionError ? 2 : 1);
    },
  );
}
