/**
 * The conformance suite must fail a broken backend. Each mutant below is the reference backend
 * with one kernel subtly wrong (an error just above the tolerance, or a wrong convention), and
 * the cases exercising that kernel must reject it while unrelated cases still pass.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CASES, checkCase } from '@wn/tooling/conformance';
import * as wn from '../src/index.js';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS, createReferenceBackend, createReferenceKernels, onOp, registerBackend, type Kernels } from '../src/index.js';
import type { HostArray } from '../src/backends/reference/index.js';

function mutant(name: string, override: (k: Kernels<HostArray>) => Partial<Kernels<HostArray>>): string {
  registerBackend(name, () => {
    const base = createReferenceBackend();
    const k = base.kernels as Kernels<HostArray>;
    return { ...base, name, kernels: { ...k, ...override(k) } };
  });
  return name;
}

/** Moves every value by `tol` times its tolerance scale max(1, |v|), i.e. just past the allowance when tol > the class tolerance. */
const perturb = (d: HostArray, tol: number): HostArray => d.map((v) => v + tol * Math.max(1, Math.abs(v))) as HostArray;

const MUTANTS: { backend: string; rejects: RegExp; what: string }[] = [
  {
    what: 'matmul off by 2e-4·max(1, |v|) (2× the reduction tolerance)',
    backend: mutant('mutant-matmul-2e-4', (k) => ({ matmul: (a, b, ta, tb, out) => perturb(k.matmul(a, b, ta, tb, out), 2e-4) })),
    rejects: /^matmul\//,
  },
  {
    what: 'exp off by 2e-5·max(1, |v|) (2× the elementwise tolerance)',
    backend: mutant('mutant-exp-2e-5', (k) => ({ unary: (op, x, out) => (op === 'exp' ? perturb(k.unary(op, x, out), 2e-5) : k.unary(op, x, out)) })),
    rejects: /^unary\/exp \[5,7\]$/,
  },
  {
    what: "conv2d padding taken as symmetric (bottom/right used for top/left, as a naive 'same' would)",
    backend: mutant('mutant-conv-sym-pad', (k) => ({
      conv2d: (x, w, a, out) => k.conv2d(x, w, { ...a, pad: [a.pad[1], a.pad[1], a.pad[3], a.pad[3]] }, out),
    })),
    rejects: /^conv2d\/('same' stride 2 even input|'same' even kernel|explicit asymmetric)/,
  },
  {
    what: 'conv2d filter gradient with the dilation ignored',
    backend: mutant('mutant-conv-filter-dilation', (k) => ({
      conv2dBackpropFilter: (x, dy, a, out) => k.conv2dBackpropFilter(x, dy, { ...a, dilation: [1, 1] }, out),
    })),
    rejects: /^conv2d\/dilation 2 x/,
  },
  {
    what: 'argmax returning the last of tied maxima',
    backend: mutant('mutant-argmax-last', (k) => ({
      argmax: (x, axis, out) => {
        const flipped = k.transpose(x, x.shape.map((_, i) => i), x.shape); // copy
        const len = x.shape[axis];
        const idx = k.argmax({ data: reverseAxis(flipped, x.shape, axis), shape: x.shape }, axis, out);
        return idx.map((i) => len - 1 - i) as HostArray;
      },
    })),
    rejects: /^reduce\/argmax axes -1, 0, keepDims, ties take the first$/,
  },
  {
    what: 'max pooling that lets padded cells (value 0) win',
    backend: mutant('mutant-maxpool-pad-zero', (k) => ({
      pool2d: (x, a, out) => {
        if (a.mode !== 'max' || a.pad.every((p) => p === 0)) return k.pool2d(x, a, out);
        const [n, c, h, w] = x.shape;
        const padded = k.pad(x, [0, 0, a.pad[0], a.pad[2]], [0, 0, a.pad[1], a.pad[3]], 0, [n, c, h + a.pad[0] + a.pad[1], w + a.pad[2] + a.pad[3]]);
        return k.pool2d({ data: padded, shape: [n, c, h + a.pad[0] + a.pad[1], w + a.pad[2] + a.pad[3]] }, { ...a, pad: [0, 0, 0, 0] }, out);
      },
    })),
    rejects: /^pool\/maxPool2d .*all-negative/,
  },
  {
    what: 'scatterAdd that overwrites instead of accumulating repeated indices',
    backend: mutant('mutant-scatter-overwrite', () => ({
      scatterAdd: (u, idx, axis, out) => {
        const size = out.reduce((s, d) => s * d, 1);
        const y = new Float32Array(size);
        const inner = out.slice(axis + 1).reduce((s, d) => s * d, 1);
        const outer = out.slice(0, axis).reduce((s, d) => s * d, 1);
        const k = idx.data.length;
        for (let o = 0; o < outer; o++)
          for (let j = 0; j < k; j++)
            for (let i = 0; i < inner; i++) y[(o * out[axis] + idx.data[j]) * inner + i] = u.data[(o * k + j) * inner + i];
        return y;
      },
    })),
    rejects: /^scatterAdd\/axis 0 with repeats$/,
  },
];

function reverseAxis(d: HostArray, shape: readonly number[], axis: number): HostArray {
  const inner = shape.slice(axis + 1).reduce((s, v) => s * v, 1);
  const len = shape[axis];
  const out = d.slice() as HostArray;
  for (let o = 0; o < d.length / (len * inner); o++)
    for (let k = 0; k < len; k++)
      for (let i = 0; i < inner; i++) out[(o * len + k) * inner + i] = d[(o * len + (len - 1 - k)) * inner + i];
  return out;
}

describe('the conformance suite rejects broken backends', () => {
  for (const m of MUTANTS) {
    it(m.what, () => {
      const targeted = CONFORMANCE_CASES.filter((c) => m.rejects.test(c.name));
      expect(targeted.length, `cases matching ${m.rejects}`).toBeGreaterThan(0);
      for (const c of targeted) expect(() => checkCase(m.backend, c), c.name).toThrow();
      // and it is the mutation that fails them: an unrelated case still passes on the mutant
      const control = CONFORMANCE_CASES.find((c) => c.name === 'binary/add [3,4]·[3,4] (same shape)')!;
      expect(() => checkCase(m.backend, control)).not.toThrow();
    });
  }
});

/** Public functions of @wn/tensor that are not ops a backend computes (creation, RNG, helpers). */
const NOT_OPS = new Set([
  'tensor', 'scalar', 'fuse', 'fusedProgramKey', 'validateFusedProgram', 'fusedLiveCode', 'isPiecewiseConstantProgram', 'fusedValues', 'full', 'zeros', 'ones', 'zerosLike', 'onesLike', 'arange', 'toBackend', 'randn', 'rand', 'bernoulli',
  'randomBits', 'uniform01', 'deriveSeed', 'argError', 'formatValue', 'assertFinite', 'conv2dAttrs', 'conv2dOutputShape', 'tidy', 'keep', 'dispose', 'setBackend',
  'getBackend', 'withBackend', 'registerBackend', 'memory', 'onOp', 'broadcastShapes', 'normalizeAxes', 'normalizeAxis',
  'shapesEqual', 'sizeOf', 'stridesOf', 'createReferenceBackend', 'createReferenceKernels', 'createWasmBackend',
  // the kernels behind gradients: every conv2d / pooling case differentiates through them
  'conv2dWithAttrs', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'pool2dBackward',
  // weight norm's gradient kernel: every weightNormalize case differentiates through it
  'weightNormalizeBackward',
  // batch norm's gradient kernel: every batchNormalize case differentiates through it
  'batchNormalizeBackward',
  // the LSTM cell's gradient kernels: every lstm case differentiates through them
  'lstmCellStateBackward', 'lstmCellOutputBackward',
  // the filterbank's gradient kernel: every gaussianFilterbank case differentiates through it
  'gaussianFilterbankBackward',
]);

describe('the conformance suite covers the whole op surface', () => {
  it('has a case calling every public op of @wn/tensor', () => {
    // the case table's code, without its import list, comments and string literals (case names)
    const source = readFileSync(new URL('../../../tooling/src/conformance/cases.ts', import.meta.url), 'utf8')
      .replace(/^import[^;]*;/gm, '')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
      .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "''");
    const ops = Object.entries(wn)
      .filter(([name, v]) => typeof v === 'function' && /^[a-z]/.test(name) && !NOT_OPS.has(name))
      .map(([name]) => name);
    expect(ops.length).toBeGreaterThan(50);
    const uncovered = ops.filter((name) => !new RegExp(`\\b${name}\\b`).test(source));
    expect(uncovered, 'public ops without a conformance case').toEqual([]);
  });

  it('exercises every primitive kernel and every unary, binary and reduce variant', () => {
    const seen = new Set<string>();
    const off = onOp((r) => {
      seen.add(r.op);
      if (r.op === 'unary' || r.op === 'binary' || r.op === 'reduce') seen.add(`${r.op}:${(r.attrs as { op: string }).op}`);
    });
    try {
      for (const c of CONFORMANCE_CASES) checkCase('reference', c);
    } finally {
      off();
    }
    const kernels = Object.keys(createReferenceKernels((n) => new Float64Array(n)));
    const expected = [
      ...kernels,
      ...UNARY_OPS.map((o) => `unary:${o}`),
      ...BINARY_OPS.map((o) => `binary:${o}`),
      ...REDUCE_OPS.map((o) => `reduce:${o}`),
    ];
    expect(expected.filter((k) => !seen.has(k)), 'kernels no case reaches').toEqual([]);
  });
});
