import { describe, expect, expectTypeOf, it } from 'vitest';
import { OptionError } from '../src/index.js';
import { formatHelp, opt, parseCommandLine, parseNumberText, type CommandLineSpec, type OptionValues } from '../src/node/index.js';

const OPTIONS = {
  lr: opt.number({ above: 0, help: 'learning rate', group: 'Training' }),
  epochs: opt.integer({ min: 1, help: 'epochs', group: 'Training' }),
  frames: opt.integer({ min: 0, help: 'frames', commands: ['dqn'] }),
  gamma: opt.number({ min: 0, max: 1, help: 'discount' }),
  width: opt.number({ above: 0, help: 'width multiplier' }),
  env: opt.enum(['cartpole', 'pong'] as const, { help: 'environment' }),
  seeds: opt.list(opt.integer({ min: 0, help: '' }), { help: 'seeds' }),
  zca: opt.flag({ negatable: true, help: 'whiten' }),
  quiet: opt.flag({ short: 'q', help: 'no bar' }),
  out: opt.string({ nonEmpty: true, valueName: 'DIR', help: 'folder' }),
};
const CLI: CommandLineSpec<typeof OPTIONS> = { name: 'wn-test', commands: { train: 'train one', dqn: 'a frame-based run' }, defaultCommand: 'train', options: OPTIONS, footer: 'The end.' };
const parse = (...argv: string[]) => parseCommandLine(CLI, argv);

describe('options from one table', () => {
  it('gives the parsed values their types', () => {
    const { values } = parse('--lr', '0.1');
    expectTypeOf(values).toEqualTypeOf<OptionValues<typeof OPTIONS>>();
    expectTypeOf(values.lr).toEqualTypeOf<number | undefined>();
    expectTypeOf(values.env).toEqualTypeOf<'cartpole' | 'pong' | undefined>();
    expectTypeOf(values.seeds).toEqualTypeOf<number[] | undefined>();
    expectTypeOf(values.zca).toEqualTypeOf<boolean | undefined>();
  });

  it('parses values with a space or =, fractions, lists, enums, flags and negations', () => {
    const r = parse('dqn', '--lr', '3e-4', '--epochs=5', '--frames', '0', '--width', '1/8', '--env', 'pong', '--seeds', '1, 2,3', '--no-zca', '-q', '--out', 'runs/x');
    expect(r.command).toBe('dqn');
    expect(r.values).toEqual({ lr: 3e-4, epochs: 5, frames: 0, width: 0.125, env: 'pong', seeds: [1, 2, 3], zca: false, quiet: true, out: 'runs/x' });
    expect(parse().command).toBe('train'); // the default subcommand
    expect(parse('--', 'train', '--zca').values.zca).toBe(true); // pnpm's forwarded '--' is skipped
  });

  it.each([
    [['--lr', '-1'], "--lr: expected a number > 0, got '-1'"],
    [['--lr', '0'], "--lr: expected a number > 0, got '0'"],
    [['--lr=-1'], "--lr: expected a number > 0, got '-1'"],
    [['--lr', 'fast'], "--lr: expected a number > 0, got 'fast'"],
    [['--lr', 'Infinity'], "--lr: expected a number > 0, got 'Infinity'"],
    [['--lr', '1/0'], "--lr: expected a number > 0, got '1/0'"],
    [['--epochs', '-2'], "--epochs: expected an integer ≥ 1, got '-2'"],
    [['--epochs=-2'], "--epochs: expected an integer ≥ 1, got '-2'"],
    [['--epochs', '2.5'], "--epochs: expected an integer ≥ 1, got '2.5'"],
    [['--epochs', ''], "--epochs: expected an integer ≥ 1, got ''"],
    [['--gamma', '1.5'], "--gamma: expected a number in [0, 1], got '1.5'"],
    [['--width', '-1/8'], "--width: expected a number > 0, got '-1/8'"],
    [['--env', 'doom'], "--env: expected one of cartpole, pong, got 'doom'"],
    [['--seeds', '1,x'], "--seeds: each value: expected an integer ≥ 0, got 'x' (in '1,x')"],
    [['--seeds', ','], "--seeds: expected a comma-separated list, each an integer ≥ 0; got ','"],
    [['--out', ''], "--out: expected a non-empty value, got ''"],
    [['--epochs'], '--epochs: needs a value: an integer ≥ 1'],
    [['--out', '--quiet'], '--out: needs a value (a non-empty text), got the option --quiet'],
    [['--quiet=yes'], "--quiet: takes no value, got 'yes'"],
    [['--no-quiet'], '--no-quiet: unknown option (see --help)'],
    [['--epoch', '3'], '--epoch: unknown option (did you mean --epochs?) (see --help)'],
    [['-x'], '-x: unknown option (see --help)'],
    [['fly'], "wn-test: unknown command 'fly' (train or dqn; --help for usage)"],
    [['train', '--frames', '10'], '--frames: applies to dqn, not train'],
  ])('%j → %s', (argv, message) => {
    let error: unknown;
    try {
      parse(...argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OptionError);
    expect((error as Error).message).toBe(message);
  });

  it('reads fractions and decimals, and nothing else, as numbers', () => {
    expect(parseNumberText('1/8')).toBe(0.125);
    expect(parseNumberText(' .5 ')).toBe(0.5);
    expect(parseNumberText('-2')).toBe(-2);
    expect(parseNumberText('1e-3')).toBe(0.001);
    for (const bad of ['', '0x10', '1/2/3', 'NaN', '--1', '1..2']) expect(parseNumberText(bad)).toBeNaN();
  });

  it('--help lists the commands, every option by group with its value name, and the footer', () => {
    const help = formatHelp(CLI);
    expect(help.split('\n')[0]).toBe('Usage: wn-test [train|dqn] [options]');
    expect(help).toMatch(/ {2}train {5}train one \(default\)/);
    expect(help).toMatch(/^Training\n {2}--lr X {16}learning rate\n {2}--epochs N {12}epochs$/m);
    expect(help).toContain('--zca / --no-zca');
    expect(help).toContain('-q, --quiet');
    expect(help).toContain('--frames N            frames [dqn]');
    expect(help).toContain('--out DIR');
    expect(help.trimEnd().endsWith('The end.')).toBe(true);
    expect(parse('--help').help).toBe(true);
  });
});
