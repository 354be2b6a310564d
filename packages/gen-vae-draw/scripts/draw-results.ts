/**
 * Collects a finished DRAW comparison (`wn-gen compare --model draw … --out RUNS`) into a results
 * folder: the comparison's summary and charts, each variant's sample grid (seed 1) and its canvas
 * sequence as a GIF and a PNG strip, drawn from the run's final model. From packages/gen-vae-draw:
 *
 *     node --conditions=@wn/source --import tsx scripts/draw-results.ts runs/draw-compare results/draw
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@wn/tensor';
import { loadState } from '@wn/layers';
import { DRAW_ENTRY, type Draw } from '../src/draw/entry.js';
import { canvasSequenceFiles } from '../src/draw/sequence.js';

const [runs, out] = process.argv.slice(2);
if (!runs || !out) throw new Error('usage: draw-results.ts RUNS_DIR OUT_DIR');
mkdirSync(out, { recursive: true });
for (const f of readdirSync(runs)) {
  if (/^(summary\.(md|json)|.*\.(svg|png))$/.test(f)) copyFileSync(join(runs, f), join(out, f));
}
for (const variant of readdirSync(runs)) {
  const run = join(runs, variant, 'seed-1');
  if (!existsSync(join(run, 'model.safetensors'))) continue;
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { settings: { variant: 'standard' | 'weightnorm'; settings: Record<string, number> } };
  const model = DRAW_ENTRY.build({ variant: config.settings.variant, rng: new Rng(0), settings: config.settings.settings }) as Draw;
  loadState(model.module, readFileSync(join(run, 'model.safetensors')), { source: join(run, 'model.safetensors') });
  for (const { name, bytes } of canvasSequenceFiles(model, { n: 16, stripImages: 8, seed: 7 })) writeFileSync(join(out, `${variant}-${name}`), bytes);
  copyFileSync(join(run, 'samples.png'), join(out, `${variant}-samples.png`));
  model.dispose();
  console.log(`${variant}: canvas sequence and samples from ${run}`);
}
