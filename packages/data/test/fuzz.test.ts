/**
 * Seeded fuzzing of every @wn/data reader (a few hundred cases per format; the long run is
 * `node --import tsx tooling/scripts/fuzz.ts`): each mutated file loads as consistent data or is
 * rejected with the library's error naming the file — never a raw error, a slow case, runaway
 * memory or a changed built-in prototype.
 */
import { describe, expect, it } from 'vitest';
import { FileFormatError, WnError } from '@wn/tensor';
import { formatReport, fuzzFormat } from '@wn/tooling/fuzz';
import { dataFormats } from './fuzz-formats.js';

const CASES = 300;

describe('fuzzing the readers', async () => {
  for (const format of await dataFormats()) {
    it(`${format.name}: ${CASES} mutated files, every outcome consistent data or a named library error`, async () => {
      const report = await fuzzFormat(format, { cases: CASES, seed: 15 });
      expect(report.failures, formatReport(report)).toEqual([]);
      expect(report.counts.rejected, 'the mutations must reach the checks').toBeGreaterThan(CASES / 4);
    });
  }
});

describe('the harness itself', () => {
  const sample = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const run = (load: (bytes: Uint8Array, path: string) => unknown, timeLimitMs?: number) =>
    fuzzFormat({ name: 'probe', samples: [sample], load }, { cases: 5, seed: 1, timeLimitMs });

  it('counts raw errors, unnamed library errors, slow cases and polluted prototypes as "other"', async () => {
    expect((await run(() => new DataView(new ArrayBuffer(0)).getUint8(1))).failures.map((f) => f.reason)).toEqual(Array(5).fill('raw-error'));
    expect((await run(() => { throw new WnError('x', 'no file named'); })).failures.map((f) => f.reason)).toEqual(Array(5).fill('unnamed-file'));
    const slow = await run(() => { const end = performance.now() + 15; while (performance.now() < end); }, 5);
    expect(slow.failures.map((f) => f.reason)).toEqual(Array(5).fill('slow'));
    const polluting = await run(() => { (Object.prototype as Record<string, unknown>).polluted = 1; });
    expect(polluting.failures.map((f) => f.reason)).toEqual(Array(5).fill('polluted-prototype'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined(); // restored after each case
    const named = await run((_bytes, path) => { throw new FileFormatError({ op: 'probe', file: path }, 'bad'); });
    expect(named.counts).toEqual({ ok: 0, rejected: 5, other: 0 });
  });

  it('is deterministic by seed', async () => {
    const kinds = async (seed: number) => {
      const seen: string[] = [];
      await fuzzFormat({ name: 'probe', samples: [sample], load: (bytes) => seen.push(Array.from(bytes).join()) }, { cases: 20, seed });
      return seen;
    };
    expect(await kinds(7)).toEqual(await kinds(7));
    expect(await kinds(7)).not.toEqual(await kinds(8));
  });
});
