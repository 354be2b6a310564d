/**
 * @wn/rl-dqn/browser — the environments and the DQN agent without run folders: everything here
 * runs in a browser page or a Web Worker (no `node:*` module in its module graph; a test walks
 * it). `DqnAgent` plays and learns one frame at a time with `train`'s rules; `train`, `compare`,
 * the renderers and the CLI, which write files, stay in the main entry.
 */
export * from './envs/index.js';
export {
  type Args, type PresetName, PRESET_NAMES, presetArgs, checkArgs, epsilonSchedule, makeEnvFor, networkKind, buildOnline,
} from './dqn/settings.js';
export {
  type AgentFrame, type AgentPosition, type UpdateParts, type UpdateSettings,
  DqnAgent, dqnUpdate, dataInitFromReplay, evaluate, updateTarget,
} from './dqn/agent.js';
export { buildQNetwork, greedyAction, qValues, Q_NETWORKS, Q_VARIANTS, type QNetworkKind, type QNetworkSpec, type QVariant } from './dqn/qnet.js';
export { ReplayBuffer, type ReplayBatch, type ReplayOptions, type ReplayState } from './dqn/replay.js';
export { checkEpsilonSchedule, epsilonAt, type EpsilonSchedule } from './dqn/schedule.js';
export { argmaxRow, selectActions, tdLoss, tdTargets, type TdLoss, type TdTargetInput } from './dqn/targets.js';
export { makeOptimizer, OPTIMIZERS, type OptimizerName, type OptimizerSettings } from './dqn/optimizers.js';
