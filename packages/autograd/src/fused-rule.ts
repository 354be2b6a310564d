/**
 * The gradient of a fused elementwise op, by decomposition: the program is re-run as primitive
 * ops (keeping every value), then walked backwards applying each instruction's own primitive
 * rule, so a fused op differentiates exactly like the ops it replaces. Only instructions on a path
 * from a needed input to the result are differentiated. Where every needed input has the output's
 * shape, each input's gradient is instead one fused op (fused-vjp.ts) with the same result.
 */
import { add, fusedElementwise, fusedValues, tidy, zeros, type OpName, type OpRecord, type Tensor } from '@wn/tensor';
import { vjpProgram } from './fused-vjp.js';
import type { GradRule } from './rules.js';
import { unbroadcast } from './unbroadcast.js';

type ElementwiseRules = { readonly [K in 'unary' | 'binary' | 'where']: GradRule<K> };

export function fusedGradient(
  dy: Tensor,
  { attrs: { program }, inputs, output }: OpRecord<'fusedElementwise'>,
  needs: readonly boolean[],
  rules: ElementwiseRules,
): (Tensor | null)[] {
  const first = program.inputs;
  const body = program.body;
  // which values depend on a needed input
  const needed = [...needs];
  for (const ins of body) needed.push(ins.op !== 'const' && ins.args.some((a) => needed[a]));
  if (!needed[needed.length - 1]) return inputs.map(() => null);
  // every needed input of the output's shape: one fused pass per input (fused-vjp.ts), the same bits
  const full = (t: Tensor) => t.shape.length === output.shape.length && t.shape.every((d, i) => d === output.shape[i]);
  if (full(dy) && inputs.every((x, k) => !needs[k] || full(x))) {
    return inputs.map((x, k) => {
      if (!needs[k]) return null;
      const p = vjpProgram(program, k);
      return p === 'zero' ? zeros(x.shape) : p === 'dy' ? dy : fusedElementwise(p, [...inputs, dy]);
    });
  }
  return tidy(() => {
    const values = fusedValues(program, inputs);
    const grads = new Map<number, Tensor>();
    const result = values.length - 1;
    grads.set(result, unbroadcast(dy, values[result].shape));
    for (let v = result; v >= first; v--) {
      const g = grads.get(v);
      const ins = body[v - first];
      if (!g || ins.op === 'const' || !needed[v]) continue;
      const args = ins.args.map((a) => values[a]);
      const argNeeds = ins.args.map((a) => needed[a]);
      const kind = ins.op === 'where' ? 'where' : args.length === 1 ? 'unary' : 'binary';
      const record = { op: kind, inputs: args, attrs: kind === 'where' ? {} : { op: ins.op }, output: values[v] };
      const argGrads = (rules[kind] as GradRule<OpName>)(g, record as OpRecord<OpName>, argNeeds);
      ins.args.forEach((a, j) => {
        const ga = argGrads[j];
        if (!ga || !needed[a]) return;
        const prev = grads.get(a);
        grads.set(a, prev ? add(prev, ga) : ga);
      });
    }
    // a tensor passed as two inputs gets one gradient per position; backward sums them
    return inputs.map((x, k) => (needs[k] ? grads.get(k) ?? zeros(x.shape) : null));
  });
}
