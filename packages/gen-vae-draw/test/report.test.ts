import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptFileError } from '@wn/runs';
import { reportGenRuns } from '../src/report.js';

const dir = mkdtempSync(join(tmpdir(), 'wn-gen-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A VAE run folder as `train` leaves it; its test ELBO per epoch given by `elbo`. */
function fakeRun(variant: string, seed: number, epochs: number, elbo: (e: number) => number, finished: boolean) {
  const run = join(dir, 'vae', variant, `seed-${seed}`);
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'config.json'), JSON.stringify({ kind: 'wn-gen', settings: { model: 'vae', variant, seed, epochs: 10, trainLimit: 1000, testLimit: 100, batchSize: 50, optimizer: 'adamax', lr: 0.002, emaDecay: 0, settings: { width: 0.5, hidden: 128, latent: 32, blocks: 2 } } }));
  const rows = Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, seconds: 10 * (i + 1), epoch_seconds: 10, cpu_seconds: 9 * (i + 1), train_elbo: 0, train_reconstruction: 0, train_kl: 0, test_elbo: elbo(i + 1), test_elbo_raw: elbo(i + 1), test_iw: 0, iw_k: 0, iw_images: 0, examples_per_second: 100 }));
  writeFileSync(join(run, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(join(run, finished ? 'model.safetensors' : 'checkpoint.safetensors'), 'weights');
  return run;
}
fakeRun('standard', 1, 10, (e) => -200 + 10 * e, true); // final -100
fakeRun('standard', 2, 10, (e) => -190 + 10 * e, true); // final -90: the standard target is their mean, -95
fakeRun('weightnorm+init', 1, 10, (e) => -150 + 10 * e, true); // reaches -95 at epoch 6 (-90); with seed 2 (-148 + 10e) the mean -149 + 10e ≥ -95 at epoch 6
const wn2 = fakeRun('weightnorm+init', 2, 10, (e) => -148 + 10 * e, true);
fakeRun('weightnorm+init', 3, 4, (e) => -100 + e, false); // in progress: in the tables, not in "epochs to standard"
// a second protocol on another run: the per-variant column averages only runs evaluated alike
writeFileSync(join(dir, 'vae', 'weightnorm+init', 'seed-1', 'eval-k5000-n10.json'), JSON.stringify({ k: 5000, k_images: 10, test_images: 100, elbo: -53, elbo_on_k_images: -53, iw: -49.25, iw_seconds_per_image: 8, epochs: 10, averaged: false, source: 'model.safetensors (finished, 10 epochs)' }));
writeFileSync(join(wn2, 'eval-k500-n100.json'), JSON.stringify({ k: 500, k_images: 100, test_images: 100, elbo: -52, elbo_on_k_images: -52, iw: -50.5, iw_seconds_per_image: 0.8, epochs: 10, averaged: false, source: 'model.safetensors (finished, 10 epochs)' }));

describe('wn-gen report', () => {
  it('reads the ELBO at equal epochs, the epochs each variant needs to reach the standard final bound, and saved IW bounds', () => {
    const r = reportGenRuns(dir);
    expect(r).toMatchObject({ runs: 5, finished: 4 });
    const lines = r.markdown.split('\n');
    // readings at epochs 1, 2, 4, 6, 8, 10
    expect(lines).toContain('| standard | 1 | 10 / 10 | -190.00 | -180.00 | -160.00 | -140.00 | -120.00 | -100.00 | -100.00 | 0.00 | — | 9 |');
    expect(lines).toContain('| weightnorm+init | 3 | 4 / 10 (in progress) | -99.00 | -98.00 | -96.00 | — | — | — | -96.00 | 0.00 | — | 9 |');
    expect(lines).toContain('| weightnorm+init | 2 | 10 / 10 | -138.00 | -128.00 | -108.00 | -88.00 | -68.00 | -48.00 | -48.00 | 0.00 | -50.50 (k = 500, 100 images, epoch 10) | 9 |');
    expect(r.markdown).toContain("reaches the standard variant's final one (-95.00)");
    // the sizes come from the model's description of the runs' settings; the KL column from the last metrics row
    expect(r.markdown).toContain('channels 8/16 (paper 16/32), hidden 128 (paper 450), z 32, 2 ResNet blocks per stage; 5 runs (4 finished)');
    expect(r.markdown).toContain('| raw, last | KL, last (train) |');
    expect(lines).toContain('| standard | 2 | -185.00 ± 7.07 (2) | -175.00 ± 7.07 (2) | -155.00 ± 7.07 (2) | -135.00 ± 7.07 (2) | -115.00 ± 7.07 (2) | -95.00 ± 7.07 (2) | 10 | — |');
    expect([...lines].reverse().find((l) => l.startsWith('| weightnorm+init | 3 |'))).toMatch(/\| 6 \| -49\.25 \(1\) at k = 5000, 10 images; -50\.50 \(1\) at k = 500, 100 images \|$/);
    expect(r.charts.map((f) => f.name)).toEqual(['report-vae-test-elbo-vs-epoch.svg', 'report-vae-test-elbo-vs-epoch.png', 'report-vae-test-elbo-vs-time.svg', 'report-vae-test-elbo-vs-time.png']);
  });

  it('names a saved evaluation that is not what eval writes', () => {
    writeFileSync(join(wn2, 'eval-k5-n1.json'), JSON.stringify({ k: 5, k_images: 1, test_images: 1, elbo: 'high' }));
    expect(() => reportGenRuns(dir)).toThrow(CorruptFileError);
    expect(() => reportGenRuns(dir)).toThrow(/eval-k5-n1\.json.*elbo/);
    rmSync(join(wn2, 'eval-k5-n1.json'));
  });
});
