/** Names read from files (tensor, parameter, hyperparameter names) that must not reach a prototype. */

/** Key names that reach into a JavaScript object's prototype when used as property names. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first '.'-separated segment of `name` that is `__proto__`, `constructor` or `prototype`
 * (names that could reach a prototype when a reader maps them onto objects), or undefined.
 */
export function prototypeKeySegment(name: string): string | undefined {
  return name.split('.').find((segment) => PROTOTYPE_KEYS.has(segment));
}
