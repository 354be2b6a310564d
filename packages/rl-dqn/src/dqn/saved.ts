/**
 * A run folder's agent, for `eval` and `render`: the online network of a finished run
 * (model.safetensors), or else of the latest checkpoint of a run still training or interrupted.
 * The folder is only read: a run training there is not disturbed (its files are replaced atomically).
 */
import { readFileSync } from 'node:fs';
import { loadState, type Sequential } from '@wn/layers';
import { decodeCheckpoint, FieldReader, OptionError } from '@wn/runs';
import { readRunSettings, RUN_FILES, savedWeights } from '@wn/runs/node';
import { buildOnline, checkArgs, checkpointParts, makeEnvFor, presetArgs, RUN_KIND, type Args } from './dqn.js';
import { makeOptimizer } from './optimizers.js';

export interface SavedAgent {
  args: Args;
  /** the online Q-network */
  net: Sequential;
  /** where the weights came from, in words: "model.safetensors (finished, 500000 frames)", "checkpoint.safetensors at frame 75000 of 500000" */
  source: string;
  /** frames trained when the weights were saved */
  frame: number;
}

const readBytes = (path: string) => new Uint8Array(readFileSync(path));

/** Opens the agent of the run in `dir` (see the module comment); a folder with no run is refused, naming what it needs. */
export function openAgent(dir: string): SavedAgent {
  const weights = savedWeights(dir);
  if (!weights) throw new OptionError('--run', `'${dir}' has no agent to read (neither ${RUN_FILES.model} of a finished wn-dqn run nor ${RUN_FILES.checkpoint} of one in progress)`);
  const { file, finished } = weights;
  const settings = readRunSettings(dir, RUN_KIND) as unknown as Partial<Args>;
  const args: Args = { ...presetArgs('cartpole'), ...settings, outDir: dir, resume: false, overwrite: false };
  checkArgs(args);
  const net = buildOnline(args, makeEnvFor(args.env));
  try {
    if (finished) {
      loadState(net, readBytes(file), { source: file });
      return { args, net, source: `${RUN_FILES.model} (finished, ${args.frames} frames)`, frame: args.frames };
    }
    const target = net.clone();
    const optimizer = makeOptimizer(net, args);
    try {
      const { bag } = decodeCheckpoint(readBytes(file), { kind: RUN_KIND, parts: checkpointParts(net, target, optimizer), file });
      const r = new FieldReader(file);
      const train = r.object(bag.record('train'), 'records.train');
      const frame = r.field(train, 'frame', 'records.train', (v, f) => r.count(v, f));
      bag.dispose();
      return { args, net, source: `${RUN_FILES.checkpoint} at frame ${frame} of ${args.frames}`, frame };
    } finally {
      target.dispose();
      optimizer.dispose();
    }
  } catch (e) {
    net.dispose();
    throw e;
  }
}
