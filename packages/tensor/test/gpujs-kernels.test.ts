import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpujsBackend, type GpujsBackend } from '../src/backends/gpujs/index.js';
import { createReferenceBackend } from '../src/backends/reference/index.js';
import { buildCases, runCase } from './gpujs-cases.js';
import { loadGpujs } from '../src/backends/gpujs/gpu-class.js';

// gpu.js is an optional peer: loaded once, as `import '@wn/tensor/gpujs'` does
await loadGpujs();

const reference = createReferenceBackend({ precision: 'float64' });
const cases = buildCases();

describe.each(['cpu', 'webasm'] as const)('gpujs-%s kernels match the float64 reference', (mode) => {
  let backend: GpujsBackend;
  beforeAll(() => {
    backend = createGpujsBackend({ mode });
  });
  afterAll(() => backend.destroy());

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = runCase(backend, reference, c);
    expect(result.message).toBe('');
  });

  it(`ran every kernel in ${mode}, none degraded to gpu.js's plain-JavaScript fallback`, () => {
    expect(backend.degradedKernels).toEqual([]);
  });
});
