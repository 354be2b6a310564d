/**
 * `@wn/rl-dqn` — the weight normalization paper's DQN experiment: MinAtar's five games and
 * Gymnasium's classic control in TypeScript (`envs`), and the DQN agent (`dqn`).
 *
 * @module @wn/rl-dqn
 */
export * from './envs/index.js';
export * from './dqn/index.js';
