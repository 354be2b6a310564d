/**
 * A run folder's model, for `eval`, `sample` and `draw-sequence`: the final model.safetensors of
 * a finished run, or else the latest checkpoint.safetensors of a run still training (or
 * interrupted) — the weights evaluation uses either way (the Polyak average when the run keeps
 * one). The folder is only read: a run that is training there is not disturbed (its files are
 * replaced atomically).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadState } from '@wn/layers';
import { decodeCheckpoint, FieldReader, OptionError, readCheckpointHeader } from '@wn/runs';
import { RUN_FILES } from '@wn/runs/node';
import type { GenerativeModel } from './model.js';
import { buildModel, checkpointParts, newAverage, newOptimizer, RUN_KIND, type Args } from './trainer.js';

export interface SavedRun {
  args: Args;
  /** the model with the weights evaluation uses */
  model: GenerativeModel;
  /** where the weights came from, in words: "model.safetensors (finished, 20 epochs)", "checkpoint.safetensors after epoch 3 of 20" */
  source: string;
  /** epochs completed when the weights were saved */
  epochs: number;
  /** whether the weights are the Polyak average */
  averaged: boolean;
  dispose(): void;
}

const readBytes = (path: string) => new Uint8Array(readFileSync(path));

/** The run's settings: config.json's, or (before config.json is written) the checkpoint's. */
function readSettings(dir: string): Record<string, unknown> {
  const configPath = join(dir, RUN_FILES.config);
  const checkpointPath = join(dir, RUN_FILES.checkpoint);
  if (existsSync(configPath)) {
    const r = new FieldReader(configPath);
    const config = r.object(r.json(readFileSync(configPath, 'utf8'), 'config'), 'config');
    if (config.kind !== RUN_KIND) r.fail('kind', `expected '${RUN_KIND}' (a wn-gen run), got ${JSON.stringify(config.kind)}`);
    return r.object(config.settings, 'settings');
  }
  const r = new FieldReader(checkpointPath);
  return r.object(readCheckpointHeader(readBytes(checkpointPath), checkpointPath, RUN_KIND).settings, 'settings');
}

/**
 * Opens the run in `dir` (see the module comment). A folder with neither model.safetensors nor
 * checkpoint.safetensors is refused, naming both.
 */
export function openRun(dir: string): SavedRun {
  const modelPath = join(dir, RUN_FILES.model);
  const checkpointPath = join(dir, RUN_FILES.checkpoint);
  const finished = existsSync(modelPath);
  if (!finished && !existsSync(checkpointPath)) {
    throw new OptionError('--run', `${dir} has no run to read (neither ${RUN_FILES.model} of a finished run nor ${RUN_FILES.checkpoint} of one in progress)`);
  }
  // the run's own settings; building the model and loading the data check every value again
  const settings = readSettings(dir) as unknown as Omit<Args, 'outDir' | 'resume' | 'overwrite'>;
  const args = { ...settings, outDir: dir, resume: false, overwrite: false } as Args;
  const model = buildModel(args);
  try {
    if (finished) {
      loadState(model.module, readBytes(modelPath), { source: modelPath });
      const epochs = existsSync(join(dir, RUN_FILES.metrics)) ? readFileSync(join(dir, RUN_FILES.metrics), 'utf8').trim().split('\n').filter(Boolean).length : args.epochs;
      return { args, model, source: `${RUN_FILES.model} (finished, ${epochs} epochs)`, epochs, averaged: args.emaDecay > 0, dispose: () => model.dispose() };
    }
    const optimizer = newOptimizer(args, model);
    const ema = newAverage(args, model);
    try {
      const { bag } = decodeCheckpoint(readBytes(checkpointPath), { kind: RUN_KIND, parts: checkpointParts(args, model, optimizer, ema), file: checkpointPath });
      const records = bag.records();
      bag.dispose();
      const r = new FieldReader(checkpointPath);
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
