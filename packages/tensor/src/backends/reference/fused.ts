/**
 * The reference fused elementwise kernel: an interpreter over the program per element, with the
 * primitive kernels' functions and a rounding to the backend's precision after every instruction
 * (what storing each intermediate in a Float32Array does), so its results equal the decomposition.
 */
import type { BinaryOp, KernelInput, OptionalKernels, UnaryOp } from '../../kernels.js';
import { broadcastStrides, sizeOf } from '../../shape.js';
import { forEachBroadcast } from './broadcast.js';
import { binaryFns, unaryFns } from './elementwise.js';
import type { HostArray } from './index.js';

const exact = (x: number): number => x;

export function createFusedKernel(alloc: (n: number) => HostArray): OptionalKernels<HostArray>['fusedElementwise'] {
  const round = alloc(0) instanceof Float32Array ? Math.fround : exact;
  return (program, inputs: readonly KernelInput<HostArray>[], out) => {
    const y = alloc(sizeOf(out));
    const { body } = program;
    const first = program.inputs;
    const values = new Float64Array(first + body.length);
    // constants are stored once, rounded as uploading them would
    body.forEach((ins, k) => {
      if (ins.op === 'const') values[first + k] = round(ins.value);
    });
    const result = first + body.length - 1;
    forEachBroadcast(out, inputs.map((t) => broadcastStrides(t.shape, out)), (i, offs) => {
      for (let k = 0; k < first; k++) values[k] = inputs[k].data[offs[k]];
      for (let k = 0; k < body.length; k++) {
        const ins = body[k];
        if (ins.op === 'const') continue;
        const a: readonly number[] = ins.args;
        let v: number;
        if (ins.op === 'where') v = values[a[0]] !== 0 ? values[a[1]] : values[a[2]];
        else if (a.length === 1) v = unaryFns[ins.op as UnaryOp](values[a[0]]);
        else v = binaryFns[ins.op as BinaryOp](values[a[0]], values[a[1]]);
        values[first + k] = round(v);
      }
      y[i] = values[result];
    });
    return y;
  };
}
