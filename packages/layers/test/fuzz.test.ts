/**
 * Seeded fuzzing of the safetensors and optimizer-state readers (a few hundred cases per format;
 * the long run is `node --import tsx tooling/scripts/fuzz.ts`), with JSON-aware mutations of
 * the header: reordered and duplicated keys, `__proto__`/`constructor` keys and dotted names,
 * wrong types, huge numbers, also inside the JSON strings of the metadata.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, fuzzFormat } from '@wn/tooling/fuzz';
import { layersFormats } from './fuzz-formats.js';

const CASES = 300;

describe('fuzzing the readers', () => {
  for (const format of layersFormats()) {
    it(`${format.name}: ${CASES} mutated files, every outcome consistent data or a named library error`, async () => {
      const report = await fuzzFormat(format, { cases: CASES, seed: 15 });
      expect(report.failures, formatReport(report)).toEqual([]);
      expect(report.counts.rejected, 'the mutations must reach the checks').toBeGreaterThan(CASES / 4);
    });
  }
});
