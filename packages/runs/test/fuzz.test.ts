/**
 * Seeded fuzzing of the checkpoint reader (a few hundred cases; the long run is
 * `node --import tsx tooling/scripts/fuzz.ts --format checkpoint`): every mutated file either loads
 * into state that can drive the next step or is refused with the library's error naming the file.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, fuzzFormat } from '@wn/tooling/fuzz';
import { runsFormats } from './fuzz-formats.js';

const CASES = 300;

describe('fuzzing the checkpoint reader', () => {
  for (const format of runsFormats()) {
    it(`${format.name}: ${CASES} mutated files, every outcome consistent state or a named library error`, async () => {
      const report = await fuzzFormat(format, { cases: CASES, seed: 9 });
      expect(report.failures, formatReport(report)).toEqual([]);
      expect(report.counts.rejected, 'the mutations must reach the checks').toBeGreaterThan(CASES / 4);
    });
  }
});
