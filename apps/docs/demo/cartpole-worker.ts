/**
 * The CartPole demo's Web Worker: a DqnAgent from @wn/rl-dqn/browser (the `quick` preset, which
 * learns CartPole in about 50k frames) plays and learns frame after frame. About 15 times a second
 * it reports the frame count, frames per second, finished episodes and the env's own drawing.
 */
import { DqnAgent, make, presetArgs } from '@wn/rl-dqn/browser';
import { describeError, useBackend } from './backends.js';
import type { CartpoleReport, CartpoleRequest, CartpoleVariant, DemoBackend, EpisodeReport } from './protocol.js';

const post = (report: CartpoleReport, transfer: Transferable[] = []): void => postMessage(report, { transfer });
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
/** milliseconds between reports (and between yields to the message queue) */
const REPORT_MS = 66;

let agent: { agent: DqnAgent; key: string } | undefined;
let running = false;
let active = false;
let resetWhenStopped = false;

function dropAgent(): void {
  agent?.agent.dispose();
  agent = undefined;
}

async function start(backend: DemoBackend, variant: CartpoleVariant, maxFrames: number): Promise<void> {
  if (active) return;
  running = active = true;
  resetWhenStopped = false;
  try {
    const key = JSON.stringify({ backend, variant });
    if (agent?.key !== key) {
      dropAgent();
      post({ type: 'status', text: `starting the ${backend} backend…` });
      const actual = await useBackend(backend);
      const args = { ...presetArgs('quick', variant), frames: 1_000_000 };
      agent = { agent: new DqnAgent(args, make('CartPole-v1')), key };
      post({
        type: 'ready', backend: actual, parameters: agent.agent.online.numParameters(),
        settings: `Adam lr ${args.lr}, batch ${args.batchSize}, one update every ${args.trainEvery} frames from frame ${args.learningStarts}, target copy every ${args.targetUpdateEvery} updates, ε ${args.epsilonStart} → ${args.epsilonEnd} over ${args.epsilonFrames} frames`,
      });
    }
    const current = agent!.agent;
    while (running && (maxFrames === 0 || current.frame < maxFrames)) {
      const t0 = performance.now();
      const f0 = current.frame;
      const episodes: EpisodeReport[] = [];
      let lossSum = 0, losses = 0, epsilon = 0;
      while (performance.now() - t0 < REPORT_MS && (maxFrames === 0 || current.frame < maxFrames)) {
        const f = current.step();
        epsilon = f.epsilon;
        if (f.loss !== undefined) {
          lossSum += f.loss;
          losses++;
        }
        if (f.episodeEnded) episodes.push({ episode: current.episodes, frame: f.frame, return: f.episodeReturn });
      }
      const picture = current.env.render();
      post({
        type: 'progress', frame: current.frame, updates: current.updates, epsilon, loss: losses ? lossSum / losses : null, episodes,
        framesPerSecond: (1000 * (current.frame - f0)) / (performance.now() - t0), picture,
      }, [picture.data.buffer]);
      await nextTask();
    }
    if (resetWhenStopped) dropAgent();
    post({ type: 'stopped', frame: current.frame });
  } catch (error) {
    console.error(error);
    dropAgent();
    post({ type: 'error', message: describeError(error) });
  } finally {
    running = active = false;
  }
}

onmessage = (event: MessageEvent<CartpoleRequest>) => {
  const request = event.data;
  if (request.type === 'start') void start(request.backend, request.variant, request.maxFrames);
  else if (request.type === 'stop') running = false;
  else if (request.type === 'reset') {
    running = false;
    if (active) resetWhenStopped = true;
    else dropAgent();
  }
};
