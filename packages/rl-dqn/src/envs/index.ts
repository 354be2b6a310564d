export { Box, Discrete, type ObsArray, type ObsDtype } from './spaces.js';
export type { Env, EnvState, Frame, ResetResult, StepResult } from './types.js';
export { EnvBase, type CommonEnvOptions } from './base.js';
export { make, listEnvs, closestEnvId, type MakeOptions } from './registry.js';
export {
  VectorEnv,
  makeVec,
  type AutoresetMode,
  type EpisodeRecord,
  type VectorEnvState,
  type VectorOptions,
  type VectorStepInfo,
  type VectorStepResult,
} from './vector.js';
export { CartPoleEnv, cartPoleStep, CARTPOLE_THETA_LIMIT, CARTPOLE_X_LIMIT, type CartPoleOptions } from './classic/cartpole.js';
export { AcrobotEnv, acrobotStep, acrobotDerivatives, acrobotRk4, wrapAngle } from './classic/acrobot.js';
export { MountainCarEnv, mountainCarStep } from './classic/mountain-car.js';
export { MinAtarEnv, MINATAR_GAMES, type MinAtarGameName, type MinAtarOptions } from './minatar/env.js';
export { ACTION_NAMES, type MinAtarGame } from './minatar/game.js';
export { Asterix } from './minatar/asterix.js';
export { Breakout } from './minatar/breakout.js';
export { Freeway } from './minatar/freeway.js';
export { Seaquest } from './minatar/seaquest.js';
export { SpaceInvaders } from './minatar/space-invaders.js';
export { Canvas, type Rgb } from './raster.js';
