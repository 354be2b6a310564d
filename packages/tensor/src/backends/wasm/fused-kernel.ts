/**
 * The wasm backend's fused elementwise kernel: each distinct program is compiled once (with
 * `new Function`) into a JS loop that keeps every intermediate in a local, so a chain of N
 * elementwise ops costs one pass over memory and one allocation instead of N.
 *
 * Every instruction is rounded with Math.fround, exactly what storing it in a Float32Array
 * between separate ops does, so the result equals the decomposition bit for bit. The
 * expressions are the host kernels' (same NaN rules, same sigmoid formula).
 *
 * Where code cannot be compiled from strings — a page or worker whose Content-Security-Policy
 * has no 'unsafe-eval' — a program runs as its decomposition instead: one host kernel per
 * instruction over whole arrays, each result stored in a Float32Array. That rounds exactly as
 * the compiled loop does (the same bits), at the cost of a pass over memory per instruction.
 */
import type { BinaryOp, KernelInput, OptionalKernels, UnaryOp } from '../../kernels.js';
import { keyOf, type FusedProgram } from '../../fused/program.js';
import { broadcastStrides, sizeOf } from '../../shape.js';
import { createHostKernels, forEachRun, freshArrays, plan, type Allocator, type HostKernels } from './host-kernels.js';

/** y[yo + i] = program(xs[k][offsets[k] + i·strides[k]]...) for i < n. */
type StridedLoop = (y: Float32Array, yo: number, n: number, xs: readonly Float32Array[], offsets: readonly number[], strides: readonly number[]) => void;

const UNARY_SOURCE: Record<UnaryOp, (a: string) => string> = {
  neg: (a) => `-${a}`,
  exp: (a) => `exp(${a})`,
  log: (a) => `log(${a})`,
  sqrt: (a) => `sqrt(${a})`,
  abs: (a) => `abs(${a})`,
  sign: (a) => `(${a} > 0 ? 1 : ${a} < 0 ? -1 : ${a})`,
  tanh: (a) => `tanh(${a})`,
  sigmoid: (a) => `(${a} >= 0 ? 1 / (1 + exp(-${a})) : exp(${a}) / (1 + exp(${a})))`,
  reciprocal: (a) => `1 / ${a}`,
  sin: (a) => `sin(${a})`,
  cos: (a) => `cos(${a})`,
  floor: (a) => `floor(${a})`,
};

const BINARY_SOURCE: Record<BinaryOp, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: (a, b) => `pow(${a}, ${b})`,
  maximum: (a, b) => `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} > ${b} ? ${a} : ${b})`,
  minimum: (a, b) => `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} < ${b} ? ${a} : ${b})`,
  equal: (a, b) => `+(${a} === ${b})`,
  less: (a, b) => `+(${a} < ${b})`,
  greater: (a, b) => `+(${a} > ${b})`,
};

const PRELUDE = `"use strict";\nconst { fround, exp, log, sqrt, abs, tanh, sin, cos, floor, pow } = Math;\n`;

/** A number as JS source that reads back as the same float32 value (−0, NaN and ±Infinity included). */
function literal(v: number): string {
  const f = Math.fround(v);
  if (Object.is(f, -0)) return '-0';
  if (f !== f) return 'NaN';
  if (f === Infinity) return 'Infinity';
  if (f === -Infinity) return '-Infinity';
  return `(${String(f)})`;
}

/**
 * Source for the program over value names v0..: constants (hoisted, `head`) and one statement per
 * instruction (`loop`, run per element). Inputs are v0..v(inputs−1), defined by the caller.
 */
function programSource(program: FusedProgram): { head: string; loop: string; result: string } {
  let head = '', loop = '';
  program.body.forEach((ins, k) => {
    const v = `v${program.inputs + k}`;
    if (ins.op === 'const') {
      head += `  const ${v} = ${literal(ins.value)};\n`;
      return;
    }
    const a = ins.args.map((i) => `v${i}`);
    const expr = ins.op === 'where' ? `(${a[0]} !== 0 ? ${a[1]} : ${a[2]})`
      : a.length === 1 ? UNARY_SOURCE[ins.op as UnaryOp](a[0])
        : BINARY_SOURCE[ins.op as BinaryOp](a[0], a[1]);
    loop += `    const ${v} = fround(${expr});\n`;
  });
  return { head, loop, result: `v${program.inputs + program.body.length - 1}` };
}

/** A compiled loop over whole-output and one-value inputs, with the function body that made it (worker threads compile the same). */
export type ContiguousLoop = ((y: Float32Array, n: number, xs: readonly Float32Array[]) => void) & { readonly source: string };

/** The body of a function that returns the loop of `program` over whole-output and one-value (`scalar`) inputs. */
function contiguousSource(program: FusedProgram, scalar: readonly boolean[]): string {
  const { head, loop, result } = programSource(program);
  let src = '';
  scalar.forEach((s, k) => (src += s ? `  const v${k} = xs[${k}][0];\n` : `  const x${k} = xs[${k}];\n`));
  src += head + '  for (let i = 0; i < n; i++) {\n';
  scalar.forEach((s, k) => !s && (src += `    const v${k} = x${k}[i];\n`));
  src += `${loop}    y[i] = ${result};\n  }\n`;
  return `${PRELUDE}return function fusedContiguous(y, n, xs) {\n${src}};`;
}

function compileContiguous(program: FusedProgram, scalar: readonly boolean[]): ContiguousLoop {
  const source = contiguousSource(program, scalar);
  return Object.assign(new Function(source)() as (y: Float32Array, n: number, xs: readonly Float32Array[]) => void, { source });
}

function compileStrided(program: FusedProgram): StridedLoop {
  const { head, loop, result } = programSource(program);
  const ks = Array.from({ length: program.inputs }, (_, k) => k);
  let src = ks.map((k) => `  const x${k} = xs[${k}], s${k} = strides[${k}];\n  let o${k} = offsets[${k}];\n`).join('');
  src += head + `  for (let i = 0; i < n; i++${ks.map((k) => `, o${k} += s${k}`).join('')}) {\n`;
  src += ks.map((k) => `    const v${k} = x${k}[o${k}];\n`).join('');
  src += `${loop}    y[yo + i] = ${result};\n  }\n`;
  return new Function(`${PRELUDE}return function fusedStrided(y, yo, n, xs, offsets, strides) {\n${src}};`)() as StridedLoop;
}

/** Compiled loops by program key (and scalar mask); bounded, oldest dropped first. */
class LoopCache {
  private readonly loops = new Map<string, ContiguousLoop | StridedLoop>();
  constructor(private readonly capacity = 256) {}

  get<L extends ContiguousLoop | StridedLoop>(key: string, build: () => L): L {
    let loop = this.loops.get(key) as L | undefined;
    if (!loop) {
      if (this.loops.size >= this.capacity) this.loops.delete(this.loops.keys().next().value!);
      this.loops.set(key, (loop = build()));
    }
    return loop;
  }

  get size(): number {
    return this.loops.size;
  }
}

/**
 * Whether this realm compiles code from strings. A Content-Security-Policy without 'unsafe-eval'
 * makes `new Function` throw an EvalError (and report one violation, at this probe).
 */
export function canCompileFromStrings(): boolean {
  try {
    return new Function('return 1')() === 1;
  } catch {
    return false;
  }
}

/**
 * `program` evaluated instruction by instruction with the host kernels, every intermediate a
 * Float32Array of the output's shape (constants stay one value), the result copied into `y`.
 */
function runDecomposed(host: HostKernels, program: FusedProgram, inputs: readonly KernelInput<Float32Array>[], out: readonly number[], y: Float32Array): void {
  const values: KernelInput<Float32Array>[] = [...inputs];
  const full = (v: KernelInput<Float32Array>) => (v.data.length === y.length ? v : { data: host.expand(v, out), shape: out });
  for (const ins of program.body) {
    const a = ins.op === 'const' ? [] : ins.args.map((i) => values[i]);
    const data = ins.op === 'const' ? Float32Array.of(ins.value)
      : ins.op === 'where' ? host.where(a[0], a[1], a[2], out)
        : a.length === 1 ? host.unary(ins.op as UnaryOp, full(a[0]), out)
          : host.binary(ins.op as BinaryOp, a[0], a[1], out);
    values.push({ data, shape: ins.op === 'const' ? [] : out });
  }
  const result = values[values.length - 1];
  if (result.data.length === y.length) y.set(result.data);
  else y.fill(result.data[0]); // a program that is one constant
}

/** Runs a program over whole-output and one-value inputs faster than the JS loop, or declines (undefined). */
export type FastFused = (program: FusedProgram, key: string, xs: readonly Float32Array[], n: number) => Float32Array | undefined;

export interface FusedKernelOptions {
  /** compile programs with `new Function` (default: when the realm allows it, see `canCompileFromStrings`) */
  readonly compile?: boolean;
  /** a faster path tried first (the wasm backend's SIMD modules); it may decline a program */
  readonly fast?: FastFused;
  /**
   * Runs a compiled loop over whole-output and one-value inputs split across threads (`scalar`
   * marks the one-value inputs), or declines (false): the loop then runs here.
   */
  readonly parallel?: (loop: ContiguousLoop, y: Float32Array, n: number, xs: readonly Float32Array[], scalar: readonly boolean[]) => boolean;
}

export function createFusedKernel(alloc: Allocator, options: FusedKernelOptions = {}): OptionalKernels<Float32Array>['fusedElementwise'] & { readonly compiled: () => number; readonly interpreted: () => boolean } {
  const cache = new LoopCache();
  let host: HostKernels | undefined;
  let compile = options.compile;
  const kernel = (program: FusedProgram, inputs: readonly KernelInput<Float32Array>[], out: readonly number[]): Float32Array => {
    compile ??= canCompileFromStrings();
    const n = sizeOf(out);
    const key = keyOf(program);
    const xs = inputs.map((t) => t.data);
    const done = options.fast?.(program, key, xs, n);
    if (done) return done;
    const y = alloc.dirty(n);
    if (!compile) {
      runDecomposed((host ??= createHostKernels(freshArrays)), program, inputs, out, y);
      return y;
    }
    // fast path: every input is either the whole output (same length, so same shape) or one value
    if (xs.every((x) => x.length === n || x.length === 1)) {
      const scalar = xs.map((x) => x.length === 1 && n !== 1);
      const loop = cache.get(`${key}|${scalar.map(Number).join('')}`, () => compileContiguous(program, scalar));
      if (!options.parallel?.(loop, y, n, xs, scalar)) loop(y, n, xs);
      return y;
    }
    const p = plan(out, inputs.map((t) => broadcastStrides(t.shape, out)));
    const last = p.dims.length - 1;
    const strides = p.strides.map((s) => s[last]);
    const loop = cache.get(`${key}|strided`, () => compileStrided(program));
    forEachRun(p, (at, offsets, runLength) => loop(y, at, runLength, xs, offsets, strides));
    return y;
  };
  return Object.assign(kernel, { compiled: () => cache.size, interpreted: () => compile === false });
}
