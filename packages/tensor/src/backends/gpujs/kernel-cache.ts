/**
 * gpu.js kernels compiled on first use and reused. A kernel's identity is its generated source
 * plus the output and input sizes: shapes are baked into the source, and gpu.js fixes argument
 * and output sizes at compile time (its `dynamicOutput` resizing is unreliable on webgl2 past the
 * first texture size, so a size change is simply another cache entry).
 */
import type { IKernelRunShortcut } from 'gpu.js';

export class KernelCache {
  private readonly kernels = new Map<string, IKernelRunShortcut>();

  constructor(private readonly compile: (source: string, outSize: number) => IKernelRunShortcut) {}

  get(source: string, outSize: number, inputSizes: readonly number[]): IKernelRunShortcut {
    const key = `${outSize}|${inputSizes.join(',')}|${source}`;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.compile(source, outSize);
      this.kernels.set(key, kernel);
    }
    return kernel;
  }

  get size(): number {
    return this.kernels.size;
  }

  /**
   * Destroys every kernel. On GL modes this also invalidates textures the kernels produced
   * (gpu.js reads textures back through their kernel), so it is for backend teardown only.
   */
  clear(): void {
    for (const kernel of this.kernels.values()) kernel.destroy();
    this.kernels.clear();
  }
}
