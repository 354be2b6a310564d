/**
 * One-pass gradients of fused elementwise ops: for a program P(x₀, …) and an input k, the
 * program dP/dx_k · dy — P's instructions, then the chain rule walked backwards with each
 * instruction's primitive rule (rules.ts) written as fused instructions — runs as one more
 * fused op over (x₀, …, dy) instead of one op (and one tensor) per instruction and rule.
 *
 * It applies where every input that needs a gradient has the output's shape: then every value on
 * a gradient path has that shape too, no rule sums over a broadcast axis, and each instruction
 * rounds as the primitive op does, so the gradient equals the decomposition's (fused-rule.ts)
 * bit for bit on backends whose fused kernel rounds like the primitives.
 */
import { fusedLiveCode, validateFusedProgram, type FusedInstruction, type FusedProgram } from '@wn/tensor';

/** A program under construction: instructions after `inputs` inputs; constants shared. */
class Emitter {
  readonly body: FusedInstruction[] = [];
  private readonly constants = new Map<string, number>();
  constructor(readonly inputs: number) {}

  emit(ins: FusedInstruction): number {
    this.body.push(ins);
    return this.inputs + this.body.length - 1;
  }
  constant(value: number): number {
    const key = Object.is(value, -0) ? '-0' : String(value);
    let v = this.constants.get(key);
    if (v === undefined) this.constants.set(key, (v = this.emit({ op: 'const', value })));
    return v;
  }
  op(op: string, ...args: number[]): number {
    return this.emit({ op, args } as unknown as FusedInstruction);
  }
}

/**
 * The gradient of each instruction kind with respect to its operands, as fused instructions:
 * given the incoming gradient `g`, the operands and the instruction's value `y`, the index of
 * each operand's gradient (undefined: none). Mirrors GRAD_RULES' unary/binary/where formulas
 * operation for operation, so the roundings are the same.
 */
function instructionGradients(e: Emitter, op: string, args: readonly number[], y: number, g: number, needs: readonly boolean[]): (number | undefined)[] {
  const [a, b] = args;
  const mul = (p: number, q: number) => e.op('mul', p, q);
  const one = (make: () => number) => [needs[0] ? make() : undefined];
  const both = (ga: () => number, gb: () => number) => [needs[0] ? ga() : undefined, needs[1] ? gb() : undefined];
  switch (op) {
    case 'neg': return one(() => e.op('neg', g));
    case 'exp': return one(() => mul(g, y));
    case 'log': return one(() => e.op('div', g, a));
    case 'sqrt': return one(() => e.op('div', g, mul(y, e.constant(2))));
    case 'abs': return one(() => mul(g, e.op('sign', a)));
    case 'tanh': return one(() => mul(g, e.op('sub', e.constant(1), mul(y, y))));
    case 'sigmoid': return one(() => mul(g, mul(y, e.op('sub', e.constant(1), y))));
    case 'reciprocal': return one(() => e.op('neg', mul(g, mul(y, y))));
    case 'sin': return one(() => mul(g, e.op('cos', a)));
    case 'cos': return one(() => e.op('neg', mul(g, e.op('sin', a))));
    case 'sign':
    case 'floor':
    case 'equal':
    case 'less':
    case 'greater': return [];
    case 'add': return both(() => g, () => g);
    case 'sub': return both(() => g, () => e.op('neg', g));
    case 'mul': return both(() => mul(g, b), () => mul(g, a));
    case 'div': return both(() => e.op('div', g, b), () => e.op('neg', e.op('div', mul(g, a), mul(b, b))));
    case 'pow': return both(
      () => mul(g, mul(b, e.op('pow', a, e.op('sub', b, e.constant(1))))),
      () => mul(g, e.op('where', e.op('equal', a, e.constant(0)), e.constant(0), mul(y, e.op('log', a)))),
    );
    case 'maximum':
    case 'minimum': {
      const wins = e.op(op === 'maximum' ? 'greater' : 'less', a, b);
      const share = e.op('add', wins, mul(e.op('equal', a, b), e.constant(0.5)));
      return both(() => mul(g, share), () => mul(g, e.op('sub', e.constant(1), share)));
    }
    case 'where': return [undefined, needs[1] ? e.op('where', a, g, e.constant(0)) : undefined, needs[2] ? e.op('where', a, e.constant(0), g) : undefined];
    default: throw new Error(`fused gradient: no rule for instruction '${op}'`);
  }
}

/**
 * The gradient program of `program` for input `k` (inputs: the program's, then dy), or 'dy' when
 * the gradient is dy itself, or 'zero' when no path leads from input k to the result.
 */
export type VjpProgram = FusedProgram | 'dy' | 'zero';

function build(program: FusedProgram, k: number): VjpProgram {
  const n = program.inputs;
  const e = new Emitter(n + 1);
  const dy = n;
  // the forward instructions, renumbered past dy
  const at = (v: number) => (v < n ? v : v + 1);
  const value: number[] = Array.from({ length: n }, (_, i) => i);
  for (const ins of program.body) value.push(ins.op === 'const' ? e.constant(ins.value) : e.op(ins.op, ...ins.args.map(at)));
  // values that depend on input k
  const needed = Array.from({ length: n }, (_, i) => i === k);
  for (const ins of program.body) needed.push(ins.op !== 'const' && ins.args.some((a) => needed[a]));
  const result = n + program.body.length - 1;
  const grads = new Map<number, number>([[result, dy]]);
  for (let v = result; v >= n; v--) {
    const g = grads.get(v);
    const ins = program.body[v - n];
    if (g === undefined || ins.op === 'const' || !needed[v]) continue;
    const argGrads = instructionGradients(e, ins.op, ins.args.map((a) => value[a]), value[v], g, ins.args.map((a) => needed[a]));
    ins.args.forEach((a, j) => {
      const ga = argGrads[j];
      if (ga === undefined || !needed[a]) return;
      const prev = grads.get(a);
      grads.set(a, prev === undefined ? ga : e.op('add', prev, ga));
    });
  }
  const out = grads.get(k);
  if (out === undefined) return 'zero';
  if (out === dy) return 'dy';
  const vjp = { inputs: n + 1, body: fusedLiveCode(e.body, n + 1, out) };
  validateFusedProgram('fusedGradient', vjp);
  return vjp;
}

const cache = new WeakMap<FusedProgram, Map<number, VjpProgram>>();

/** The gradient program of `program` for input `k` (built once per program and input). */
export function vjpProgram(program: FusedProgram, k: number): VjpProgram {
  let perInput = cache.get(program);
  if (!perInput) cache.set(program, (perInput = new Map()));
  let p = perInput.get(k);
  if (p === undefined) perInput.set(k, (p = build(program, k)));
  return p;
}
