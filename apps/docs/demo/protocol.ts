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

/** The DQN variants the CartPole demo offers. */
export const CARTPOLE_VARIANTS = ['weightnorm+init', 'standard'] as const;
export type CartpoleVariant = (typeof CARTPOLE_VARIANTS)[number];

/** Page → CartPole worker. `start` continues the current agent, or builds a new one when the settings differ. */
export type CartpoleRequest =
  | { type: 'start'; backend: DemoBackend; variant: CartpoleVariant; /** stop after this many frames in all (0: until stopped) */ maxFrames: number }
  | { type: 'stop' }
  | { type: 'reset' };

/** One finished episode. */
export interface EpisodeReport {
  readonly episode: number;
  /** the frame it ended on */
  readonly frame: number;
  readonly return: number;
}

/** CartPole worker → page. */
export type CartpoleReport =
  | { type: 'status'; text: string }
  | { type: 'ready'; backend: string; parameters: number; settings: string }
  | {
    type: 'progress'; frame: number; updates: number; epsilon: number; framesPerSecond: number;
    /** mean TD loss since the last report (null before learning starts) */
    loss: number | null;
    /** episodes that ended since the last report */
    episodes: EpisodeReport[];
    /** the env's own drawing (CartPoleEnv.render(): RGB, 600 × 400) */
    picture: { width: number; height: number; data: Uint8Array };
  }
  | { type: 'stopped'; frame: number }
  | { type: 'error'; message: string };
