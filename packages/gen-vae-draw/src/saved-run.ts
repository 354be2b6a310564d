/**
 * A run folder's model, for `eval`, `sample` and `draw-sequence`: the final model.safetensors of
 * a finished run, or else the latest checkpoint.safetensors of a run still training (or
 * interrupted) — the weights evaluation uses either way (the Polyak average when the run keeps
 * one). The folder is only read: a run that is training there is not disturbed (its files are
 * replaced atomically).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadState } from '@wn/layers';
import { decodeCheckpoint, FieldReader, OptionError } from '@wn/runs';
import { readMetricsJsonl, readRunSettings, RUN_FILES, savedWeights } from '@wn/runs/node';
import type { GenerativeModel } from './model.js';
import { buildModel, checkpointParts, newAverage, newOptimizer, RUN_KIND, type Args } from './trainer.js';

/** A run folder opened for evaluation: its settings, the model with the weights it saved, and where they came from. */
export interface SavedRun {
  /** the run's settings (its config.json) */
  args: Args;
  /** the model with the weights evaluation uses */
  model: GenerativeModel;
  /** where the weights came from, in words: "model.safetensors (finished, 20 epochs)", "checkpoint.safetensors after epoch 3 of 20" */
  source: string;
  /** epochs completed when the weights were saved */
  epochs: number;
  /** whether the weights are the Polyak average */
  averaged: boolean;
  /** frees the model's tensors */
  dispose(): void;
}

const readBytes = (path: string) => new Uint8Array(readFileSync(path));

/**
 * Opens the run in `dir` (see the module comment). A folder with neither model.safetensors nor
 * checkpoint.safetensors is refused, naming both.
 */
export function openRun(dir: string): SavedRun {
  const weights = savedWeights(dir);
  if (!weights) throw new OptionError('--run', `${dir} has no run to read (neither ${RUN_FILES.model} of a finished run nor ${RUN_FILES.checkpoint} of one in progress)`);
  const { file, finished } = weights;
  // the run's own settings; building the model and loading the data check every value again
  const settings = readRunSettings(dir, RUN_KIND) as unknown as Omit<Args, 'outDir' | 'resume' | 'overwrite'>;
  const args = { ...settings, outDir: dir, resume: false, overwrite: false } as Args;
  const model = buildModel(args);
  try {
    if (finished) {
      loadState(model.module, readBytes(file), { source: file });
      const epochs = readMetricsJsonl(join(dir, RUN_FILES.metrics)).length || args.epochs;
      return { args, model, source: `${RUN_FILES.model} (finished, ${epochs} epochs)`, epochs, averaged: args.emaDecay > 0, dispose: () => model.dispose() };
    }
    const optimizer = newOptimizer(args, model);
    const ema = newAverage(args, model);
    try {
      const { bag } = decodeCheckpoint(readBytes(file), { kind: RUN_KIND, parts: checkpointParts(args, model, optimizer, ema), file });
      const records = bag.records();
      bag.dispose();
      const r = new FieldReader(file);
      const epochs = r.field(records as Record<string, unknown>, 'epoch', 'records', (v, f) => r.count(v, f));
      const step = r.field(records as Record<string, unknown>, 'step', 'records', (v, f) => r.count(v, f));
      // the average stays swapped in until dispose (which swaps it out and frees it, then the model)
      ema?.swapIn();
      return {
        args, model, epochs, averaged: ema !== null,
        source: `${RUN_FILES.checkpoint} after epoch ${epochs} of ${args.epochs}${step > 0 ? ` and ${step} steps of the next` : ''}`,
        dispose: () => {
          ema?.dispose();
          model.dispose();
        },
      };
    } catch (e) {
      ema?.dispose();
      throw e;
    } finally {
      optimizer.dispose();
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
}
