/**
 * 2-D max/avg pooling over NCHW and its gradient. Avg divides by the full window area (padded
 * cells count as zeros, PyTorch's count_include_pad=True); max ignores padded cells.
 */
import type { KernelInput, Pool2dAttrs } from '../../../kernels.js';
import { sizeOf, type Shape } from '../../../shape.js';
import { kernelFunction, unravel } from '../codegen.js';
import type { GpujsRuntime, GpujsStorage } from '../runtime.js';

type In = KernelInput<GpujsStorage>;

function geometry(x: Shape, y: Shape, a: Pool2dAttrs) {
  return {
    planes: x[0] * x[1], h: x[2], w: x[3], oh: y[2], ow: y[3], kh: a.kernel[0], kw: a.kernel[1],
    sh: a.stride[0], sw: a.stride[1], padTop: a.pad[0], padLeft: a.pad[2],
  };
}

/** Lines looping over the in-bounds cells (iy, ix) of the window at output (oy, ox). */
function windowLoop(g: ReturnType<typeof geometry>, oy: string, ox: string, inner: readonly string[], names = ['ky', 'kx', 'iy', 'ix']) {
  const [ky, kx, iy, ix] = names;
  return [
    `for (let ${ky} = 0; ${ky} < ${g.kh}; ${ky}++) {`,
    `  const ${iy} = ${oy} * ${g.sh} - ${g.padTop} + ${ky};`,
    `  if (${iy} >= 0 && ${iy} < ${g.h}) {`,
    `    for (let ${kx} = 0; ${kx} < ${g.kw}; ${kx}++) {`,
    `      const ${ix} = ${ox} * ${g.sw} - ${g.padLeft} + ${kx};`,
    `      if (${ix} >= 0 && ${ix} < ${g.w}) {`,
    ...inner.map((line) => `        ${line}`),
    '      }',
    '    }',
    '  }',
    '}',
  ];
}

export function pool2d(rt: GpujsRuntime, x: In, attrs: Pool2dAttrs, out: Shape): GpujsStorage {
  const g = geometry(x.shape, out, attrs);
  const { lines, coords: [p, oy, ox] } = unravel('this.thread.x', [g.planes, g.oh, g.ow], 'o');
  const load = `const v = x0[${p} * ${g.h * g.w} + iy * ${g.w} + ix];`;
  const body = attrs.mode === 'max'
    ? ['let acc = -wnInf();', ...windowLoop(g, oy, ox, [load, 'if (v > acc || wnIsNan(v) > 0) { acc = v; }']), 'return acc;']
    : ['let acc = 0;', ...windowLoop(g, oy, ox, [load, 'acc += v;']), `return acc / ${g.kh * g.kw};`];
  return rt.run(kernelFunction(['x0'], [...lines, ...body]), sizeOf(out), [x]);
}

/**
 * One thread per input cell, summing the gradient of every window that covers it. For max, a
 * window's gradient goes to its first maximum, so each covering window is rescanned to find it.
 */
export function pool2dBackward(rt: GpujsRuntime, dy: In, x: In, attrs: Pool2dAttrs, out: Shape): GpujsStorage {
  const g = geometry(out, dy.shape, attrs);
  const { lines, coords: [p, iy, ix] } = unravel('this.thread.x', [g.planes, g.h, g.w], 'i');
  const gradient = `x0[${p} * ${g.oh * g.ow} + oy * ${g.ow} + ox]`;
  const perWindow = attrs.mode === 'max'
    ? [
      'let found = 0;',
      'let best = 0;',
      'let bestY = -1;',
      'let bestX = -1;',
      ...windowLoop(g, 'oy', 'ox', [
        `const v = x1[${p} * ${g.h * g.w} + wy * ${g.w} + wx];`,
        'if (found == 0 || v > best) { found = 1; best = v; bestY = wy; bestX = wx; }',
      ], ['qy', 'qx', 'wy', 'wx']),
      `if (bestY == ${iy} && bestX == ${ix}) { acc += ${gradient}; }`,
    ]
    : [`acc += ${gradient} / ${g.kh * g.kw};`];
  const body = [
    'let acc = 0;',
    `for (let ky = 0; ky < ${g.kh}; ky++) {`,
    `  const oyt = ${iy} + ${g.padTop} - ky;`,
    `  const oy = wnIdiv(oyt, ${g.sh});`,
    `  if (oyt >= 0 && oy * ${g.sh} == oyt && oy < ${g.oh}) {`,
    `    for (let kx = 0; kx < ${g.kw}; kx++) {`,
    `      const oxt = ${ix} + ${g.padLeft} - kx;`,
    `      const ox = wnIdiv(oxt, ${g.sw});`,
    `      if (oxt >= 0 && ox * ${g.sw} == oxt && ox < ${g.ow}) {`,
    ...perWindow.map((line) => `        ${line}`),
    '      }',
    '    }',
    '  }',
    '}',
    'return acc;',
  ];
  return rt.run(kernelFunction(['x0', 'x1'], [...lines, ...body]), sizeOf(out), [dy, x]);
}
