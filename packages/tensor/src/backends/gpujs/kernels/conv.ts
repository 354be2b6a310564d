/**
 * 2-D convolution (NCHW, cross-correlation as in PyTorch) and its two gradients. Each is written
 * gather-style, one thread per output element, so no kernel needs atomic accumulation.
 */
import type { Conv2dAttrs, KernelInput } from '../../../kernels.js';
import { sizeOf, type Shape } from '../../../shape.js';
import { closeBlocks, kernelFunction, unravel } from '../codegen.js';
import type { GpujsRuntime, GpujsStorage } from '../runtime.js';

type In = KernelInput<GpujsStorage>;

/** Every size a convolution kernel needs, from the input, weight and output shapes. */
function geometry(x: Shape, w: Shape, y: Shape, a: Conv2dAttrs) {
  return {
    batch: x[0], inC: x[1], h: x[2], w: x[3], outC: w[0], kh: w[2], kw: w[3], oh: y[2], ow: y[3],
    sh: a.stride[0], sw: a.stride[1], padTop: a.pad[0], padLeft: a.pad[2], dh: a.dilation[0], dw: a.dilation[1],
  };
}

/**
 * Opens `if` blocks that define `target`, the output position whose window tap `tap` (times
 * dilation) lands on input position `pos`, when there is one; `blocks` says how many to close.
 */
function tapSource(target: string, pos: string, tap: string, pad: number, dilation: number, stride: number, limit: number) {
  const t = `${target}t`;
  const lines = [`const ${t} = ${pos} + ${pad} - ${tap} * ${dilation};`];
  if (stride === 1) {
    lines.push(`if (${t} >= 0 && ${t} < ${limit}) {`, `const ${target} = ${t};`);
    return { lines, blocks: 1 };
  }
  lines.push(
    `if (${t} >= 0) {`,
    `const ${target} = wnIdiv(${t}, ${stride});`,
    `if (${target} * ${stride} == ${t} && ${target} < ${limit}) {`,
  );
  return { lines, blocks: 2 };
}

export function conv2d(rt: GpujsRuntime, x: In, w: In, attrs: Conv2dAttrs, out: Shape): GpujsStorage {
  const g = geometry(x.shape, w.shape, out, attrs);
  const { lines, coords: [n, oc, oy, ox] } = unravel('this.thread.x', out, 'o');
  const source = kernelFunction(['x0', 'x1'], [
    ...lines,
    `const iy0 = ${oy} * ${g.sh} - ${g.padTop};`,
    `const ix0 = ${ox} * ${g.sw} - ${g.padLeft};`,
    `const xBase = ${n} * ${g.inC * g.h * g.w};`,
    `const wBase = ${oc} * ${g.inC * g.kh * g.kw};`,
    'let acc = 0;',
    `for (let c = 0; c < ${g.inC}; c++) {`,
    `  for (let ky = 0; ky < ${g.kh}; ky++) {`,
    `    const iy = iy0 + ky * ${g.dh};`,
    `    if (iy >= 0 && iy < ${g.h}) {`,
    `      for (let kx = 0; kx < ${g.kw}; kx++) {`,
    `        const ix = ix0 + kx * ${g.dw};`,
    `        if (ix >= 0 && ix < ${g.w}) {`,
    `          acc += x0[xBase + c * ${g.h * g.w} + iy * ${g.w} + ix] * x1[wBase + c * ${g.kh * g.kw} + ky * ${g.kw} + kx];`,
    '        }',
    '      }',
    '    }',
    '  }',
    '}',
    'return acc;',
  ]);
  return rt.run(source, sizeOf(out), [x, w]);
}

export function conv2dBackpropInput(rt: GpujsRuntime, dy: In, w: In, attrs: Conv2dAttrs, out: Shape): GpujsStorage {
  const g = geometry(out, w.shape, dy.shape, attrs);
  const { lines, coords: [n, c, iy, ix] } = unravel('this.thread.x', out, 'o');
  const rows = tapSource('oy', iy, 'ky', g.padTop, g.dh, g.sh, g.oh);
  const cols = tapSource('ox', ix, 'kx', g.padLeft, g.dw, g.sw, g.ow);
  const source = kernelFunction(['x0', 'x1'], [
    ...lines,
    'let acc = 0;',
    `for (let oc = 0; oc < ${g.outC}; oc++) {`,
    `for (let ky = 0; ky < ${g.kh}; ky++) {`,
    ...rows.lines,
    `for (let kx = 0; kx < ${g.kw}; kx++) {`,
    ...cols.lines,
    `acc += x0[((${n} * ${g.outC} + oc) * ${g.oh} + oy) * ${g.ow} + ox] * x1[((oc * ${g.inC} + ${c}) * ${g.kh} + ky) * ${g.kw} + kx];`,
    ...closeBlocks(cols.blocks + 1 + rows.blocks + 1 + 1),
    'return acc;',
  ]);
  return rt.run(source, sizeOf(out), [dy, w]);
}

export function conv2dBackpropFilter(rt: GpujsRuntime, x: In, dy: In, attrs: Conv2dAttrs, out: Shape): GpujsStorage {
  const g = geometry(x.shape, out, dy.shape, attrs);
  const { lines, coords: [oc, c, ky, kx] } = unravel('this.thread.x', out, 'o');
  const source = kernelFunction(['x0', 'x1'], [
    ...lines,
    'let acc = 0;',
    `for (let n = 0; n < ${g.batch}; n++) {`,
    `  for (let oy = 0; oy < ${g.oh}; oy++) {`,
    `    const iy = oy * ${g.sh} - ${g.padTop} + ${ky} * ${g.dh};`,
    `    if (iy >= 0 && iy < ${g.h}) {`,
    `      for (let ox = 0; ox < ${g.ow}; ox++) {`,
    `        const ix = ox * ${g.sw} - ${g.padLeft} + ${kx} * ${g.dw};`,
    `        if (ix >= 0 && ix < ${g.w}) {`,
    `          acc += x1[((n * ${g.outC} + ${oc}) * ${g.oh} + oy) * ${g.ow} + ox] * x0[((n * ${g.inC} + ${c}) * ${g.h} + iy) * ${g.w} + ix];`,
    '        }',
    '      }',
    '    }',
    '  }',
    '}',
    'return acc;',
  ]);
  return rt.run(source, sizeOf(out), [x, dy]);
}
