/**
 * A TypeDoc plugin: the entries of a CLI option table (`{ name: opt.integer({ help: '…' }), … }`,
 * @wn/runs' `opt` helpers) are documented by their `--help` text, so each option is written once,
 * where the CLI reads it. An entry with its own doc comment keeps it. Only string help is taken;
 * an entry whose help is computed (a template with `${…}`) needs a doc comment of its own, and
 * TypeDoc's `notDocumented` validation says so.
 */
import { Comment, Converter, ReflectionKind } from 'typedoc';
import ts from 'typescript';

/** The literal `help` text of an `opt.*({ …, help })` call, or undefined. */
export function optionHelp(initializer) {
  if (!initializer || !ts.isCallExpression(initializer)) return undefined;
  const callee = initializer.expression;
  if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression) || callee.expression.text !== 'opt') return undefined;
  // the spec is the last object argument (`opt.list(item, { help })` has the item first)
  const spec = [...initializer.arguments].reverse().find(ts.isObjectLiteralExpression);
  const help = spec?.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === 'help');
  if (!help || !(ts.isStringLiteral(help.initializer) || ts.isNoSubstitutionTemplateLiteral(help.initializer))) return undefined;
  return help.initializer.text || undefined;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const reflection of context.project.getReflectionsByKind(ReflectionKind.Property)) {
      if (reflection.hasComment()) continue;
      const declaration = context.getSymbolFromReflection(reflection)?.declarations?.[0];
      if (!declaration || !ts.isPropertyAssignment(declaration)) continue;
      const help = optionHelp(declaration.initializer);
      if (help === undefined) continue;
      reflection.comment = new Comment([
        { kind: 'code', text: `\`--${reflection.name}\`` },
        { kind: 'text', text: `: ${help}` },
      ]);
    }
  });
}
