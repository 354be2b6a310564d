export {
  type Args, type DqnMetrics, type PresetName, type TrainOptions, type TrainResult,
  PRESET_NAMES, RUN_KIND, buildOnline, checkArgs, epsilonSchedule, evaluate, makeEnvFor, networkKind, presetArgs, runSettings, train, updateTarget,
} from './dqn.js';
export {
  type AgentFrame, type AgentPosition, type UpdateParts, type UpdateSettings, DqnAgent, dqnUpdate, dataInitFromReplay,
} from './agent.js';
export { buildQNetwork, greedyAction, qValues, Q_NETWORKS, Q_VARIANTS, type QNetworkKind, type QNetworkSpec, type QVariant } from './qnet.js';
export { ReplayBuffer, type ReplayBatch, type ReplayOptions, type ReplayState } from './replay.js';
export { checkEpsilonSchedule, epsilonAt, type EpsilonSchedule } from './schedule.js';
export { argmaxRow, selectActions, tdLoss, tdTargets, type TdLoss, type TdTargetInput } from './targets.js';
export { makeOptimizer, OPTIMIZERS, type OptimizerName, type OptimizerSettings } from './optimizers.js';
export { reportDqnRuns, publishedDqnReturns, MINATAR_PUBLISHED_DQN, type DqnReport } from './report.js';
export { compare, formatSummaryTable, type CompareOptions, type CompareResult, type SummaryRow } from './compare.js';
export { downscale, renderEpisode, type RenderedEpisode } from './render.js';
