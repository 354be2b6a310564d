/** The TypeDoc plugins' decisions (apps/docs/typedoc/), on small inputs. */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceEntryPoints } from '../typedoc/entry-points-from-exports.mjs';
import { optionHelp } from '../typedoc/cli-option-help.mjs';

describe('entry points from package.json exports', () => {
  it("takes each subpath's TypeScript source under the @wn/source condition, and skips what is not TypeScript", () => {
    expect(sourceEntryPoints({
      '.': { '@wn/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './node': { '@wn/source': './src/node/index.ts', default: './dist/node/index.js' },
      './launch-cli': './bin/launch-cli.mjs',
      './types': './dist/types.d.ts',
    })).toEqual(['./src/index.ts', './src/node/index.ts']);
  });

  it('accepts a plain string exports field, and gives nothing for none', () => {
    expect(sourceEntryPoints('./src/index.ts')).toEqual(['./src/index.ts']);
    expect(sourceEntryPoints(undefined)).toEqual([]);
  });
});

describe("a CLI option's help text", () => {
  /** The initializer of `const x = <code>` parsed as TypeScript. */
  const parse = (code: string): ts.Expression => {
    const file = ts.createSourceFile('x.ts', `const x = ${code};`, ts.ScriptTarget.ES2022, true);
    return (file.statements[0] as ts.VariableStatement).declarationList.declarations[0].initializer!;
  };

  it('is the literal help of an opt.* call, the last object argument of opt.list', () => {
    expect(optionHelp(parse("opt.integer({ group: 'Run', min: 1, help: 'worker threads' })"))).toBe('worker threads');
    expect(optionHelp(parse("opt.list(opt.integer({ help: '' }), { help: 'seeds, comma-separated' })"))).toBe('seeds, comma-separated');
    expect(optionHelp(parse('opt.flag({ help: `no progress bar` })'))).toBe('no progress bar');
  });

  it('is absent for a computed help, an empty one, or a call that is not an option', () => {
    expect(optionHelp(parse('opt.enum(NAMES, { help: `${NAMES.join()}` })'))).toBeUndefined();
    expect(optionHelp(parse("opt.flag({ help: '' })"))).toBeUndefined();
    expect(optionHelp(parse("other.flag({ help: 'x' })"))).toBeUndefined();
    expect(optionHelp(parse('42'))).toBeUndefined();
  });
});
