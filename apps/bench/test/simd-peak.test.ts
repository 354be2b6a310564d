/**
 * The kernels group's WebAssembly SIMD peak: measured peaks are plausible and checked, the peak
 * table (with the CPU share each ran with) and the GEMM "% of peak" cells are formatted from them (matching instructions and thread
 * count, '—' where there is no match), the results Markdown carries the peak table, and the one
 * bench report shows it under the kernels group.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as T from '@wn/tensor';
import { addPeakFractions } from '../src/kernels.js';
import { formatTable, reportMarkdown } from '../src/report.js';
import { gemmInstructions, matchingPeak, measureSimdPeaks, peakRows, percentOfPeak, type SimdPeak } from '../src/simd-peak.js';
import { readReportInputs } from '../src/report/inputs.js';
import { reportBlocks } from '../src/report/render.js';
import { toMarkdown } from '../src/report/document.js';

const PEAKS: SimdPeak[] = [
  { instructions: 'f32x4.mul + f32x4.add', threads: 1, gflops: 40, cpuShare: 0.99 },
  { instructions: 'f32x4.mul + f32x4.add', threads: 2, gflops: 78, cpuShare: 0.97 },
  { instructions: 'f32x4.relaxed_madd', threads: 1, gflops: 50, cpuShare: 1 },
  { instructions: 'f32x4.relaxed_madd', threads: 2, gflops: 96, cpuShare: 0.5 },
];

describe('SIMD peak measurement', () => {
  it('measures every flavour the runtime has at 1 and 2 threads', async () => {
    const backend = T.createWasmBackend({ threads: 2 });
    try {
      const peaks = await measureSimdPeaks(backend.runtime, 20_000);
      const flavours = backend.runtime.fma ? ['f32x4.mul + f32x4.add', 'f32x4.relaxed_madd'] : ['f32x4.mul + f32x4.add'];
      expect(peaks.map((p) => [p.instructions, p.threads])).toEqual(flavours.flatMap((f) => [[f, 1], [f, 2]]));
      for (const p of peaks) {
        expect(p.gflops).toBeGreaterThan(0.1);
        // (no upper bound here: the test runner's other threads share this process's CPU time)
        expect(p.cpuShare).toBeGreaterThan(0);
      }
      expect(gemmInstructions(backend.runtime)).toBe(backend.runtime.fma ? 'f32x4.relaxed_madd' : 'f32x4.mul + f32x4.add');
    } finally {
      backend.runtime.close();
    }
  });
});

describe('peak rows and fractions', () => {
  it('formats the peak table with per-thread rates', () => {
    expect(formatTable(peakRows(PEAKS))).toBe([
      '| instructions | threads | GFLOP/s | GFLOP/s per thread | CPU share |',
      '| --- | --- | --- | --- | --- |',
      '| f32x4.mul + f32x4.add | 1.00 | 40.0 | 40.0 | 99 % |',
      '| f32x4.mul + f32x4.add | 2.00 | 78.0 | 39.0 | 97 % |',
      '| f32x4.relaxed_madd | 1.00 | 50.0 | 50.0 | 100 % |',
      '| f32x4.relaxed_madd | 2.00 | 96.0 | 48.0 | 50 % |',
    ].join('\n'));
  });

  it("states a wasm row's GEMM rates against the matching peak, and nobody else's", () => {
    const wasm = addPeakFractions({ backend: 'wasm', threads: 2, 'matmul 256 GFLOP/s': 24, 'matmul 512 GFLOP/s': 48, 'matmul 1024 GFLOP/s': 72 }, PEAKS, 'f32x4.relaxed_madd');
    expect([wasm['matmul 256 % of peak'], wasm['matmul 512 % of peak'], wasm['matmul 1024 % of peak']]).toEqual(['25 %', '50 %', '75 %']);
    const oneThread = addPeakFractions({ backend: 'wasm-1t', threads: 1, 'matmul 256 GFLOP/s': 20, 'matmul 512 GFLOP/s': 30, 'matmul 1024 GFLOP/s': 10 }, PEAKS, 'f32x4.mul + f32x4.add');
    expect(oneThread['matmul 512 % of peak']).toBe('75 %');
    const reference = addPeakFractions({ backend: 'reference', threads: 1, 'matmul 256 GFLOP/s': 0.5, 'matmul 512 GFLOP/s': 0.4, 'matmul 1024 GFLOP/s': '—' }, PEAKS, 'f32x4.relaxed_madd');
    expect(reference['matmul 256 % of peak']).toBe('—');
    const tfjs = addPeakFractions({ backend: 'tfjs-wasm (1 thread, XNNPACK)', threads: 1, 'matmul 256 GFLOP/s': 10, 'matmul 512 GFLOP/s': 11, 'matmul 1024 GFLOP/s': 8 }, PEAKS, 'f32x4.relaxed_madd');
    expect(tfjs['matmul 1024 % of peak']).toBe('—');
  });

  it('gives — without a matching peak or a number', () => {
    expect(matchingPeak(PEAKS, 'f32x4.relaxed_madd', 4)).toBeUndefined();
    expect(percentOfPeak(10, undefined)).toBe('—');
    expect(percentOfPeak('—', PEAKS[0])).toBe('—');
    expect(percentOfPeak(Number.NaN, PEAKS[0])).toBe('—');
  });
});

describe('kernels results with the peak table', () => {
  const rows = [addPeakFractions({ backend: 'wasm', threads: 2, 'matmul 256 GFLOP/s': 24, 'matmul 512 GFLOP/s': 48, 'matmul 1024 GFLOP/s': 72 }, PEAKS, 'f32x4.relaxed_madd')];
  const tables = [{ title: 'WebAssembly SIMD peak (f32x4 multiply-add throughput)', rows: peakRows(PEAKS) }];
  const loadavg = { start: [1.5, 1, 1], end: [1.25, 1, 1] };

  it('puts the peak table under its heading in the results Markdown, after the load', () => {
    const md = reportMarkdown('Kernels', 'Test CPU × 2 logical cores', '2026-12-06T00:00:00.000Z', ['a note'], rows, { loadavg, tables });
    expect(md).toContain('Load average: 1.50 1.00 1.00 → 1.25 1.00 1.00');
    expect(md).toContain('| wasm | 2.00 | 24.0 | 48.0 | 72.0 | 25 % | 50 % | 75 % |');
    expect(md).toMatch(/## WebAssembly SIMD peak \(f32x4 multiply-add throughput\)\n\n\| instructions \| threads \| GFLOP\/s \| GFLOP\/s per thread \| CPU share \|/);
    expect(md).toContain('| f32x4.relaxed_madd | 2.00 | 96.0 | 48.0 | 50 % |');
  });

  it('shows the peak table in the bench report', () => {
    const root = mkdtempSync(join(tmpdir(), 'wn-bench-peak-'));
    try {
      const results = join(root, 'apps', 'bench', 'results');
      mkdirSync(results, { recursive: true });
      writeFileSync(join(results, 'kernels.json'), JSON.stringify({ title: 'Kernels', machine: 'Test CPU × 2 logical cores', date: '2026-12-06T00:00:00.000Z', loadavg, notes: ['a note'], rows, tables }));
      const md = toMarkdown(reportBlocks(readReportInputs(root)), 'charts');
      const kernels = md.slice(md.indexOf('### kernels'));
      expect(kernels).toContain('load average 1.50 1.00 1.00 → 1.25 1.00 1.00');
      expect(kernels).toContain('| wasm | 2 | 24 | 48 | 72 | 25 % | 50 % | 75 % |');
      expect(kernels).toContain('**WebAssembly SIMD peak (f32x4 multiply-add throughput)**');
      expect(kernels).toContain('| f32x4.mul + f32x4.add | 2 | 78 | 39 | 97 % |');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
