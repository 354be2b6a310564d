/**
 * A TypeDoc plugin: the properties of an anonymous object type that a function or method returns
 * (`evaluate(…): { loss: number; error: number }`) are described by that function's doc comment,
 * so `notDocumented` does not ask for a comment on each of them. Every named declaration — an
 * interface's or a class's members, a type alias's object members, an exported constant's
 * properties — still needs its own. (TypeDoc skips properties under a parameter the same way.)
 */
import { Converter, ReflectionKind } from 'typedoc';

/** Whether `reflection` is a property of an object type literal returned by a signature. */
export function isReturnShapeProperty(reflection) {
  if (!reflection.kindOf(ReflectionKind.Property)) return false;
  for (let r = reflection.parent; r; r = r.parent) {
    if (r.kindOf(ReflectionKind.TypeLiteral)) continue;
    if (r.kindOf(ReflectionKind.Property)) continue; // a nested literal: { a: { b } }
    return r.kindOf(ReflectionKind.CallSignature | ReflectionKind.GetSignature);
  }
  return false;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const options = context.converter.application.options;
    const project = context.project;
    // only this package's own declarations: the validation skips inherited ones, and an unused entry is a warning
    const exempt = project.getReflectionsByKind(ReflectionKind.Property)
      .filter((r) => !r.hasComment() && isReturnShapeProperty(r) && project.getSymbolIdFromReflection(r)?.packageName === project.packageName)
      .map((r) => r.getFriendlyFullName());
    if (exempt.length === 0) return;
    const listed = options.getValue('intentionallyNotDocumented');
    options.setValue('intentionallyNotDocumented', [...new Set([...listed, ...exempt])]);
  });
}
