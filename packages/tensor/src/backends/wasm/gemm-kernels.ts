/**
 * SGEMM in generated WebAssembly, blocked the way BLIS/GotoBLAS block it:
 *
 *   for jc (NC columns of B/C)           B block  KC x NC  packed once, lives in L2/L3
 *     for pc (KC of the shared dim)
 *       for ic (MC rows of A/C)          A block  MC x KC  packed, lives in L2
 *         for jr (NR) for ir (MR)        micro-kernel: MR x NR tile of C in registers
 *
 * Packed A is MR-row panels (for each k, MR consecutive values), packed B is NR-column panels
 * (for each k, NR consecutive values), both zero-padded so the micro-kernel never sees an edge;
 * partial tiles of C go through a small scratch tile. Transposed operands pack four k at a time
 * through 4x4 register transposes. With at most MC rows of A (a small batch) and a row-major B,
 * B's full column panels are read in place instead (see `directB` in the gemm entry point).
 *
 * Everything takes byte addresses into the one linear memory and element strides, so a
 * transposed operand is just a different (row, column) stride pair.
 */
import { f32, f32x4, i32, v128, type FunctionBuilder, type FunctionRef, type Local, type ModuleBuilder, type Operand } from './emitter.js';

export interface GemmConfig {
  /** micro-tile rows */
  readonly mr: number;
  /** micro-tile columns (a multiple of 4: one v128 per 4 columns) */
  readonly nr: number;
  readonly mc: number;
  readonly kc: number;
  readonly nc: number;
  /** use relaxed-SIMD f32x4.relaxed_madd instead of mul + add */
  readonly fma: boolean;
}

export const DEFAULT_GEMM_CONFIG: GemmConfig = { mr: 4, nr: 8, mc: 128, kc: 256, nc: 2048, fma: false };

/** The config with MC and NC rounded to whole micro-panels, so packed blocks never overflow. */
export function normalizeGemmConfig(cfg: GemmConfig): GemmConfig {
  return { ...cfg, mc: roundDown(cfg.mc, cfg.mr), nc: roundDown(cfg.nc, cfg.nr) };
}

/** `x` rounded down to a multiple of `step`, at least `step` (module level: this runs for every matmul call). */
function roundDown(x: number, step: number): number {
  return Math.max(step, Math.floor(x / step) * step);
}

/** Bytes of scratch one gemm call needs (packed A block, packed B block, edge tile). */
export function gemmScratchBytes(config: GemmConfig): number {
  const cfg = normalizeGemmConfig(config);
  return 4 * (cfg.mc * cfg.kc + cfg.kc * cfg.nc + cfg.mr * cfg.nr) + 64;
}

export interface GemmFunctions {
  /** (kc, pa, pb, c, ldcBytes, accumulate, bStepBytes): one MR x NR tile from packed panels */
  readonly microKernel: FunctionRef;
  /** (mc, nc, kc, pa, pb, c, ldcBytes, accumulate, tile): all tiles of a packed block pair */
  readonly macroKernel: FunctionRef;
  /** (a, rowStride, colStride, mc, kc, dst): pack an mc x kc block of A into MR-row panels */
  readonly packA: FunctionRef;
  /** (b, rowStride, colStride, kc, nc, dst): pack a kc x nc block of B into NR-column panels */
  readonly packB: FunctionRef;
  /**
   * (batch, m, n, k, a, aBatch, rsA, csA, b, bBatch, rsB, csB, c, cBatch, ldc, accumulate, scratch)
   * C[m, n] (+)= sum_k A[m, k] B[k, n] for `batch` matrix triples; strides are in elements.
   */
  readonly gemm: FunctionRef;
}

const I32 = 'i32' as const;

/** acc + a * b, fused when the config allows it. */
function madd(cfg: GemmConfig, a: Operand, b: Operand, acc: Operand) {
  return cfg.fma ? f32x4.relaxedMadd(a, b, acc) : f32x4.add(acc, f32x4.mul(a, b));
}

export function addGemmFunctions(mb: ModuleBuilder, config: GemmConfig): GemmFunctions {
  const cfg = normalizeGemmConfig(config);
  const { mr, nr } = cfg;
  if (nr % 4 !== 0) throw new Error('gemm: nr must be a multiple of 4');
  const nv = nr / 4;

  // One micro-kernel per row count: a panel of A with fewer than MR live rows (the bottom edge)
  // runs the smaller kernel instead of multiplying zero padding.
  const microKernels = Array.from({ length: mr }, (_, i) => addMicroKernel(mb, cfg, i + 1));
  const microKernel = microKernels[mr - 1];

  /**
   * The macro-kernel over packed B panels (kc x NR each, one after another), or with `direct`
   * over full NR-column panels of a row-major B read in place (one more argument: B's row stride
   * in bytes), which skips packing B when each of its values is used only by a few rows of A.
   */
  const addMacroKernel = (name: string, direct: boolean): FunctionRef => mb.func(name, direct ? [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32] : [I32, I32, I32, I32, I32, I32, I32, I32, I32], (f, mc, nc, kc, pa, pb, c, ldc, accumulate, tile, ldbArg) => {
    const bStep = direct ? ldbArg : 4 * nr;
    const jr = f.local(I32), ir = f.local(I32), cols = f.local(I32), rows = f.local(I32);
    const paPanel = f.local(I32), pbPanel = f.local(I32), cTile = f.local(I32);
    const r = f.local(I32), j = f.local(I32), src = f.local(I32), dst = f.local(I32);
    f.set(pbPanel, pb);
    f.for(jr, 0, nc, nr, () => {
      f.set(cols, i32.minS(nr, i32.sub(nc, jr)));
      f.set(paPanel, pa);
      f.for(ir, 0, mc, mr, () => {
        f.set(rows, i32.minS(mr, i32.sub(mc, ir)));
        f.set(cTile, i32.add(c, i32.add(i32.mul(ir, ldc), i32.shl(jr, 2))));
        f.if(
          i32.eq(cols, nr),
          () => {
            const dispatch = (r: number): void => {
              const run = () => f.call(microKernels[r - 1], [kc, paPanel, pbPanel, cTile, ldc, accumulate, bStep]);
              if (r === 1) run();
              else f.if(i32.eq(rows, r), run, () => dispatch(r - 1));
            };
            dispatch(mr);
          },
          () => {
            // Edge tile: compute the full tile into scratch, then write back only what exists.
            f.call(microKernel, [kc, paPanel, pbPanel, tile, 4 * nr, 0, bStep]);
            f.for(r, 0, rows, 1, () => {
              f.set(src, i32.add(tile, i32.mul(r, 4 * nr)));
              f.set(dst, i32.add(cTile, i32.mul(r, ldc)));
              f.for(j, 0, cols, 1, () => {
                f.if(
                  accumulate,
                  () => f.storeF32(dst, f32.add(f32.load(dst), f32.load(src))),
                  () => f.storeF32(dst, f32.load(src)),
                );
                f.inc(src, 4);
                f.inc(dst, 4);
              });
            });
          },
        );
        f.inc(paPanel, i32.mul(kc, 4 * mr));
      });
      f.inc(pbPanel, direct ? 4 * nr : i32.mul(kc, 4 * nr));
    });
  });
  const macroKernel = addMacroKernel('gemmMacroKernel', false);
  const macroKernelDirectB = addMacroKernel('gemmMacroKernelDirectB', true);

  const packA = mb.func('gemmPackA', [I32, I32, I32, I32, I32, I32], (f, a, rs, cs, mc, kc, dst) => {
    const i = f.local(I32), k = f.local(I32), rows = f.local(I32), r = f.local(I32), src = f.local(I32);
    const rsBytes = f.local(I32), csBytes = f.local(I32);
    const rowPtr = Array.from({ length: mr }, () => f.local(I32));
    const tr = Array.from({ length: 8 }, () => f.local('v128'));
    f.set(rsBytes, i32.shl(rs, 2));
    f.set(csBytes, i32.shl(cs, 2));
    f.for(i, 0, mc, mr, () => {
      f.set(rows, i32.minS(mr, i32.sub(mc, i)));
      f.if(
        i32.eq(rows, mr),
        () => {
          for (let q = 0; q < mr; q++) f.set(rowPtr[q], i32.add(a, i32.mul(i32.add(i, q), rsBytes)));
          f.set(k, 0);
          const groups = Math.floor(mr / 4); // rows packed as v128 groups; the rest one by one
          f.if(
            i32.eq(rs, 1),
            () => {
              // Transposed A (dyᵀ·x): a panel's MR values at one k are contiguous.
              f.for(k, 0, kc, 1, () => {
                for (let g = 0; g < groups; g++) f.storeV128(dst, v128.load(rowPtr[0], 16 * g), 16 * g);
                for (let q = 4 * groups; q < mr; q++) f.storeF32(dst, f32.load(rowPtr[0], 4 * q), 4 * q);
                f.inc(rowPtr[0], csBytes);
                f.inc(dst, 4 * mr);
              });
            },
            () =>
              f.if(i32.eq(cs, 1), () => {
                // Row-major A: four k of each row as one v128, transposed 4x4 into four k steps.
                f.for(k, 0, i32.and(kc, -4), 4, () => {
                  for (let g = 0; g < groups; g++) transpose4(f, tr, rowPtr.slice(4 * g, 4 * g + 4), dst, 16 * g, 4 * mr);
                  for (let q = 4 * groups; q < mr; q++) {
                    for (let kk = 0; kk < 4; kk++) f.storeF32(dst, f32.load(rowPtr[q], 4 * kk), 4 * (kk * mr + q));
                  }
                  for (let q = 0; q < mr; q++) f.inc(rowPtr[q], 16);
                  f.inc(dst, 16 * mr);
                });
                f.set(k, i32.and(kc, -4));
              }),
          );
          f.for(k, k, kc, 1, () => {
            for (let q = 0; q < mr; q++) {
              f.storeF32(dst, f32.load(rowPtr[q]), 4 * q);
              f.inc(rowPtr[q], csBytes);
            }
            f.inc(dst, 4 * mr);
          });
        },
        () => {
          f.zeroBytes(dst, i32.mul(kc, 4 * mr));
          f.for(r, 0, rows, 1, () => {
            f.set(src, i32.add(a, i32.mul(i32.add(i, r), rsBytes)));
            f.for(k, 0, kc, 1, () => {
              f.storeF32(i32.add(dst, i32.shl(i32.add(i32.mul(k, mr), r), 2)), f32.load(src));
              f.inc(src, csBytes);
            });
          });
          f.inc(dst, i32.mul(kc, 4 * mr));
        },
      );
    });
  });

  const packB = mb.func('gemmPackB', [I32, I32, I32, I32, I32, I32], (f, b, rs, cs, kc, nc, dst) => {
    const j = f.local(I32), k = f.local(I32), cols = f.local(I32), q = f.local(I32), src = f.local(I32);
    const rsBytes = f.local(I32), csBytes = f.local(I32);
    const colOffset = Array.from({ length: nr }, () => f.local(I32));
    const tr = Array.from({ length: 8 }, () => f.local('v128'));
    f.set(rsBytes, i32.shl(rs, 2));
    f.set(csBytes, i32.shl(cs, 2));
    for (let c = 0; c < nr; c++) f.set(colOffset[c], i32.mul(csBytes, c));
    f.for(j, 0, nc, nr, () => {
      f.set(cols, i32.minS(nr, i32.sub(nc, j)));
      f.set(src, i32.add(b, i32.mul(j, csBytes)));
      f.if(
        i32.and(i32.eq(cols, nr), i32.eq(cs, 1)),
        () => {
          // Row-major B: each packed row is NR contiguous values.
          f.for(k, 0, kc, 1, () => {
            for (let v = 0; v < nv; v++) f.storeV128(dst, v128.load(src, 16 * v), 16 * v);
            f.inc(src, rsBytes);
            f.inc(dst, 4 * nr);
          });
        },
        () =>
          f.if(
            i32.eq(cols, nr),
            () => {
              f.if(i32.eq(rs, 1), () => {
                // Transposed B (each column's k values contiguous: x·Wᵀ): four k at a time, one
                // v128 per column, transposed 4x4 in registers into four packed rows.
                f.for(k, 0, i32.and(kc, -4), 4, () => {
                  for (let g = 0; g < nv; g++) transpose4(f, tr, colOffset.slice(4 * g, 4 * g + 4).map((o) => i32.add(src, o)), dst, 16 * g, 4 * nr);
                  f.inc(src, 16);
                  f.inc(dst, 16 * nr);
                });
                f.set(k, i32.and(kc, -4));
              }, () => f.set(k, 0));
              f.for(k, k, kc, 1, () => {
                for (let c = 0; c < nr; c++) f.storeF32(dst, f32.load(i32.add(src, colOffset[c])), 4 * c);
                f.inc(src, rsBytes);
                f.inc(dst, 4 * nr);
              });
            },
            () => {
              f.zeroBytes(dst, i32.mul(kc, 4 * nr));
              f.for(k, 0, kc, 1, () => {
                f.for(q, 0, cols, 1, () => {
                  f.storeF32(i32.add(dst, i32.shl(q, 2)), f32.load(i32.add(src, i32.mul(q, csBytes))));
                });
                f.inc(src, rsBytes);
                f.inc(dst, 4 * nr);
              });
            },
          ),
      );
    });
  });

  const gemm = mb.func(
    'gemm',
    [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    (f, batch, m, n, k, a, aBatch, rsA, csA, b, bBatch, rsB, csB, c, cBatch, ldc, accumulate, scratch) => {
      const pa = f.local(I32), pb = f.local(I32), tile = f.local(I32);
      const t = f.local(I32), jc = f.local(I32), pc = f.local(I32), ic = f.local(I32);
      const nc = f.local(I32), kc = f.local(I32), mc = f.local(I32), acc = f.local(I32), kb = f.local(I32);
      f.set(kb, kBlock(k, cfg.kc));
      f.set(pa, scratch);
      f.set(pb, i32.add(scratch, 4 * cfg.mc * cfg.kc));
      f.set(tile, i32.add(pb, 4 * cfg.kc * cfg.nc));
      f.for(t, 0, batch, 1, () => {
        f.if(i32.and(i32.leS(m, cfg.mc), i32.eq(csB, 1)), directB, blocked);
        f.inc(a, i32.shl(aBatch, 2));
        f.inc(b, i32.shl(bBatch, 2));
        f.inc(c, i32.shl(cBatch, 2));
      });
      /**
       * One block of A's rows (a small batch) and a row-major B: each B value is used only m
       * times, so B's full NR-column panels are read in place instead of packed (packing is a
       * full extra pass over B for little reuse); the last partial panel is packed. Same K blocks
       * and per-tile order as the blocked path: the same bits.
       */
      function directB(): void {
        f.for(pc, 0, k, kb, () => {
          f.set(kc, i32.minS(kb, i32.sub(k, pc)));
          f.set(acc, i32.or(accumulate, i32.gtS(pc, 0)));
          f.call(packA, [elemAddr(a, 0, rsA, pc, csA), rsA, csA, m, kc, pa]);
          f.set(nc, i32.and(n, -nr));
          f.if(i32.gtS(nc, 0), () => {
            f.call(macroKernelDirectB, [m, nc, kc, pa, elemAddr(b, pc, rsB, 0, 1), c, i32.shl(ldc, 2), acc, tile, i32.shl(rsB, 2)]);
          });
          f.if(i32.ltS(nc, n), () => {
            f.call(packB, [elemAddr(b, pc, rsB, nc, 1), rsB, 1, kc, i32.sub(n, nc), pb]);
            f.call(macroKernel, [m, i32.sub(n, nc), kc, pa, pb, elemAddr(c, 0, ldc, nc, 1), i32.shl(ldc, 2), acc, tile]);
          });
        });
      }
      function blocked(): void {
        f.for(jc, 0, n, cfg.nc, () => {
          f.set(nc, i32.minS(cfg.nc, i32.sub(n, jc)));
          f.for(pc, 0, k, kb, () => {
            f.set(kc, i32.minS(kb, i32.sub(k, pc)));
            f.set(acc, i32.or(accumulate, i32.gtS(pc, 0)));
            f.call(packB, [elemAddr(b, pc, rsB, jc, csB), rsB, csB, kc, nc, pb]);
            f.for(ic, 0, m, cfg.mc, () => {
              f.set(mc, i32.minS(cfg.mc, i32.sub(m, ic)));
              f.call(packA, [elemAddr(a, ic, rsA, pc, csA), rsA, csA, mc, kc, pa]);
              f.call(macroKernel, [mc, nc, kc, pa, pb, elemAddr(c, ic, ldc, jc, 1), i32.shl(ldc, 2), acc, tile]);
            });
          });
        });
      }
    },
  );

  return { microKernel, macroKernel, packA, packB, gemm };
}

/**
 * Packs a 4 x 4 block: loads four columns' (or rows') next four k values, one v128 from each
 * address in `from`, and stores them as four rows of four (`dst + at + q * rowBytes` holds k = q
 * of the four). `tr` are eight v128 scratch locals.
 */
function transpose4(f: FunctionBuilder, tr: Local[], from: Operand[], dst: Local, at: number, rowBytes: number): void {
  const [x0, x1, x2, x3, t0, t1, t2, t3] = tr;
  [x0, x1, x2, x3].forEach((x, c) => f.set(x, v128.load(from[c])));
  f.set(t0, v128.shuffle32(x0, x1, [0, 4, 1, 5])); // k0: c0 c1, k1: c0 c1
  f.set(t1, v128.shuffle32(x0, x1, [2, 6, 3, 7])); // k2, k3 of c0 c1
  f.set(t2, v128.shuffle32(x2, x3, [0, 4, 1, 5])); // k0, k1 of c2 c3
  f.set(t3, v128.shuffle32(x2, x3, [2, 6, 3, 7])); // k2, k3 of c2 c3
  f.storeV128(dst, v128.shuffle32(t0, t2, [0, 1, 4, 5]), at);
  f.storeV128(dst, v128.shuffle32(t0, t2, [2, 3, 6, 7]), at + rowBytes);
  f.storeV128(dst, v128.shuffle32(t1, t3, [0, 1, 4, 5]), at + 2 * rowBytes);
  f.storeV128(dst, v128.shuffle32(t1, t3, [2, 3, 6, 7]), at + 3 * rowBytes);
}

/** base + (row * rowStride + col * colStride) * 4 */
/**
 * Splits a shared dimension of length k into ceil(k / KC) equal blocks (rounded up to 4), so a
 * K of 288 runs as 2 x 144 rather than 256 + 32 (a short block pays the C load/store for little work).
 */
export function kBlock(k: Operand, kcMax: number) {
  const blocks = i32.divS(i32.add(k, kcMax - 1), kcMax);
  return i32.shl(i32.shrS(i32.add(i32.divS(i32.add(k, i32.sub(blocks, 1)), blocks), 3), 2), 2);
}

/**
 * The micro-kernel for a panel of `rows` (<= MR) rows: (kc, pa, pb, c, ldcBytes, accumulate, bStep),
 * bStep the bytes from one k's NR values of B to the next (4·NR when packed).
 */
function addMicroKernel(mb: ModuleBuilder, cfg: GemmConfig, rows: number): FunctionRef {
  const { mr, nr } = cfg;
  const nv = nr / 4;
  const name = rows === mr ? 'gemmMicroKernel' : `gemmMicroKernel${rows}`;
  return mb.func(name, [I32, I32, I32, I32, I32, I32, I32], (f, kc, pa, pb, c, ldc, accumulate, bStep) => {
    const acc: Local[][] = [];
    for (let r = 0; r < rows; r++) acc.push(Array.from({ length: nv }, () => f.local('v128')));
    const bv = Array.from({ length: nv }, () => f.local('v128'));
    const as = f.local('v128');
    const k = f.local(I32);
    // Not unrolled: TurboFan hoists the second step's loads above the first step's FMAs and then
    // runs out of the 15 allocatable xmm registers (spills in the inner loop).
    f.for(k, 0, kc, 1, () => {
      for (let v = 0; v < nv; v++) f.set(bv[v], v128.load(pb, 16 * v));
      for (let r = 0; r < rows; r++) {
        f.set(as, v128.load32Splat(pa, 4 * r));
        for (let v = 0; v < nv; v++) f.set(acc[r][v], madd(cfg, as, bv[v], acc[r][v]));
      }
      f.inc(pa, 4 * mr);
      f.inc(pb, bStep);
    });
    const row = f.local(I32);
    const writeBack = (accumulating: boolean) => () => {
      for (let r = 0; r < rows; r++) {
        for (let v = 0; v < nv; v++) {
          f.storeV128(row, accumulating ? f32x4.add(v128.load(row, 16 * v), acc[r][v]) : acc[r][v], 16 * v);
        }
        if (r < rows - 1) f.inc(row, ldc);
      }
    };
    f.set(row, c);
    f.if(accumulate, writeBack(true), writeBack(false));
  });
}

export function elemAddr(base: Operand, row: Operand, rowStride: Operand, col: Operand, colStride: Operand) {
  return i32.add(base, i32.shl(i32.add(i32.mul(row, rowStride), i32.mul(col, colStride)), 2));
}

