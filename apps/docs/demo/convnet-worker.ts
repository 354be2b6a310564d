/**
 * The convnet demo's Web Worker: loads the embedded Fashion-MNIST subset, races the two
 * parameterizations (convnet-race.ts) on the chosen backend and reports every step, so the page
 * only draws. Steps run back to back; a zero-delay timeout between them lets `stop` arrive.
 */
import { fetchEmbeddedFashionMnist, type DatasetSplits } from '@wn/data/browser';
import { ENGINE } from '@wn/tensor';
import { ConvnetRace, type RaceOptions } from './convnet-race.js';
import { describeError, useBackend } from './backends.js';
import type { ConvnetReport, ConvnetRequest, DemoBackend } from './protocol.js';

const post = (report: ConvnetReport): void => postMessage(report);
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Kernels the gpu.js backend had to run as plain JavaScript instead of on the GPU (none expected). */
const degradedKernels = (): string[] => [...((ENGINE.backend as { degradedKernels?: readonly string[] }).degradedKernels ?? [])];

let data: DatasetSplits | undefined;
let race: { race: ConvnetRace; key: string } | undefined;
let running = false;
/** a training loop is between its start and its end (running may already be false) */
let active = false;
let resetWhenStopped = false;

function dropRace(): void {
  race?.race.dispose();
  race = undefined;
}

async function start(backend: DemoBackend, options: Partial<RaceOptions>, maxSteps: number, evalEvery: number): Promise<void> {
  if (active) return;
  running = active = true;
  resetWhenStopped = false;
  try {
    const key = JSON.stringify({ backend, options });
    if (race?.key !== key) {
      dropRace();
      if (!data) {
        post({ type: 'status', text: 'fetching the embedded Fashion-MNIST subset…' });
        data = await fetchEmbeddedFashionMnist();
      }
      post({ type: 'status', text: `starting the ${backend} backend…` });
      const actual = await useBackend(backend);
      post({ type: 'status', text: 'building both models (weightnorm+init: data-dependent init)…' });
      race = { race: new ConvnetRace(data.train, data.test, options), key };
      post({ type: 'ready', backend: actual, parameters: race.race.parameters(), trainImages: data.train.n, evalImages: Math.min(race.race.options.evalImages, data.test.n) });
      post({ type: 'eval', eval: race.race.evaluate() });
    }
    const current = race!.race;
    while (running && (maxSteps === 0 || current.step < maxSteps)) {
      post({ type: 'step', step: current.trainStep() });
      if (current.step % evalEvery === 0) post({ type: 'eval', eval: current.evaluate() });
      await nextTask();
    }
    if (resetWhenStopped) dropRace();
    else if (current.step % evalEvery !== 0) post({ type: 'eval', eval: current.evaluate() });
    post({ type: 'stopped', step: current.step, degradedKernels: degradedKernels() });
  } catch (error) {
    console.error(error);
    dropRace();
    post({ type: 'error', message: describeError(error) });
  } finally {
    running = active = false;
  }
}

onmessage = (event: MessageEvent<ConvnetRequest>) => {
  const request = event.data;
  if (request.type === 'start') void start(request.backend, request.options, request.maxSteps, Math.max(1, request.evalEvery));
  else if (request.type === 'stop') running = false;
  else if (request.type === 'reset') {
    running = false;
    if (active) resetWhenStopped = true;
    else dropRace();
  }
};
