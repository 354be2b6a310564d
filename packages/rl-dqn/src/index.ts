/**
 * @wn/rl-dqn — the weight normalization paper's DQN experiment. This first part holds the
 * environments: MinAtar's five games and Gymnasium's classic control, in TypeScript.
 */
export * from './envs/index.js';
