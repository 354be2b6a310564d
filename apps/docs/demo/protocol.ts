/** Messages between the demo pages and their Web Workers (structured-clone plain objects). */
import type { RaceEval, RaceOptions, RaceStep } from './convnet-race.js';

/** The backends the demos offer: @wn/tensor's wasm kernels, and gpu.js on WebGL2. */
export const DEMO_BACKENDS = ['wasm', 'gpujs-webgl2'] as const;
export type DemoBackend = (typeof DEMO_BACKENDS)[number];

/** Page → convnet worker. `start` continues the current race, or begins a new one when the settings differ. */
export type ConvnetRequest =
  | { type: 'start'; backend: DemoBackend; options: Partial<RaceOptions>; /** stop after this many steps in all (0: until stopped) */ maxSteps: number; /** evaluate every this many steps */ evalEvery: number }
  | { type: 'stop' }
  | { type: 'reset' };

/** Convnet worker → page. */
export type ConvnetReport =
  | { type: 'status'; text: string }
  | { type: 'ready'; backend: string; parameters: Record<string, number>; trainImages: number; evalImages: number }
  | { type: 'step'; step: RaceStep }
  | { type: 'eval'; eval: RaceEval }
  | { type: 'stopped'; step: number; /** gpu.js kernels that fell back to plain JavaScript */ degradedKernels: string[] }
  | { type: 'error'; message: string };

/** Page → CartPole worker. */
export type CartpoleRequest =
  | { type: 'start'; backend: DemoBackend; /** stop after this many frames in all (0: until stopped) */ maxFrames: number }
  | { type: 'stop' }
  | { type: 'reset' };

/** One finished episode. */
export interface EpisodeReport {
  readonly episode: number;
  readonly frame: number;
  readonly return: number;
}

/** CartPole worker → page. */
export type CartpoleReport =
  | { type: 'status'; text: string }
  | { type: 'ready'; backend: string; parameters: number }
  | { type: 'progress'; frame: number; updates: number; epsilon: number; framesPerSecond: number; loss: number | null; /** cart position and pole angle for the drawing, and the env's own RGB frame */ state: readonly number[]; frameRgb: { width: number; height: number; data: Uint8Array } | null }
  | { type: 'episode'; episode: EpisodeReport }
  | { type: 'stopped'; frame: number }
  | { type: 'error'; message: string };
