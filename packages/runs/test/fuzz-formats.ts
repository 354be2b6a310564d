/**
 * @wn/runs' checkpoint file for the fuzz harness (@wn/tooling/fuzz): a safetensors file whose
 * metadata holds the settings, the optimizers' and averages' records and the state bag. Used by
 * fuzz.test.ts and tooling/scripts/fuzz.ts.
 */
import { dispose, tensor, type Tensor } from '@wn/tensor';
import { safetensorsHeader, type FuzzFormat } from '@wn/tooling/fuzz';
import { decodeCheckpoint, encodeCheckpoint, StateBag, type CheckpointParts } from '../src/index.js';
import { trained } from './trained-run.js';

const KIND = 'fuzz-run';

/** A trained run's parts, with their disposal. */
function trainedParts(seed: number, steps: number): CheckpointParts & { dispose(): void } {
  const run = trained(seed, steps);
  return { ...run.parts, dispose: run.dispose };
}

export function runsFormats(): FuzzFormat<unknown>[] {
  const full = trainedParts(1, 3);
  const weights = tensor([1, 2, 3, 4], [2, 2]);
  const bag = new StateBag()
    .setRecord('position', { epoch: 2, step: 5, metrics: [{ loss: 0.5 }] })
    .setGenerator('dropout', { seed: 9, stream: 41 })
    .setArray('replay', Uint8Array.from([0, 7, 255, 1]))
    .setArray('envs', Float32Array.from([0.25, -1.5]))
    .setArray('actions', Int32Array.from([-2147483648, 3]))
    .setTensor('ema-weights', weights);
  const samples = [
    encodeCheckpoint({ kind: KIND, settings: { lr: 0.01, width: 1 / 3, variant: 'weightnorm' }, parts: full, bag }),
    encodeCheckpoint({ kind: KIND, settings: { lr: 0.01 }, parts: trainedParts(3, 1), bag: new StateBag().setRecord('position', { epoch: 0, step: 1 }) }),
  ];
  weights.dispose();
  return [
    {
      name: 'checkpoint',
      samples,
      json: safetensorsHeader,
      load: (bytes, path) => {
        const parts = trainedParts(2, 0); // fresh parts per case: the check steps them
        try {
          const loaded = decodeCheckpoint(bytes, { kind: KIND, parts, file: path });
          // a resuming trainer reads its records at once, through the bag's checked readers
          try {
            if (loaded.bag.hasRecord('dropout')) loaded.bag.generator('dropout');
          } catch (e) {
            loaded.bag.dispose();
            throw e;
          }
          return { parts, ...loaded };
        } catch (e) {
          parts.dispose();
          throw e;
        }
      },
      check: (loaded) => {
        // what loaded must drive the next step of a run: read the bag, step the optimizer
        const { parts, bag } = loaded as { parts: ReturnType<typeof trainedParts>; bag: StateBag };
        try {
          const optimizer = parts.optimizers!.adam;
          const grads = optimizer.params.map((p) => tensor(new Float32Array(p.value.size), [...p.shape]) as Tensor);
          optimizer.step(grads);
          dispose(grads);
        } finally {
          bag.dispose();
          parts.dispose();
        }
      },
    },
  ];
}
