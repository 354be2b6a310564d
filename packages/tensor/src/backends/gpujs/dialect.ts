/**
 * The math vocabulary kernel sources are written in. Every kernel calls the same helper names
 * (`wnIdiv`, `wnIsNan`, `wnLog`, ...); each gpu.js mode family gets its own implementation:
 *
 * - `js` (cpu, webasm): plain JavaScript helpers, since JS and wasm float math is IEEE already.
 * - `glsl3` (webgl2): native GLSL ES 3.00 helpers. GLSL leaves NaN/Inf behaviour of builtins
 *   undefined (SwiftShader returns log(-1) = 0, exp(NaN) = Inf, tanh(Inf) = NaN, max(NaN, 0) = 0),
 *   so every helper tests NaN/Inf on the float's bits and produces IEEE/JavaScript results.
 * - `glsl1` (webgl, headlessgl): GLSL ES 1.00 has no bit casts; NaN tests fall back to
 *   comparisons, which IEEE-conforming drivers honour but aggressive optimizers may fold away.
 */

export type DialectName = 'js' | 'glsl3' | 'glsl1';

/** A JavaScript helper as gpu.js takes it through the kernel `functions` setting. */
export interface JsHelper {
  readonly source: string;
  readonly settings: { argumentTypes: Record<string, 'Number'>; returnType: 'Number' };
}

/** A GLSL helper as gpu.js takes it through the kernel `nativeFunctions` setting. */
export interface NativeHelper {
  readonly name: string;
  readonly source: string;
  readonly returnType: 'Number';
  readonly argumentTypes: Record<string, 'Number'>;
}

export interface Dialect {
  readonly name: DialectName;
  readonly functions: readonly JsHelper[];
  readonly nativeFunctions: readonly NativeHelper[];
}

function jsHelper(source: string): JsHelper {
  const params = /\(([^)]*)\)/.exec(source)![1].split(',').map((p) => p.trim()).filter(Boolean);
  return {
    source,
    settings: { argumentTypes: Object.fromEntries(params.map((p) => [p, 'Number' as const])), returnType: 'Number' },
  };
}

function nativeHelper(source: string): NativeHelper {
  const [, name, params] = /float\s+(\w+)\s*\(([^)]*)\)/.exec(source)!;
  const names = params.split(',').map((p) => p.trim().split(/\s+/)[1]).filter(Boolean);
  return { name, source, returnType: 'Number', argumentTypes: Object.fromEntries(names.map((n) => [n, 'Number' as const])) };
}

/**
 * Floor division of non-negative integer-valued floats. float32 division may round a quotient
 * just below an integer up to it, so the remainder corrects the estimate by one step either way;
 * exact while a and b stay below 2^24. Shared by every dialect (gpu.js transpiles it to GLSL).
 */
const IDIV = `function wnIdiv(a, b) {
  let q = Math.floor(a / b);
  const r = a - q * b;
  if (r < 0) { q = q - 1; }
  if (r >= b) { q = q + 1; }
  return q;
}`;

/** cpu and webasm: JavaScript and wasm float math already follow IEEE 754 and Math.* semantics. */
const JS_HELPERS = [
  IDIV,
  'function wnIsNan(v) { if (v != v) { return 1; } return 0; }',
  'function wnNan() { return 0 / 0; }',
  'function wnInf() { return 1 / 0; }',
  'function wnExp(v) { return Math.exp(v); }',
  'function wnLog(v) { return Math.log(v); }',
  'function wnSqrt(v) { return Math.sqrt(v); }',
  'function wnTanh(v) { return Math.tanh(v); }',
  'function wnSin(v) { return Math.sin(v); }',
  'function wnCos(v) { return Math.cos(v); }',
  'function wnPow(a, b) { return Math.pow(a, b); }',
  'function wnSign(v) { if (v > 0) { return 1; } if (v < 0) { return -1; } return v; }',
  `function wnSigmoid(v) {
  if (v >= 0) { return 1 / (1 + Math.exp(-v)); }
  const e = Math.exp(v);
  return e / (1 + e);
}`,
  'function wnMaximum(a, b) { if (a != a || b != b) { return 0 / 0; } if (a > b) { return a; } return b; }',
  'function wnMinimum(a, b) { if (a != a || b != b) { return 0 / 0; } if (a < b) { return a; } return b; }',
  'function wnLess(a, b) { if (a < b) { return 1; } return 0; }',
  'function wnGreater(a, b) { if (a > b) { return 1; } return 0; }',
  'function wnEqual(a, b) { if (a == b) { return 1; } return 0; }',
].map(jsHelper);

/** GLSL spellings of the NaN/Inf primitives for one GLSL version. */
interface GlslPrimitives {
  isNan(v: string): string;
  isInf(v: string): string;
  /** True for negative numbers and -0. */
  signBit(v: string): string;
  nan: string;
  inf: string;
}

const GLSL3: GlslPrimitives = {
  isNan: (v) => `((floatBitsToUint(${v}) & 0x7fffffffu) > 0x7f800000u)`,
  isInf: (v) => `((floatBitsToUint(${v}) & 0x7fffffffu) == 0x7f800000u)`,
  signBit: (v) => `(floatBitsToUint(${v}) >= 0x80000000u)`,
  nan: 'uintBitsToFloat(0x7fc00000u)',
  inf: 'uintBitsToFloat(0x7f800000u)',
};

// GLSL ES 1.00 has no bit casts: best effort through IEEE comparisons and runtime division.
const GLSL1: GlslPrimitives = {
  isNan: (v) => `(!(${v} < 0.0 || ${v} > 0.0 || ${v} == 0.0))`,
  isInf: (v) => `(abs(${v}) > 3.4028234e38)`,
  signBit: (v) => `(${v} < 0.0 || (${v} == 0.0 && 1.0 / ${v} < 0.0))`,
  nan: '(0.0 / 0.0)',
  inf: '(1.0 / 0.0)',
};

/**
 * sin/cos body: reduce by k * pi/2 (pi/2 split in three parts so that k * part is exact), then
 * Cephes' single-precision minimax polynomials on [-pi/4, pi/4]. SwiftShader's own sin/cos are
 * only accurate to about 1e-4. `quadrantShift` is 0 for sin and 1 for cos (cos x = sin(x + pi/2)).
 */
function sinCosBody(quadrantShift: number): string {
  return `float k = floor(v * 0.63661977 + 0.5);
  float r = ((v - k * 1.5703125) - k * 4.837512969970703e-4) - k * 7.549789948768648e-8;
  float q = mod(k + ${quadrantShift}.0, 4.0);
  float z = r * r;
  float s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  float c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  if (q < 0.5) return s;
  if (q < 1.5) return c;
  if (q < 2.5) return -s;
  return -c;`;
}

/** Native helpers: each is self-contained because gpu.js does not order native functions. */
function glslHelpers(p: GlslPrimitives): NativeHelper[] {
  const { isNan, isInf, signBit, nan, inf } = p;
  return [
    `float wnIsNan(float v) { return ${isNan('v')} ? 1.0 : 0.0; }`,
    `float wnNan() { return ${nan}; }`,
    `float wnInf() { return ${inf}; }`,
    `float wnExp(float v) {
  if (${isNan('v')}) return v;
  if (v > 88.8) return ${inf};
  if (v < -104.0) return 0.0;
  return exp(v);
}`,
    `float wnLog(float v) {
  if (${isNan('v')} || v == ${inf}) return v;
  if (v < 0.0) return ${nan};
  if (v == 0.0) return -${inf};
  return log(v);
}`,
    `float wnSqrt(float v) {
  if (${isNan('v')} || v == ${inf}) return v;
  if (v < 0.0) return ${nan};
  if (v == 0.0) return v;
  return sqrt(v);
}`,
    // GLSL's tanh is exp-based: NaN at +-Inf and poor relative accuracy near zero.
    `float wnTanh(float v) {
  if (${isNan('v')}) return v;
  float a = abs(v);
  if (a > 10.0) return sign(v);
  if (a < 0.04) return v - v * v * v / 3.0 + 2.0 * v * v * v * v * v / 15.0;
  float e = exp(-2.0 * a);
  return sign(v) * (1.0 - e) / (1.0 + e);
}`,
    `float wnSin(float v) {
  if (${isNan('v')} || ${isInf('v')}) return ${nan};
  ${sinCosBody(0)}
}`,
    `float wnCos(float v) {
  if (${isNan('v')} || ${isInf('v')}) return ${nan};
  ${sinCosBody(1)}
}`,
    `float wnSign(float v) {
  if (v > 0.0) return 1.0;
  if (v < 0.0) return -1.0;
  return v;
}`,
    `float wnSigmoid(float v) {
  if (${isNan('v')}) return v;
  if (v >= 0.0) return 1.0 / (1.0 + exp(-min(v, 88.0)));
  float e = exp(max(v, -104.0));
  return e / (1.0 + e);
}`,
    // Math.pow semantics; GLSL pow is undefined for a < 0 and for a == 0 with b <= 0.
    `float wnPow(float a, float b) {
  if (${isNan('b')}) return b;
  if (b == 0.0) return 1.0;
  if (${isNan('a')}) return a;
  if (b == 1.0) return a;
  if (b == 2.0) return a * a;
  float m = abs(a);
  if (${isInf('b')}) {
    if (m == 1.0) return ${nan};
    return (m > 1.0) == (b > 0.0) ? ${inf} : 0.0;
  }
  bool bInt = floor(b) == b;
  float s = (${signBit('a')} && bInt && mod(b, 2.0) == 1.0) ? -1.0 : 1.0;
  if (m == 0.0 || ${isInf('a')}) return ((m == 0.0) == (b < 0.0)) ? s * ${inf} : s * 0.0;
  if (a < 0.0 && !bInt) return ${nan};
  if (b == 0.5) return sqrt(m);
  float e = b * log2(m);
  if (e > 128.0) return s * ${inf};
  if (e < -150.0) return s * 0.0;
  return s * exp2(e);
}`,
    `float wnMaximum(float a, float b) {
  if (${isNan('a')}) return a;
  if (${isNan('b')}) return b;
  return a > b ? a : b;
}`,
    `float wnMinimum(float a, float b) {
  if (${isNan('a')}) return a;
  if (${isNan('b')}) return b;
  return a < b ? a : b;
}`,
    `float wnLess(float a, float b) { return (${isNan('a')} || ${isNan('b')}) ? 0.0 : (a < b ? 1.0 : 0.0); }`,
    `float wnGreater(float a, float b) { return (${isNan('a')} || ${isNan('b')}) ? 0.0 : (a > b ? 1.0 : 0.0); }`,
    `float wnEqual(float a, float b) { return (${isNan('a')} || ${isNan('b')}) ? 0.0 : (a == b ? 1.0 : 0.0); }`,
  ].map(nativeHelper);
}

const IDIV_HELPER = jsHelper(IDIV);

export const DIALECTS: Record<DialectName, Dialect> = {
  js: { name: 'js', functions: JS_HELPERS, nativeFunctions: [] },
  glsl3: { name: 'glsl3', functions: [IDIV_HELPER], nativeFunctions: glslHelpers(GLSL3) },
  glsl1: { name: 'glsl1', functions: [IDIV_HELPER], nativeFunctions: glslHelpers(GLSL1) },
};
