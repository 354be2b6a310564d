/**
 * The shape of one conv2d call, as both sides see it: JS fills a `ConvGeometry`, writes it into
 * linear memory as i32 fields (`CONV_FIELDS` order), and the wasm kernels read it back.
 */
import type { Conv2dAttrs } from '../../kernels.js';
import type { Shape } from '../../shape.js';

export const CONV_FIELDS = [
  'batch', 'inC', 'inH', 'inW', 'outC', 'kH', 'kW', 'outH', 'outW',
  'strideH', 'strideW', 'padTop', 'padBottom', 'padLeft', 'padRight', 'dilH', 'dilW',
  /** padded input height and width */
  'padH', 'padW',
  /** the GEMM shared dimension inC * kH * kW (rows of the im2col matrix) */
  'patch',
  /** outH * outW (columns of the im2col matrix of one image) */
  'pixels',
] as const;
export type ConvField = (typeof CONV_FIELDS)[number];
export type ConvGeometry = Record<ConvField, number>;

export const CONV_GEOMETRY_BYTES = 4 * CONV_FIELDS.length;

/** Byte offset of a field inside the descriptor. */
export function convFieldOffset(field: ConvField): number {
  return 4 * CONV_FIELDS.indexOf(field);
}

/** Geometry from NCHW input shape, [outC, inC, kH, kW] weight shape and NCHW output shape. */
export function convGeometry(x: Shape, w: Shape, attrs: Conv2dAttrs, y: Shape): ConvGeometry {
  const [batch, inC, inH, inW] = x;
  const [outC, , kH, kW] = w;
  const [, , outH, outW] = y;
  const [padTop, padBottom, padLeft, padRight] = attrs.pad;
  return {
    batch, inC, inH, inW, outC, kH, kW, outH, outW,
    strideH: attrs.stride[0], strideW: attrs.stride[1],
    padTop, padBottom, padLeft, padRight,
    dilH: attrs.dilation[0], dilW: attrs.dilation[1],
    padH: inH + padTop + padBottom,
    padW: inW + padLeft + padRight,
    patch: inC * kH * kW,
    pixels: outH * outW,
  };
}

export function writeConvGeometry(heap: Int32Array, byteOffset: number, g: ConvGeometry): void {
  CONV_FIELDS.forEach((field, i) => {
    heap[byteOffset / 4 + i] = g[field];
  });
}

export function isPadded(g: ConvGeometry): boolean {
  return g.padTop + g.padBottom + g.padLeft + g.padRight > 0;
}
