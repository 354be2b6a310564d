/**
 * Source-generation helpers shared by the kernel families. Kernels are generated as source text
 * with shapes and strides baked in as literals: gpu.js compiles per output size anyway, literal
 * loop bounds are what GLSL wants, and source text survives bundlers and minifiers (a function's
 * `toString()` would not).
 */
import type { Shape } from '../../shape.js';

/** A number as kernel source; NaN and infinities go through dialect helpers. */
export function literal(value: number): string {
  if (Number.isNaN(value)) return 'wnNan()';
  if (value === Infinity) return 'wnInf()';
  if (value === -Infinity) return '(-wnInf())';
  const magnitude = String(Math.abs(Math.fround(value)));
  return value < 0 || Object.is(value, -0) ? `(-${magnitude})` : magnitude;
}

/** `function (a, b) { ... }` from parameter names and body lines. */
export function kernelFunction(params: readonly string[], body: readonly string[]): string {
  return `function (${params.join(', ')}) {\n  ${body.join('\n  ')}\n}`;
}

/** Closing braces for `count` opened blocks. */
export function closeBlocks(count: number): string[] {
  return new Array<string>(count).fill('}');
}

/**
 * Lines that split the flat index `flat` into coordinates `${prefix}0..` of `dims` (row-major).
 * Returns the lines and the coordinate variable names.
 */
export function unravel(flat: string, dims: Shape, prefix: string): { lines: string[]; coords: string[] } {
  const lines: string[] = [];
  const coords = dims.map((_, d) => `${prefix}${d}`);
  if (dims.length === 0) return { lines, coords };
  const rest = `${prefix}r`;
  lines.push(`let ${rest} = ${flat};`);
  let stride = dims.reduce((p, d) => p * d, 1);
  for (let d = 0; d < dims.length - 1; d++) {
    stride /= dims[d];
    if (stride === 1) {
      lines.push(`const ${coords[d]} = ${rest};`, `${rest} = 0;`);
    } else {
      lines.push(`const ${coords[d]} = wnIdiv(${rest}, ${stride});`, `${rest} = ${rest} - ${coords[d]} * ${stride};`);
    }
  }
  lines.push(`const ${coords[dims.length - 1]} = ${rest};`);
  return { lines, coords };
}

/** `base + c0 * s0 + ...`, skipping zero strides. */
export function offsetExpr(coords: readonly string[], strides: readonly number[], base: number | string = 0): string {
  const terms: string[] = [];
  if (base !== 0) terms.push(String(base));
  coords.forEach((c, d) => {
    const s = strides[d];
    if (s === 1) terms.push(c);
    else if (s !== 0) terms.push(`${c} * ${s}`);
  });
  return terms.length === 0 ? '0' : terms.join(' + ');
}

/**
 * Merges adjacent axes that every operand walks contiguously and drops size-1 axes, so a
 * broadcast over [2, 3, 4] with plain strides collapses to one axis of 12. `strides[k][d]` is
 * operand k's element stride along output axis d (0 for broadcast axes).
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => { outStrides[k][last] = s[d]; });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  return { shape: outShape, strides: outStrides };
}
