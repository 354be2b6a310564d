/**
 * Fused elementwise programs: a small SSA expression over N broadcast inputs, evaluated by
 * `fusedElementwise` in one pass. A program is plain data (serializable, comparable by `key`):
 *
 *   { inputs: 2, body: [{ op: 'mul', args: [0, 1] }, { op: 'const', value: 2 }, { op: 'add', args: [2, 3] }] }
 *
 * Values 0..inputs−1 are the inputs; instruction k defines value inputs+k; the last instruction
 * is the result. Instructions are the primitive elementwise ops (UnaryOp, BinaryOp, where) with
 * the same semantics, plus numeric constants. Build programs with `fuse` (./builder.ts).
 */
import { argError } from '../errors.js';
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type UnaryOp } from '../kernels.js';

/**
 * One instruction of a fused program: a constant, or an elementwise op on earlier values (`args` are value indices).
 */
export type FusedInstruction =
  | {
    /** A constant. */
    readonly op: 'const';
    /** Its value. */
    readonly value: number;
  }
  | {
    /** A unary elementwise op. */
    readonly op: UnaryOp;
    /** The operand's value index. */
    readonly args: readonly [number];
  }
  | {
    /** A binary elementwise op. */
    readonly op: BinaryOp;
    /** The operands' value indices. */
    readonly args: readonly [number, number];
  }
  | {
    /** `cond != 0 ? a : b`. */
    readonly op: 'where';
    /** The value indices of cond, a and b. */
    readonly args: readonly [number, number, number];
  };

/** A straight-line elementwise program, the argument of the `fusedElementwise` kernel; build one with {@link fuse}. */
export interface FusedProgram {
  /** how many inputs the program reads (values 0..inputs−1) */
  readonly inputs: number;
  /** instruction k defines value `inputs + k`; the last one is the result */
  readonly body: readonly FusedInstruction[];
}

const UNARY = new Set<string>(UNARY_OPS);
const BINARY = new Set<string>(BINARY_OPS);

/** How many operands an instruction's op takes (0 for const, undefined for an unknown op). */
export function arityOf(op: string): number | undefined {
  if (op === 'const') return 0;
  if (op === 'where') return 3;
  if (UNARY.has(op)) return 1;
  if (BINARY.has(op)) return 2;
  return undefined;
}

/** Programs already checked, with their keys (programs are treated as immutable; `fuse` freezes them). */
const checked = new WeakMap<FusedProgram, string>();

/**
 * Throws a WnError naming `op`, the argument path, what was expected and what was found, unless
 * `program` is well formed. Returns the program's key.
 */
export function validateProgram(op: string, program: unknown): string {
  if (program && typeof program === 'object') {
    const known = checked.get(program as FusedProgram);
    if (known !== undefined) return known;
  }
  if (!program || typeof program !== 'object') throw argError(op, 'program', 'a FusedProgram { inputs, body }', typeof program);
  const p = program as { inputs?: unknown; body?: unknown };
  if (typeof p.inputs !== 'number' || !Number.isInteger(p.inputs) || p.inputs < 1) {
    throw argError(op, 'program.inputs', 'an integer ≥ 1', p.inputs);
  }
  if (!Array.isArray(p.body) || p.body.length === 0) {
    throw argError(op, 'program.body', 'a non-empty array of instructions', Array.isArray(p.body) ? '[]' : typeof p.body);
  }
  const inputs = p.inputs;
  p.body.forEach((ins: unknown, k: number) => {
    const at = `program.body[${k}]`;
    if (!ins || typeof ins !== 'object') throw argError(op, at, 'an instruction { op, args } or { op: \'const\', value }', typeof ins);
    const { op: name, args, value } = ins as { op?: unknown; args?: unknown; value?: unknown };
    const arity = typeof name === 'string' ? arityOf(name) : undefined;
    if (arity === undefined) throw argError(op, `${at}.op`, `'const', 'where', a UnaryOp or a BinaryOp`, name);
    if (arity === 0) {
      if (typeof value !== 'number') throw argError(op, `${at}.value`, 'a number', typeof value);
      return;
    }
    const defined = inputs + k;
    if (!Array.isArray(args) || args.length !== arity) {
      throw argError(op, `${at}.args`, `${arity} value ${arity === 1 ? 'index' : 'indices'} for '${String(name)}'`, args);
    }
    for (const a of args) {
      if (!Number.isInteger(a) || a < 0 || a >= defined) {
        throw argError(op, `${at}.args`, `value indices in [0, ${defined - 1}] (${inputs} inputs, then earlier instructions)`, args);
      }
    }
  });
  const key = computeKey(program as FusedProgram);
  checked.set(program as FusedProgram, key);
  return key;
}

/** A string that identifies the program (equal for equal programs); backends cache compiled code by it. */
export function keyOf(program: FusedProgram): string {
  // validated programs have theirs cached (backends ask on every call)
  return checked.get(program) ?? computeKey(program);
}

function computeKey(program: FusedProgram): string {
  const body = program.body.map((ins) => (ins.op === 'const' ? `#${numberKey(ins.value)}` : `${ins.op}(${ins.args.join(',')})`));
  return `${program.inputs}:${body.join(';')}`;
}

/** Distinguishes −0 from 0 (String(−0) is '0'). */
const numberKey = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));


/** Instructions whose result is piecewise constant in their operands (zero derivative almost everywhere). */
const STEP_OPS = new Set<string>(['equal', 'less', 'greater', 'sign', 'floor']);

const piecewiseConstant = new WeakMap<FusedProgram, boolean>();

/**
 * Whether the program's result has zero derivative with respect to every input almost everywhere
 * (a mask such as `where(x > 0, 1, slope)`): autograd's tape need not record it. Conservative:
 * `where` passes on its branches' derivatives (never the condition's); any other op its operands'.
 * Cached per program.
 */
export function isPiecewiseConstant(program: FusedProgram): boolean {
  let known = piecewiseConstant.get(program);
  if (known === undefined) piecewiseConstant.set(program, (known = analyze(program)));
  return known;
}

function analyze(program: FusedProgram): boolean {
  const flat: boolean[] = new Array<boolean>(program.inputs).fill(false);
  for (const ins of program.body) {
    if (ins.op === 'const' || STEP_OPS.has(ins.op)) flat.push(true);
    else if (ins.op === 'where') flat.push(flat[ins.args[1]] && flat[ins.args[2]]);
    else flat.push(ins.args.every((a) => flat[a]));
  }
  return flat[flat.length - 1];
}

/** The instructions `result` depends on, renumbered (dead code dropped; the result comes last). */
export function liveCode(code: readonly FusedInstruction[], inputs: number, result: number): FusedInstruction[] {
  const live = new Array<boolean>(inputs + code.length).fill(false);
  live[result] = true;
  for (let v = result; v >= inputs; v--) {
    const ins = code[v - inputs];
    if (live[v] && ins.op !== 'const') for (const a of ins.args) live[a] = true;
  }
  const renumber = new Map<number, number>();
  for (let i = 0; i < inputs; i++) renumber.set(i, i);
  const out: FusedInstruction[] = [];
  for (let v = inputs; v <= result; v++) {
    if (!live[v]) continue;
    const ins = code[v - inputs];
    renumber.set(v, inputs + out.length);
    out.push(ins.op === 'const' ? ins : ({ op: ins.op, args: ins.args.map((a) => renumber.get(a)!) } as unknown as FusedInstruction));
  }
  return out;
}
