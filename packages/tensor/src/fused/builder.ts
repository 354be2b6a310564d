/**
 * `fuse`: writes a FusedProgram as ordinary-looking expressions.
 *
 *   const ema = fuse(3, ([prev, x, beta], k) => k.add(k.mul(prev, beta), k.mul(x, k.sub(1, beta))));
 *
 * Each builder call appends one instruction; numbers become (deduplicated) constants. Only the
 * instructions the result depends on are kept. The program is frozen, so it can be built once
 * at module level and reused (backends cache compiled code per distinct program).
 */
import { WnError } from '../errors.js';
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type UnaryOp } from '../kernels.js';
import { liveCode, validateProgram, type FusedInstruction, type FusedProgram } from './program.js';

/** A value inside a program being built (an input or an instruction's result). */
export class FusedValue {
  /** @internal */
  constructor(
    /** The value's position in the program: inputs first, then one value per instruction. */
    readonly index: number,
    /** @internal */ readonly owner: object,
  ) {}
}

/** A value, or a number (a constant). */
export type FusedOperand = FusedValue | number;

/**
 * The op set a {@link fuse} body builds with: every unary and binary elementwise op, `where`, and `constant`. Each
 * takes values (or numbers, which become constants) and returns the value of a new instruction.
 */
export type FusedBuilder = { readonly [K in UnaryOp]: (x: FusedOperand) => FusedValue } & {
  readonly [K in BinaryOp]: (a: FusedOperand, b: FusedOperand) => FusedValue;
} & {
  /** cond != 0 ? a : b */
  readonly where: (cond: FusedOperand, a: FusedOperand, b: FusedOperand) => FusedValue;
  /** The constant `value` as a program value (numbers passed to the ops become constants too). */
  readonly constant: (value: number) => FusedValue;
};

/** A tuple of N values (an array when N is not a literal). */
export type FusedInputs<N extends number, Acc extends FusedValue[] = []> = number extends N
  ? FusedValue[]
  : Acc['length'] extends N
    ? Acc
    : FusedInputs<N, [...Acc, FusedValue]>;

/**
 * Builds a fused elementwise program of `inputs` inputs from `body`, which receives the input values and the builder
 * and returns the result. Run it with `fusedElementwise(program, tensors)`: one pass over the broadcast inputs, no
 * intermediate tensors. Throws a `WnError` for a non-integer or non-positive `inputs`, or a value from another
 * program.
 */
export function fuse<N extends number>(inputs: N, body: (xs: FusedInputs<N>, k: FusedBuilder) => FusedOperand): FusedProgram {
  if (!Number.isInteger(inputs) || inputs < 1) throw new WnError('fuse', `argument 'inputs' expected an integer ≥ 1, got ${inputs}`);
  const owner = {};
  const code: FusedInstruction[] = [];
  const constants = new Map<string, FusedValue>();
  const emit = (ins: FusedInstruction) => {
    code.push(ins);
    return new FusedValue(inputs + code.length - 1, owner);
  };
  const constant = (value: number): FusedValue => {
    const key = Object.is(value, -0) ? '-0' : String(value);
    let v = constants.get(key);
    if (!v) constants.set(key, (v = emit({ op: 'const', value })));
    return v;
  };
  const ref = (x: FusedOperand): number => {
    if (typeof x === 'number') return constant(x).index;
    if (!(x instanceof FusedValue) || x.owner !== owner) throw new WnError('fuse', 'an operand is neither a number nor a value of this program');
    return x.index;
  };
  const k: Record<string, unknown> = { constant };
  for (const op of UNARY_OPS) k[op] = (x: FusedOperand) => emit({ op, args: [ref(x)] });
  for (const op of BINARY_OPS) k[op] = (a: FusedOperand, b: FusedOperand) => emit({ op, args: [ref(a), ref(b)] });
  k.where = (c: FusedOperand, a: FusedOperand, b: FusedOperand) => emit({ op: 'where', args: [ref(c), ref(a), ref(b)] });
  const xs = Array.from({ length: inputs }, (_, i) => new FusedValue(i, owner));
  const result = ref(body(xs as FusedInputs<N>, k as FusedBuilder));
  if (result < inputs) throw new WnError('fuse', `the result is input ${result} itself; a program must compute something`);
  const program = deepFreeze({ inputs, body: liveCode(code, inputs, result) });
  validateProgram('fuse', program);
  return program;
}

function deepFreeze<T extends FusedProgram>(p: T): T {
  for (const ins of p.body) {
    if (ins.op !== 'const') Object.freeze(ins.args);
    Object.freeze(ins);
  }
  Object.freeze(p.body);
  return Object.freeze(p);
}
