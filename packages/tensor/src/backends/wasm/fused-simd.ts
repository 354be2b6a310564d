/**
 * Fused elementwise programs compiled to WebAssembly SIMD (f32x4), four elements per step, for
 * the programs whose every instruction has an exact f32x4 equivalent: add, sub, mul, div, sqrt,
 * neg, abs, reciprocal, floor, sign, maximum, minimum, the comparisons, where and constants
 * (the optimizers' update programs, losses' masks), and exp (simd-exp.ts: Math.exp's float64
 * steps, two lanes at a time; ELU and its gradient). Programs with log, tanh, sigmoid, sin,
 * cos or pow stay on the JS loops (fused-kernel.ts).
 *
 * Results equal the JS loops bit for bit: f32x4 add/sub/mul/div/sqrt are correctly rounded
 * single-precision operations, and the JS loop's float64 operation rounded by Math.fround gives
 * the same value for these (float64 has more than 2·24 + 2 bits, so double rounding is
 * innocuous); neg, abs, floor are exact in both; maximum/minimum, sign, the comparisons and where
 * are written as lane masks that reproduce the JS expressions' treatment of NaN and ±0.
 *
 * Each distinct program (and pattern of scalar inputs) becomes one small module that imports the
 * backend's kernel memory and exports `run(y, x0, …, n)` over byte addresses: a full input is read
 * four lanes at a time, a scalar input is splatted once. Blocks in the kernel memory are 64-byte
 * aligned and rounded up, so the loop runs ⌈n/4⌉ whole vectors (the lanes past n are scratch).
 */
import type { BinaryOp, UnaryOp } from '../../kernels.js';
import type { FusedProgram } from '../../fused/program.js';
import { f32, f32x4, i32, ModuleBuilder, v128, type Expr, type Local, type MemoryImport, type Operand } from './emitter.js';
import { simdExp } from './simd-exp.js';

type V = Operand;
const one = (): Expr => f32x4.splat(f32.const(1));

/** The lanes of `a` where `mask` is set, else those of `b`. */
const pick = (a: V, b: V, mask: V): Expr => v128.bitselect(a, b, mask);
/** 1 where `mask` is set, else +0 (the JS loops' `+(a < b)`). */
const asNumber = (mask: V): Expr => v128.and(mask, one());
/** NaN where either lane is NaN, else `value` (the JS loops' maximum/minimum rule). */
const nanIfEither = (a: V, b: V, value: V): Expr =>
  pick(f32x4.splat(f32.const(NaN)), value, v128.or(f32x4.ne(a, a), f32x4.ne(b, b)));

const UNARY: Partial<Record<UnaryOp, (a: V) => Expr>> = {
  neg: f32x4.neg,
  abs: f32x4.abs,
  sqrt: f32x4.sqrt,
  floor: f32x4.floor,
  reciprocal: (a) => f32x4.div(one(), a),
  // a > 0 ? 1 : a < 0 ? -1 : a (NaN and ±0 pass through)
  sign: (a) => pick(one(), pick(f32x4.splat(f32.const(-1)), a, f32x4.lt(a, v128.zero())), f32x4.gt(a, v128.zero())),
};

const BINARY: Partial<Record<BinaryOp, (a: V, b: V) => Expr>> = {
  add: f32x4.add,
  sub: f32x4.sub,
  mul: f32x4.mul,
  div: f32x4.div,
  // (a or b NaN) ? NaN : a > b ? a : b — so maximum(+0, −0) is −0, as in the JS loop
  maximum: (a, b) => nanIfEither(a, b, pick(a, b, f32x4.gt(a, b))),
  minimum: (a, b) => nanIfEither(a, b, pick(a, b, f32x4.lt(a, b))),
  equal: (a, b) => asNumber(f32x4.eq(a, b)),
  less: (a, b) => asNumber(f32x4.lt(a, b)),
  greater: (a, b) => asNumber(f32x4.gt(a, b)),
};

/** Whether every instruction of `program` has an exact f32x4 form here. */
export function simdSupports(program: FusedProgram): boolean {
  return program.body.every((ins) =>
    ins.op === 'const' || ins.op === 'where' || ins.op === 'exp' || (ins.args.length === 1 ? ins.op in UNARY : ins.op in BINARY),
  );
}

/** Which inputs some instruction reads (programs may ignore an input, e.g. p without weight decay). */
export function usedInputs(program: FusedProgram): boolean[] {
  const used = new Array<boolean>(program.inputs).fill(false);
  for (const ins of program.body) if (ins.op !== 'const') for (const a of ins.args) if (a < program.inputs) used[a] = true;
  return used;
}

/**
 * The module for `program` with input k a splatted scalar where `scalar[k]`: exports
 * `run(y, x0, …, x(k−1), n)` (byte addresses, n elements). Inputs the program never reads are
 * not touched (pass 0).
 */
export function buildFusedSimdModule(program: FusedProgram, scalar: readonly boolean[], memory: MemoryImport): WebAssembly.Module {
  const inputs = program.inputs;
  const mb = new ModuleBuilder(memory);
  const used = usedInputs(program);
  mb.func('run', new Array(inputs + 2).fill('i32'), (f, y, ...rest) => {
    const xs = rest.slice(0, inputs);
    const n = rest[inputs];
    const values: Local[] = [];
    // scalars and constants once, before the loop
    const held = xs.map((x, k) => {
      if (!used[k] || !scalar[k]) return undefined;
      const l = f.local('v128');
      f.set(l, v128.load32Splat(x));
      return l;
    });
    const constants = program.body.map((ins) => {
      if (ins.op !== 'const') return undefined;
      const l = f.local('v128');
      f.set(l, f32x4.splat(f32.const(Math.fround(ins.value))));
      return l;
    });
    const exp = program.body.some((ins) => ins.op === 'exp') ? simdExp(f) : undefined;
    const at = f.local('i32');
    const end = f.local('i32');
    f.set(end, i32.shl(i32.and(i32.add(n, 3), -4), 2));
    f.for(at, 0, end, 16, () => {
      values.length = 0;
      xs.forEach((x, k) => {
        const l = f.local('v128');
        const h = held[k];
        if (h) f.set(l, h);
        else if (used[k]) f.set(l, v128.load(i32.add(x, at)));
        values.push(l);
      });
      program.body.forEach((ins, j) => {
        if (ins.op === 'exp') {
          values.push(exp!(values[ins.args[0]]));
          return;
        }
        const l = f.local('v128');
        if (ins.op === 'const') f.set(l, constants[j]!);
        else {
          const a = ins.args.map((i) => values[i]);
          // where: cond != 0 (NaN counts as nonzero, −0 as zero, as in the JS loop)
          f.set(l, ins.op === 'where' ? pick(a[1], a[2], f32x4.ne(a[0], v128.zero()))
            : a.length === 1 ? UNARY[ins.op as UnaryOp]!(a[0]) : BINARY[ins.op as BinaryOp]!(a[0], a[1]));
        }
        values.push(l);
      });
      f.storeV128(i32.add(y, at), values[values.length - 1]);
    });
  });
  return new WebAssembly.Module(mb.toBytes() as BufferSource);
}
