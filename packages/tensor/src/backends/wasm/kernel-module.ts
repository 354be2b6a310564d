/**
 * Assembles the kernel module (GEMM, conv and elementwise functions) for one configuration and decides whether
 * the relaxed-SIMD fused multiply-add can be used on this engine.
 */
import { addConvFunctions, DEFAULT_CONV_CONFIG, type ConvConfig } from './conv-kernels.js';
import { addElementwiseFunctions, addReduceFunctions } from './elementwise-kernels.js';
import { f32x4, ModuleBuilder, type MemoryImport } from './emitter.js';
import { addWeightNormFunctions } from './weight-norm-kernels.js';
import { addMaxPoolFunctions } from './max-pool-kernels.js';
import { addGemvFunctions } from './gemv-kernels.js';
import { addBatchNormFunctions } from './batch-norm-kernels.js';
import { addGemmFunctions, DEFAULT_GEMM_CONFIG, normalizeGemmConfig, type GemmConfig } from './gemm-kernels.js';

/** 64 KiB pages; 2 GiB keeps every byte address a non-negative i32. */
export const MAX_MEMORY_PAGES = 32768;

export interface KernelModuleOptions {
  readonly shared: boolean;
  readonly fma: boolean;
  readonly gemm?: Partial<GemmConfig>;
  readonly conv?: Partial<ConvConfig>;
}

export interface KernelModule {
  readonly module: WebAssembly.Module;
  readonly memory: MemoryImport;
  readonly gemmConfig: GemmConfig;
  readonly convConfig: ConvConfig;
}

export function buildKernelModule(options: KernelModuleOptions): KernelModule {
  // Without FMA a 6x8 tile needs 16 live xmm registers under V8 (15 allocatable) and spills;
  // 5x8 fits. With FMA the multiply result needs no temporary, so 6x8 fits.
  const gemmConfig = normalizeGemmConfig({ ...DEFAULT_GEMM_CONFIG, mr: options.fma ? 6 : 5, fma: options.fma, ...options.gemm });
  const convConfig = { ...DEFAULT_CONV_CONFIG, ...options.conv };
  const memory: MemoryImport = { initial: 1, maximum: MAX_MEMORY_PAGES, shared: options.shared };
  const mb = new ModuleBuilder(memory);
  const gemm = addGemmFunctions(mb, gemmConfig);
  addConvFunctions(mb, gemmConfig, gemm, convConfig);
  addElementwiseFunctions(mb);
  addReduceFunctions(mb);
  addWeightNormFunctions(mb);
  addMaxPoolFunctions(mb);
  addGemvFunctions(mb);
  addBatchNormFunctions(mb);
  return { module: new WebAssembly.Module(mb.toBytes() as BufferSource), memory, gemmConfig, convConfig };
}

function relaxedMaddValidates(): boolean {
  const mb = new ModuleBuilder({ initial: 1, maximum: 1, shared: false });
  mb.func('probe', ['v128'], (f, x) => f.drop(f32x4.relaxedMadd(x, x, x)));
  return WebAssembly.validate(mb.toBytes() as BufferSource);
}

let relaxedSimd: boolean | undefined;

/**
 * Whether f32x4.relaxed_madd compiles here. Node 20's V8 ships relaxed SIMD behind a flag, which
 * can be turned on at runtime before the module is compiled; browsers with it on need nothing.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSimd !== undefined) return relaxedSimd;
  relaxedSimd = relaxedMaddValidates();
  if (!relaxedSimd) {
    const v8 = nodeBuiltin<{ setFlagsFromString(flags: string): void }>('node:v8');
    if (v8) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxedSimd = relaxedMaddValidates();
    }
  }
  return relaxedSimd;
}

/** A Node builtin module when running under Node (>= 20.16), else undefined (browsers). */
export function nodeBuiltin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}
