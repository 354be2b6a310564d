/**
 * conv2d and its two gradients as GEMMs over im2col panels, in generated WebAssembly.
 *
 * For one NCHW image, with patch = inC*kH*kW and pixels = outH*outW:
 *   forward          y[oc, p]       = W[oc, patch] . col[patch, p]
 *   backprop input   dcol[patch, p] = W^T[patch, oc] . dy[oc, p], then col2im adds dcol into dx
 *   backprop filter  dW[oc, patch] += dy[oc, p] . col^T[p, patch]
 *
 * col is never materialized: `packIm2col` / `packIm2colT` gather straight from the (zero-padded)
 * image into the packed B panels the GEMM micro-kernel reads, and backprop input only holds a
 * patch x few-hundred-pixel block of dcol at a time. The weight operand is packed once per call
 * (`packAAll`) and shared by all images and threads. Each `conv*` entry point handles a range of
 * images [n0, n1) with its own scratch, which is how work is split across threads.
 */
import { convFieldOffset, CONV_FIELDS, type ConvField } from './conv-geometry.js';
import { f32, f32x4, i32, i32x4, v128, type FunctionBuilder, type FunctionRef, type Local, type ModuleBuilder, type Operand } from './emitter.js';
import { kBlock, normalizeGemmConfig, type GemmConfig, type GemmFunctions } from './gemm-kernels.js';

export interface ConvConfig {
  /** pixel columns per packed B block in forward and backprop filter */
  readonly convNc: number;
  /** pixel columns per dcol block in backprop input (the block is patch x col2imNc floats) */
  readonly col2imNc: number;
}

export const DEFAULT_CONV_CONFIG: ConvConfig = { convNc: 256, col2imNc: 128 };

export interface ConvFunctions {
  /** (a, rowStride, colStride, m, k, dst): A packed as consecutive KC-blocks of MR-row panels */
  readonly packAAll: FunctionRef;
  /** (desc, x, packedW, y, n0, n1, xp, pb, tile) */
  readonly convForward: FunctionRef;
  /** (desc, dy, packedWT, dx, n0, n1, dxp, pb, dcol, tile) */
  readonly convBackpropInput: FunctionRef;
  /** (desc, x, dy, dw, n0, n1, accumulate, xp, pa, pb, tile) */
  readonly convBackpropFilter: FunctionRef;
  /** (dst, src, count): dst[i] += src[i] */
  readonly addInto: FunctionRef;
}

const I32 = 'i32' as const;

type Geometry = Record<ConvField, Local>;

/** Reads every descriptor field into a local. */
function loadGeometry(f: FunctionBuilder, desc: Local): Geometry {
  const g = {} as Geometry;
  for (const field of CONV_FIELDS) {
    g[field] = f.local(I32);
    f.set(g[field], i32.load(desc, convFieldOffset(field)));
  }
  return g;
}

function roundUp(x: Operand, step: number) {
  return i32.mul(i32.divS(i32.add(x, step - 1), step), step);
}

/**
 * Walks the patch index k = (c, ky, kx) in im2col row order while keeping `offset`, the byte
 * offset of that tap inside a padded image, up to date without divisions.
 */
class PatchWalker {
  readonly offset: Local;
  private readonly kx: Local;
  private readonly ky: Local;
  private readonly tapStep: Local;
  private readonly rowWrap: Local;
  private readonly planeWrap: Local;

  constructor(private readonly f: FunctionBuilder, private readonly g: Geometry) {
    this.offset = f.local(I32);
    this.kx = f.local(I32);
    this.ky = f.local(I32);
    this.tapStep = f.local(I32);
    this.rowWrap = f.local(I32);
    this.planeWrap = f.local(I32);
    const rowStep = i32.mul(i32.mul(g.dilH, g.padW), 4);
    f.set(this.tapStep, i32.shl(g.dilW, 2));
    f.set(this.rowWrap, i32.sub(rowStep, i32.mul(g.kW, this.tapStep)));
    f.set(this.planeWrap, i32.sub(i32.mul(i32.mul(g.padH, g.padW), 4), i32.mul(g.kH, rowStep)));
  }

  /** Positions the walker at patch index k. */
  seek(k: Operand): void {
    const { f, g } = this;
    const c = f.local(I32), r = f.local(I32), taps = i32.mul(g.kH, g.kW);
    f.set(c, i32.divS(k, taps));
    f.set(r, i32.sub(k, i32.mul(c, taps)));
    f.set(this.ky, i32.divS(r, g.kW));
    f.set(this.kx, i32.sub(r, i32.mul(this.ky, g.kW)));
    f.set(
      this.offset,
      i32.shl(i32.add(i32.mul(c, i32.mul(g.padH, g.padW)), i32.add(i32.mul(this.ky, i32.mul(g.dilH, g.padW)), i32.mul(this.kx, g.dilW))), 2),
    );
  }

  next(): void {
    const { f, g } = this;
    f.inc(this.kx, 1);
    f.inc(this.offset, this.tapStep);
    f.if(i32.eq(this.kx, g.kW), () => {
      f.set(this.kx, 0);
      f.inc(this.offset, this.rowWrap);
      f.inc(this.ky, 1);
      f.if(i32.eq(this.ky, g.kH), () => {
        f.set(this.ky, 0);
        f.inc(this.offset, this.planeWrap);
      });
    });
  }
}

/** Transposes the 4x4 f32 block held in rows[0..3] in place (tmp: four scratch locals). */
function transpose4x4(f: FunctionBuilder, rows: Local[], tmp: Local[]): void {
  f.set(tmp[0], v128.shuffle32(rows[0], rows[1], [0, 4, 1, 5]));
  f.set(tmp[1], v128.shuffle32(rows[0], rows[1], [2, 6, 3, 7]));
  f.set(tmp[2], v128.shuffle32(rows[2], rows[3], [0, 4, 1, 5]));
  f.set(tmp[3], v128.shuffle32(rows[2], rows[3], [2, 6, 3, 7]));
  f.set(rows[0], v128.shuffle32(tmp[0], tmp[2], [0, 1, 4, 5]));
  f.set(rows[1], v128.shuffle32(tmp[0], tmp[2], [2, 3, 6, 7]));
  f.set(rows[2], v128.shuffle32(tmp[1], tmp[3], [0, 1, 4, 5]));
  f.set(rows[3], v128.shuffle32(tmp[1], tmp[3], [2, 3, 6, 7]));
}

/** Byte offset of output pixel (oy, ox)'s window origin inside a padded image. */
function pixelOrigin(g: Geometry, oy: Operand, ox: Operand) {
  return i32.shl(i32.add(i32.mul(i32.mul(oy, g.strideH), g.padW), i32.mul(ox, g.strideW)), 2);
}

export function addConvFunctions(mb: ModuleBuilder, gemmConfig: GemmConfig, gemm: GemmFunctions, cfg: ConvConfig): ConvFunctions {
  const { mr, nr, kc: KC } = normalizeGemmConfig(gemmConfig);
  const nv = nr / 4;
  const convNc = Math.max(nr, Math.floor(cfg.convNc / nr) * nr);
  const col2imNc = Math.max(4, Math.floor(cfg.col2imNc / 4) * 4);

  const packAAll = mb.func('packAAll', [I32, I32, I32, I32, I32, I32], (f, a, rs, cs, m, k, dst) => {
    const pc = f.local(I32), mPad = f.local(I32), kb = f.local(I32);
    f.set(mPad, roundUp(m, mr));
    f.set(kb, kBlock(k, KC));
    f.for(pc, 0, k, kb, () => {
      f.call(gemm.packA, [i32.add(a, i32.shl(i32.mul(pc, cs), 2)), rs, cs, m, i32.minS(kb, i32.sub(k, pc)), i32.add(dst, i32.shl(i32.mul(mPad, pc), 2))]);
    });
  });

  const addInto = mb.func('addInto', [I32, I32, I32], (f, dst, src, count) => {
    const end = f.local(I32), vecEnd = f.local(I32);
    f.set(end, i32.add(dst, i32.shl(count, 2)));
    f.set(vecEnd, i32.sub(end, 12));
    f.if(i32.ltS(dst, vecEnd), () =>
      f.doWhile(
        () => {
          f.storeV128(dst, f32x4.add(v128.load(dst), v128.load(src)));
          f.inc(dst, 16);
          f.inc(src, 16);
        },
        () => i32.ltS(dst, vecEnd),
      ),
    );
    f.if(i32.ltS(dst, end), () =>
      f.doWhile(
        () => {
          f.storeF32(dst, f32.add(f32.load(dst), f32.load(src)));
          f.inc(dst, 4);
          f.inc(src, 4);
        },
        () => i32.ltS(dst, end),
      ),
    );
  });

  /** dst (inC x padH x padW) = src image with a zero border. */
  const padImage = mb.func('padImage', [I32, I32, I32], (f, desc, src, dst) => {
    const g = loadGeometry(f, desc);
    const c = f.local(I32), y = f.local(I32), out = f.local(I32), rowBytes = f.local(I32);
    f.zeroBytes(dst, i32.shl(i32.mul(g.inC, i32.mul(g.padH, g.padW)), 2));
    f.set(rowBytes, i32.shl(g.inW, 2));
    f.for(c, 0, g.inC, 1, () => {
      f.set(out, i32.add(dst, i32.shl(i32.add(i32.mul(i32.add(i32.mul(c, g.padH), g.padTop), g.padW), g.padLeft), 2)));
      f.for(y, 0, g.inH, 1, () => {
        f.copyBytes(out, src, rowBytes);
        f.inc(out, i32.shl(g.padW, 2));
        f.inc(src, rowBytes);
      });
    });
  }, false);

  /** dst image = the interior of a padded src image (inverse of padImage). */
  const cropImage = mb.func('cropImage', [I32, I32, I32], (f, desc, src, dst) => {
    const g = loadGeometry(f, desc);
    const c = f.local(I32), y = f.local(I32), from = f.local(I32), rowBytes = f.local(I32);
    f.set(rowBytes, i32.shl(g.inW, 2));
    f.for(c, 0, g.inC, 1, () => {
      f.set(from, i32.add(src, i32.shl(i32.add(i32.mul(i32.add(i32.mul(c, g.padH), g.padTop), g.padW), g.padLeft), 2)));
      f.for(y, 0, g.inH, 1, () => {
        f.copyBytes(dst, from, rowBytes);
        f.inc(from, i32.shl(g.padW, 2));
        f.inc(dst, rowBytes);
      });
    });
  }, false);

  /**
   * Packs col[k0:k0+kc, p0:p0+nc] (col = im2col of the padded image `src`) into NR-pixel panels.
   * Pixels past the block repeat the last one: those columns of C are never written back.
   */
  const packIm2col = mb.func('packIm2col', [I32, I32, I32, I32, I32, I32, I32], (f, desc, src, k0, kc, p0, nc, dst) => {
    const g = loadGeometry(f, desc);
    const walker = new PatchWalker(f, g);
    const j = f.local(I32), k = f.local(I32), oy = f.local(I32), ox = f.local(I32), last = f.local(I32);
    const p = f.local(I32), tap = f.local(I32), contiguous = f.local(I32), twoRows = f.local(I32), inFirst = f.local(I32);
    const second = f.local(I32), secondTap = f.local(I32);
    const origin = Array.from({ length: nr }, () => f.local(I32));
    const firstLanes = Array.from({ length: nv }, () => f.local('v128'));
    f.set(last, i32.sub(i32.add(p0, nc), 1));
    f.for(j, 0, nc, nr, () => {
      f.set(p, i32.add(p0, j));
      f.set(oy, i32.divS(p, g.outW));
      f.set(ox, i32.sub(p, i32.mul(oy, g.outW)));
      // Stride-1 full panels inside one output row read NR consecutive input values per tap.
      f.set(contiguous, i32.and(i32.eq(g.strideW, 1), i32.and(i32.leS(i32.add(ox, nr), g.outW), i32.leS(i32.add(j, nr), nc))));
      // Stride-1 full panels across two output rows: the first inFirst pixels end row oy, the rest
      // start row oy + 1; per tap, NR consecutive values from each row's start, blended by lane.
      f.set(inFirst, i32.sub(g.outW, ox));
      f.set(twoRows, i32.and(i32.and(i32.eq(g.strideW, 1), i32.eqz(contiguous)), i32.and(i32.leS(i32.add(j, nr), nc), i32.leS(i32.sub(nr, inFirst), g.outW))));
      f.if(twoRows, () => {
        // pixel i ≥ inFirst is (oy + 1, i − inFirst): its value sits at second + 4i
        f.set(second, i32.sub(i32.add(src, pixelOrigin(g, i32.add(oy, 1), 0)), i32.shl(inFirst, 2)));
        for (let v = 0; v < nv; v++) f.set(firstLanes[v], i32x4.ltS(i32x4.const([4 * v, 4 * v + 1, 4 * v + 2, 4 * v + 3]), i32x4.splat(inFirst)));
      });
      for (let i = 0; i < nr; i++) {
        f.set(origin[i], i32.add(src, pixelOrigin(g, oy, ox)));
        if (i === nr - 1) break;
        f.if(i32.ltS(p, last), () => {
          f.inc(p, 1);
          f.inc(ox, 1);
          f.if(i32.eq(ox, g.outW), () => {
            f.set(ox, 0);
            f.inc(oy, 1);
          });
        });
      }
      walker.seek(k0);
      f.if(
        contiguous,
        () =>
          f.for(k, 0, kc, 1, () => {
            f.set(tap, i32.add(origin[0], walker.offset));
            for (let v = 0; v < nv; v++) f.storeV128(dst, v128.load(tap, 16 * v), 16 * v);
            f.inc(dst, 4 * nr);
            walker.next();
          }),
        () =>
          f.if(
            twoRows,
            () =>
              f.for(k, 0, kc, 1, () => {
                f.set(tap, i32.add(origin[0], walker.offset));
                f.set(secondTap, i32.add(second, walker.offset));
                for (let v = 0; v < nv; v++) {
                  f.storeV128(dst, v128.bitselect(v128.load(tap, 16 * v), v128.load(secondTap, 16 * v), firstLanes[v]), 16 * v);
                }
                f.inc(dst, 4 * nr);
                walker.next();
              }),
            () =>
              f.for(k, 0, kc, 1, () => {
                for (let i = 0; i < nr; i++) f.storeF32(dst, f32.load(i32.add(origin[i], walker.offset)), 4 * i);
                f.inc(dst, 4 * nr);
                walker.next();
              }),
          ),
      );
    });
  }, false);

  /**
   * Packs col^T[p0:p0+kc, j0:j0+nc] (rows are pixels, columns patch taps) into NR-tap panels.
   * Taps past the patch repeat the last one (their C columns are never written back).
   */
  const packIm2colT = mb.func('packIm2colT', [I32, I32, I32, I32, I32, I32, I32], (f, desc, src, p0, kc, j0, nc, dst) => {
    const g = loadGeometry(f, desc);
    const walker = new PatchWalker(f, g);
    const j = f.local(I32), k = f.local(I32), oy = f.local(I32), ox = f.local(I32), tap = f.local(I32);
    const origin = f.local(I32), lastTap = f.local(I32), oy0 = f.local(I32), ox0 = f.local(I32);
    const tapOffset = Array.from({ length: nr }, () => f.local(I32));
    const rows = Array.from({ length: 4 }, () => f.local('v128'));
    const tmp = Array.from({ length: 4 }, () => f.local('v128'));
    f.set(lastTap, i32.sub(g.patch, 1));
    f.set(oy0, i32.divS(p0, g.outW));
    f.set(ox0, i32.sub(p0, i32.mul(oy0, g.outW)));
    f.for(j, 0, nc, nr, () => {
      f.set(tap, i32.add(j0, j));
      walker.seek(tap);
      for (let i = 0; i < nr; i++) {
        f.set(tapOffset[i], i32.add(src, walker.offset));
        if (i === nr - 1) break;
        f.if(i32.ltS(tap, lastTap), () => {
          f.inc(tap, 1);
          walker.next();
        });
      }
      f.set(oy, oy0);
      f.set(ox, ox0);
      f.set(origin, pixelOrigin(g, oy, ox));
      const nextPixels = (count: number) => {
        f.inc(dst, 4 * nr * count);
        f.inc(k, count);
        f.inc(ox, count);
        f.inc(origin, count === 1 ? i32.shl(g.strideW, 2) : 4 * count);
        f.if(i32.eq(ox, g.outW), () => {
          f.set(ox, 0);
          f.inc(oy, 1);
          f.set(origin, pixelOrigin(g, oy, 0));
        });
      };
      f.set(k, 0);
      f.if(i32.ltS(k, kc), () =>
        f.doWhile(
          () =>
            f.if(
              i32.and(i32.eq(g.strideW, 1), i32.and(i32.leS(i32.add(ox, 4), g.outW), i32.leS(i32.add(k, 4), kc))),
              () => {
                // Four stride-1 pixels of one row: one v128 load per tap, then 4x4 transposes
                // turn (tap, pixel) into the packed (pixel, tap) order.
                for (let b = 0; b < nv; b++) {
                  for (let q = 0; q < 4; q++) f.set(rows[q], v128.load(i32.add(tapOffset[4 * b + q], origin)));
                  transpose4x4(f, rows, tmp);
                  for (let q = 0; q < 4; q++) f.storeV128(dst, rows[q], 4 * (q * nr + 4 * b));
                }
                nextPixels(4);
              },
              () => {
                for (let i = 0; i < nr; i++) f.storeF32(dst, f32.load(i32.add(tapOffset[i], origin)), 4 * i);
                nextPixels(1);
              },
            ),
          () => i32.ltS(k, kc),
        ),
      );
    });
  }, false);

  /** dst (padded image) += col2im(dcol), dcol being rows patch x columns p0:p0+nc (row stride nc). */
  const col2imAdd = mb.func('col2imAdd', [I32, I32, I32, I32, I32], (f, desc, dcol, p0, nc, dst) => {
    const g = loadGeometry(f, desc);
    const walker = new PatchWalker(f, g);
    const k = f.local(I32), p = f.local(I32), end = f.local(I32), oy = f.local(I32), ox = f.local(I32);
    const len = f.local(I32), out = f.local(I32), outEnd = f.local(I32), vecEnd = f.local(I32), row = f.local(I32);
    const step = f.local(I32);
    f.set(end, i32.add(p0, nc));
    f.set(step, i32.shl(g.strideW, 2));
    f.set(row, dcol);
    walker.seek(0);
    f.for(k, 0, g.patch, 1, () => {
      f.set(p, p0);
      f.doWhile(
        () => {
          // One run of pixels within an output row.
          f.set(oy, i32.divS(p, g.outW));
          f.set(ox, i32.sub(p, i32.mul(oy, g.outW)));
          f.set(len, i32.minS(i32.sub(g.outW, ox), i32.sub(end, p)));
          f.set(out, i32.add(dst, i32.add(walker.offset, pixelOrigin(g, oy, ox))));
          f.set(outEnd, i32.add(out, i32.mul(len, step)));
          f.if(i32.eq(g.strideW, 1), () => {
            f.set(vecEnd, i32.sub(outEnd, 12));
            f.if(i32.ltS(out, vecEnd), () =>
              f.doWhile(
                () => {
                  f.storeV128(out, f32x4.add(v128.load(out), v128.load(row)));
                  f.inc(out, 16);
                  f.inc(row, 16);
                },
                () => i32.ltS(out, vecEnd),
              ),
            );
          });
          f.if(i32.ltS(out, outEnd), () =>
            f.doWhile(
              () => {
                f.storeF32(out, f32.add(f32.load(out), f32.load(row)));
                f.inc(out, step);
                f.inc(row, 4);
              },
              () => i32.ltS(out, outEnd),
            ),
          );
          f.inc(p, len);
        },
        () => i32.ltS(p, end),
      );
      walker.next();
    });
  }, false);

  const convForward = mb.func('convForward', [I32, I32, I32, I32, I32, I32, I32, I32, I32], (f, desc, x, packedW, y, n0, n1, xp, pb, tile) => {
    const g = loadGeometry(f, desc);
    const n = f.local(I32), src = f.local(I32), yn = f.local(I32), jc = f.local(I32), pc = f.local(I32);
    const nc = f.local(I32), kc = f.local(I32), mPad = f.local(I32), imageIn = f.local(I32), imageOut = f.local(I32);
    const kb = f.local(I32);
    f.set(kb, kBlock(g.patch, KC));
    f.set(mPad, roundUp(g.outC, mr));
    f.set(imageIn, i32.shl(i32.mul(g.inC, i32.mul(g.inH, g.inW)), 2));
    f.set(imageOut, i32.shl(i32.mul(g.outC, g.pixels), 2));
    f.for(n, n0, n1, 1, () => {
      f.set(src, i32.add(x, i32.mul(n, imageIn)));
      f.if(i32.ne(xp, 0), () => {
        f.call(padImage, [desc, src, xp]);
        f.set(src, xp);
      });
      f.set(yn, i32.add(y, i32.mul(n, imageOut)));
      f.for(jc, 0, g.pixels, convNc, () => {
        f.set(nc, i32.minS(convNc, i32.sub(g.pixels, jc)));
        f.for(pc, 0, g.patch, kb, () => {
          f.set(kc, i32.minS(kb, i32.sub(g.patch, pc)));
          f.call(packIm2col, [desc, src, pc, kc, jc, nc, pb]);
          f.call(gemm.macroKernel, [
            g.outC, nc, kc, i32.add(packedW, i32.shl(i32.mul(mPad, pc), 2)), pb,
            i32.add(yn, i32.shl(jc, 2)), i32.shl(g.pixels, 2), i32.gtS(pc, 0), tile,
          ]);
        });
      });
    });
  });

  const convBackpropInput = mb.func(
    'convBackpropInput',
    [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    (f, desc, dy, packedWT, dx, n0, n1, dxp, pb, dcol, tile) => {
      const g = loadGeometry(f, desc);
      const n = f.local(I32), dyn = f.local(I32), target = f.local(I32), jc = f.local(I32), pc = f.local(I32);
      const nc = f.local(I32), kc = f.local(I32), mPad = f.local(I32), imageIn = f.local(I32), imageOut = f.local(I32);
      const kb = f.local(I32);
      f.set(kb, kBlock(g.outC, KC));
      f.set(mPad, roundUp(g.patch, mr));
      f.set(imageIn, i32.shl(i32.mul(g.inC, i32.mul(g.inH, g.inW)), 2));
      f.set(imageOut, i32.shl(i32.mul(g.outC, g.pixels), 2));
      f.for(n, n0, n1, 1, () => {
        f.set(dyn, i32.add(dy, i32.mul(n, imageOut)));
        f.if(
          i32.ne(dxp, 0),
          () => {
            f.set(target, dxp);
            f.zeroBytes(dxp, i32.shl(i32.mul(g.inC, i32.mul(g.padH, g.padW)), 2));
          },
          () => {
            f.set(target, i32.add(dx, i32.mul(n, imageIn)));
            f.zeroBytes(target, imageIn);
          },
        );
        f.for(jc, 0, g.pixels, col2imNc, () => {
          f.set(nc, i32.minS(col2imNc, i32.sub(g.pixels, jc)));
          f.for(pc, 0, g.outC, kb, () => {
            f.set(kc, i32.minS(kb, i32.sub(g.outC, pc)));
            f.call(gemm.packB, [i32.add(dyn, i32.shl(i32.add(i32.mul(pc, g.pixels), jc), 2)), g.pixels, 1, kc, nc, pb]);
            f.call(gemm.macroKernel, [
              g.patch, nc, kc, i32.add(packedWT, i32.shl(i32.mul(mPad, pc), 2)), pb, dcol, i32.shl(nc, 2), i32.gtS(pc, 0), tile,
            ]);
          });
          f.call(col2imAdd, [desc, dcol, jc, nc, target]);
        });
        f.if(i32.ne(dxp, 0), () => f.call(cropImage, [desc, dxp, i32.add(dx, i32.mul(n, imageIn))]));
      });
    },
  );

  const convBackpropFilter = mb.func(
    'convBackpropFilter',
    [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    (f, desc, x, dy, dw, n0, n1, accumulate, xp, pa, pb, tile) => {
      const g = loadGeometry(f, desc);
      const n = f.local(I32), src = f.local(I32), dyn = f.local(I32), jc = f.local(I32), pc = f.local(I32);
      const nc = f.local(I32), kc = f.local(I32), imageIn = f.local(I32), imageOut = f.local(I32);
      const kb = f.local(I32);
      f.set(kb, kBlock(g.pixels, KC));
      f.set(imageIn, i32.shl(i32.mul(g.inC, i32.mul(g.inH, g.inW)), 2));
      f.set(imageOut, i32.shl(i32.mul(g.outC, g.pixels), 2));
      f.for(n, n0, n1, 1, () => {
        f.set(src, i32.add(x, i32.mul(n, imageIn)));
        f.if(i32.ne(xp, 0), () => {
          f.call(padImage, [desc, src, xp]);
          f.set(src, xp);
        });
        f.set(dyn, i32.add(dy, i32.mul(n, imageOut)));
        f.for(pc, 0, g.pixels, kb, () => {
          f.set(kc, i32.minS(kb, i32.sub(g.pixels, pc)));
          f.call(gemm.packA, [i32.add(dyn, i32.shl(pc, 2)), g.pixels, 1, g.outC, kc, pa]);
          f.for(jc, 0, g.patch, convNc, () => {
            f.set(nc, i32.minS(convNc, i32.sub(g.patch, jc)));
            f.call(packIm2colT, [desc, src, pc, kc, jc, nc, pb]);
            f.call(gemm.macroKernel, [g.outC, nc, kc, pa, pb, i32.add(dw, i32.shl(jc, 2)), i32.shl(g.patch, 2), accumulate, tile]);
          });
          f.set(accumulate, 1);
        });
      });
    },
  );

  return { packAAll, convForward, convBackpropInput, convBackpropFilter, addInto };
}

/** Scratch sizes in floats, matching the block sizes baked into the generated code. */
export function convBlockSizes(gemmConfig: GemmConfig, cfg: ConvConfig) {
  const { mr, nr, kc } = normalizeGemmConfig(gemmConfig);
  return {
    mr,
    nr,
    kc,
    convNc: Math.max(nr, Math.floor(cfg.convNc / nr) * nr),
    col2imNc: Math.max(4, Math.floor(cfg.col2imNc / 4) * 4),
  };
}
