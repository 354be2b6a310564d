/**
 * A report on the VAE/DRAW runs under a folder — finished, still training or interrupted — without training
 * anything: the test ELBO of every run at equal epochs, the mean ± sd over seeds per variant, the epochs each
 * variant needs to reach the standard variant's final bound, the IW bounds `wn-gen eval` saved beside the runs,
 * and the bound charts. It only reads the runs, so it can run while they train (`wn-gen report --run DIR`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FieldReader, markdownTable, mean, sampleSd, type ChartFile, type JsonValue } from '@wn/runs';
import { collectRuns, groupRuns, valueAt, type CollectedRun, type RunReport } from '@wn/runs/node';
import { boundCharts, modelEntry, RUN_KIND, type EpochMetrics } from './trainer.js';
import type { ModelSettings } from './model.js';

/** What `wn-gen eval` saves in a run folder (`eval-k<K>-n<images>.json`): one evaluation of its weights. */
export interface SavedEvaluation {
  /** Importance samples per image. */
  k: number;
  /** Test images of the IW bound (the first ones). */
  k_images: number;
  /** Test images of the ELBO. */
  test_images: number;
  /** Test ELBO, nats per image, on all `test_images`. */
  elbo: number;
  /** The ELBO on the IW bound's images (to compare like with like). */
  elbo_on_k_images: number | null;
  /** The IW bound on `k_images` images. */
  iw: number | null;
  /** Seconds per image of the IW bound. */
  iw_seconds_per_image: number;
  /** Epochs the evaluated weights had trained. */
  epochs: number;
  /** Whether they were the Polyak average. */
  averaged: boolean;
  /** Which file they came from, in words. */
  source: string;
}

/** The file name `wn-gen eval` saves an evaluation under. */
export const evaluationFileName = (k: number, kImages: number): string => `eval-k${k}-n${kImages}.json`;

/** The evaluations saved in a run folder, largest k first. */
export function savedEvaluations(dir: string): SavedEvaluation[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^eval-k\d+-n\d+\.json$/.test(f))
    .map((f) => readEvaluation(join(dir, f)))
    .sort((a, b) => b.k - a.k || b.k_images - a.k_images);
}

/** One saved evaluation, checked field by field (errors name the file and the field). */
function readEvaluation(path: string): SavedEvaluation {
  const r = new FieldReader(path);
  const o = r.object(r.json(readFileSync(path, 'utf8'), 'evaluation'), 'evaluation');
  const num = (key: string) => r.field(o, key, 'evaluation', (v, f) => r.number(v, f));
  const numOrNull = (key: string) => r.field(o, key, 'evaluation', (v, f) => (v === null ? null : r.number(v, f)));
  return {
    k: r.field(o, 'k', 'evaluation', (v, f) => r.count(v, f)),
    k_images: r.field(o, 'k_images', 'evaluation', (v, f) => r.count(v, f)),
    test_images: r.field(o, 'test_images', 'evaluation', (v, f) => r.count(v, f)),
    elbo: num('elbo'),
    elbo_on_k_images: numOrNull('elbo_on_k_images'),
    iw: numOrNull('iw'),
    iw_seconds_per_image: num('iw_seconds_per_image'),
    epochs: r.field(o, 'epochs', 'evaluation', (v, f) => r.count(v, f)),
    averaged: r.field(o, 'averaged', 'evaluation', (v, f) => r.boolean(v, f)),
    source: r.field(o, 'source', 'evaluation', (v, f) => r.string(v, f)),
  };
}

/** What {@link reportGenRuns} produces (`writeRunReport` writes the files; charts `report-<model>-test-elbo-vs-*.svg/.png`). */
export type GenReport = RunReport;

type Run = CollectedRun<EpochMetrics>;
const VARIANT_ORDER = ['standard', 'weightnorm', 'weightnorm+init', 'weightnorm+mobn', 'batchnorm'];
const nats = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(2));
const spread = (vs: readonly number[]) => (vs.length === 0 ? '—' : `${nats(mean(vs))}${vs.length > 1 ? ` ± ${nats(sampleSd(vs))}` : ''} (${vs.length})`);

/** Epochs at which the tables read the curves: 1, then `points − 1` evenly up to `epochs`. */
function readingEpochs(epochs: number, points: number): number[] {
  const out = new Set([1]);
  for (let i = 1; i < points; i++) out.add(Math.max(1, Math.round((epochs * i) / (points - 1))));
  return [...out].filter((e) => e <= epochs).sort((a, b) => a - b);
}

/** Reads every wn-gen run below `dir` and builds the report; throws a `RunFolderError` when there is none. */
export function reportGenRuns(dir: string, options: { points?: number; name?: string } = {}): GenReport {
  const all = collectRuns<EpochMetrics>(dir, RUN_KIND, { required: true });
  const sections: string[] = [];
  const json: Record<string, JsonValue> = {};
  const charts: ChartFile[] = [];
  const models = groupRuns(all, 'model');
  for (const { group: model, runs } of models) {
    const target = Math.max(...runs.map((r) => Number(r.settings.epochs)));
    const at = readingEpochs(target, options.points ?? 6);
    const variants = groupRuns(runs, 'variant', VARIANT_ORDER);
    const reached = (r: Run) => r.rows.at(-1)?.epoch ?? 0;
    const elboAt = (r: Run, e: number) => valueAt(r.rows, 'epoch', 'test_elbo', e);
    const evals = (r: Run) => savedEvaluations(r.dir);
    const iwText = (r: Run) => evals(r).filter((e) => e.iw !== null).map((e) => `${nats(e.iw)} (k = ${e.k}, ${e.k_images} images, epoch ${e.epochs})`).join('; ') || '—';
    const cpuPerEpoch = (r: Run) => (r.rows.length ? (r.rows.at(-1)!.cpu_seconds / reached(r)).toFixed(0) : '—');
    const perRun = variants.flatMap(({ group, runs: rs }) => rs.map((r) => [
      group, String(r.settings.seed), `${reached(r)} / ${String(r.settings.epochs)}${r.finished ? '' : ' (in progress)'}`,
      ...at.map((e) => nats(elboAt(r, e))), nats(r.rows.at(-1)?.test_elbo_raw ?? null), nats(r.rows.at(-1)?.train_kl ?? null), iwText(r), cpuPerEpoch(r),
    ]));
    // the standard variant's final bound (mean over its seeds that finished), and the first epoch each variant's seed-mean reaches it
    const standardFinals = variants.find((v) => v.group === 'standard')?.runs.filter((r) => reached(r) >= target).map((r) => elboAt(r, target)!) ?? [];
    const goal = standardFinals.length ? mean(standardFinals) : null;
    const epochsTo = (rs: readonly Run[]) => {
      if (goal === null) return '—';
      const done = rs.filter((r) => reached(r) >= target);
      if (done.length === 0) return '—';
      for (let e = 1; e <= target; e++) if (mean(done.map((r) => elboAt(r, e)!)) >= goal - 1e-9) return String(e);
      return `not in ${target}`;
    };
    // IW bounds are averaged only over runs evaluated alike (same k, same images): one entry per protocol, largest k first
    const iwByProtocol = (rs: readonly Run[]) => {
      const found = rs.flatMap((r) => evals(r).filter((e) => e.iw !== null));
      const protocols = [...new Map(found.map((e) => [`${e.k}/${e.k_images}`, e])).values()].sort((a, b) => b.k - a.k || b.k_images - a.k_images);
      return protocols.map((p) => `${spread(found.filter((e) => e.k === p.k && e.k_images === p.k_images).map((e) => e.iw!))} at k = ${p.k}, ${p.k_images} images`).join('; ') || '—';
    };
    const perVariant = variants.map(({ group, runs: rs }) => [
      group, String(rs.length),
      ...at.map((e) => spread(rs.map((r) => elboAt(r, e)).filter((v): v is number => v !== null))),
      epochsTo(rs),
      iwByProtocol(rs),
    ]);
    const s0 = runs[0].settings;
    // the sizes (T, patches, channels…) from the model's own description of the first run's settings
    const sizes = typeof s0.settings === 'object' && s0.settings !== null ? `${modelEntry(model).describe(s0.settings as ModelSettings)}; ` : '';
    const averaged = runs.some((r) => r.rows.some((m) => m.test_elbo_raw !== m.test_elbo));
    sections.push([
      `## ${model}`,
      '',
      `${sizes}${runs.length} runs (${runs.filter((r) => r.finished).length} finished); ${String(s0.trainLimit ?? 'all')} training images, ${String(s0.testLimit ?? 'all')} test images, ` +
        `batch ${String(s0.batchSize)}, ${String(s0.optimizer)} lr ${String(s0.lr)}${averaged ? `, Polyak decay ${String(s0.emaDecay)}` : ''}. ` +
        `Test ELBO in nats per image (higher is better)${averaged ? ' with the Polyak-averaged weights; "raw" is the last weights\' ELBO at the last epoch' : ''}; "KL, last": the training KL term of the last epoch (near 0: the posterior has collapsed, the model ignores z).`,
      '',
      markdownTable(['variant', 'seed', 'epochs', ...at.map((e) => `epoch ${e}`), 'raw, last', 'KL, last (train)', 'IW bound (saved by wn-gen eval)', 'CPU s / epoch'], perRun),
      '',
      `Per variant, mean ± sd over the seeds that reached each epoch (their number in brackets); "epochs to standard": the first epoch at which the seed-mean ELBO of the finished runs reaches the standard variant's final one${goal === null ? ' (no finished standard run yet)' : ` (${nats(goal)})`}:`,
      '',
      markdownTable(['variant', 'runs', ...at.map((e) => `epoch ${e}`), 'epochs to standard', 'IW bound (per k and images)'], perVariant),
    ].join('\n'));
    json[model] = {
      epochs: at,
      standard_final: goal,
      runs: variants.flatMap(({ group, runs: rs }) => rs.map((r) => ({
        variant: group, seed: Number(r.settings.seed), folder: r.name, finished: r.finished, epochs: reached(r),
        test_elbo: at.map((e) => elboAt(r, e)), test_elbo_raw_last: r.rows.at(-1)?.test_elbo_raw ?? null,
        evaluations: evals(r) as unknown as JsonValue,
      }))),
    };
    const files = boundCharts(variants.map(({ group, runs: rs }) => ({ name: group, runs: rs.map((r) => r.rows) })), `${model}, ${String(s0.trainLimit ?? 'all')} training images`, { partial: true });
    charts.push(...files.map((f) => ({ ...f, name: `report-${model}-${f.name}` })));
  }
  const markdown = `# Generative-model runs in ${options.name ?? dir}\n\n${sections.join('\n\n')}\n`;
  return { markdown, json, charts, runs: all.length, finished: all.filter((r) => r.finished).length };
}
