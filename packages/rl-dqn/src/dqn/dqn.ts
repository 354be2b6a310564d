/**
 * DQN (Mnih et al. 2015), top to bottom in CleanRL's style: typed `Args`, the presets (CleanRL's
 * CartPole, MinAtar's examples/dqn.py, the weight-norm paper's changes), then one `train` that
 * acts ε-greedily, fills the replay memory, updates the online network on sampled batches against
 * a target network, evaluates, checkpoints and resumes bit for bit.
 *
 * Variants are settings, never copies: the parameterization (`standard`, `weightnorm`,
 * `weightnorm+init`), the loss, double DQN, Polyak τ and the optimizer are fields of `Args`.
 *
 * Reproducibility contract: every random draw comes from a generator whose position is in the
 * checkpoint (exploration, replay sampling, the env's own generator inside its state), so a run
 * interrupted at any frame and resumed ends with the weights and metrics of one that never stopped.
 * Plumbing (run folder, checkpoint, progress, signals) is @wn/runs'.
 */
import type { Optimizer, Sequential } from '@wn/layers';
import { FieldReader, Progress, StateBag, type CheckpointParts, type JsonValue, type MetricsRow } from '@wn/runs';
import { RUN_FILES, RunFolder, runModeOf, yieldToEventLoop, type RunControl } from '@wn/runs/node';
import type { Env } from '../envs/index.js';
import { DqnAgent, evaluate } from './agent.js';
import { epsilonAt } from './schedule.js';
import { checkArgs, epsilonSchedule, makeEnvFor, networkKind, type Args } from './settings.js';

export { type Args, type PresetName, PRESET_NAMES, presetArgs, checkArgs, epsilonSchedule, makeEnvFor, networkKind, buildOnline } from './settings.js';
export { updateTarget, evaluate } from './agent.js';

// ---- training ----------------------------------------------------------------------------------

/** One metrics row per `logEvery` frames. Timing fields (`seconds`, `*_per_second`) are the only ones a resume does not reproduce. */
export interface DqnMetrics extends MetricsRow {
  /** Environment frames so far. */
  frame: number;
  /** Episodes finished so far. */
  episodes: number;
  /** Gradient updates so far. */
  updates: number;
  /** mean return of the last 100 episodes (absent before the first episode ends) */
  return_mean100?: number;
  /** ε at this frame. */
  epsilon: number;
  /** mean TD loss of the period's updates (absent without updates) */
  loss?: number;
  /** mean evaluation return, on rows where an evaluation ran */
  eval_return?: number;
  /** Training wall-clock seconds so far. */
  seconds: number;
  /** Frames per second over the period. */
  frames_per_second: number;
  /** Updates per second over the period. */
  updates_per_second: number;
}

/** Where training stands: the records of every checkpoint. */
interface TrainState {
  frame: number;
  updates: number;
  episodes: number;
  episodeReturn: number;
  episodeLength: number;
  /** returns of the last (up to) 100 episodes, oldest first */
  recent: number[];
  /** frame at which the 100-episode mean first reached `solvedReturn` */
  solvedAt: number | null;
  dataInitDone: boolean;
  lossSum: number;
  lossCount: number;
  seconds: number;
  /** frames and updates at the last metrics row, and its time (for the rates) */
  lastRow: { frame: number; updates: number; seconds: number };
  metrics: DqnMetrics[];
}

/**
 * A metric row as a progress line: frame (and %), episodes, the last 100 episodes' mean return,
 * the evaluation return when one ran, ε, frames/s and updates/s of the period, and the ETA.
 */
export function progressLine(label: string, row: DqnMetrics, frames: number, evalReturn: number | undefined, eta: string): string {
  return `[${label}] frame ${row.frame}/${frames} (${((100 * row.frame) / frames).toFixed(0)}%)  episodes ${row.episodes}  return(100) ${row.return_mean100?.toFixed(1) ?? '–'}` +
    `${evalReturn !== undefined ? `  eval ${evalReturn.toFixed(1)}` : ''}  ε ${row.epsilon.toFixed(3)}  ${row.frames_per_second.toFixed(0)} frames/s  ${row.updates_per_second.toFixed(0)} updates/s  ETA ${eta}`;
}

/** The checkpoints' and run folders' kind: a checkpoint of another program is refused. */
export const RUN_KIND = 'wn-dqn';

/** The settings a resume must match (where and how the run is written do not count). */
export const runSettings = ({ outDir: _o, resume: _r, overwrite: _w, ...rest }: Args): Omit<Args, 'outDir' | 'resume' | 'overwrite'> => rest;

/** Options of {@link train}. */
export interface TrainOptions extends RunControl {
  /** builds the env (and the evaluation env) instead of `make(args.env)`: tests use a small chain */
  makeEnv?: () => Env;
  /** called after every frame (tests interrupt through it) */
  onFrame?: (frame: number) => void;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** The run folder. */
  runDir: string;
  /** Every metrics row (including those before a resume). */
  metrics: DqnMetrics[];
  /** returns of the final evaluation episodes (empty when interrupted or evalEpisodes = 0) */
  evalReturns: number[];
  /** Frame at which the 100-episode mean return first reached `solvedReturn`; null if never (or not tracked). */
  solvedAt: number | null;
  /** episodes finished, and the mean return of the last (up to) 100 (null before the first), where training stopped */
  episodes: number;
  /** the mean return of the last (up to) 100 episodes; null before the first */
  returnMean100: number | null;
  /** Whether the run stopped early (a signal); it can be resumed from its checkpoint. */
  interrupted: boolean;
  /** Whether this run continued from a checkpoint. */
  resumed: boolean;
  /** Number of trainable parameters of the Q-network. */
  parameters: number;
  /** The trained online Q-network. */
  online: Sequential;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function readTrainState(bag: StateBag, file: string): TrainState {
  const r = new FieldReader(file);
  const rec = r.object(bag.record('train'), 'records.train');
  const num = (k: string, range: Parameters<FieldReader['number']>[2] = {}) => r.field(rec, k, 'records.train', (v, f) => r.number(v, f, range));
  const count = (k: string) => r.field(rec, k, 'records.train', (v, f) => r.count(v, f));
  const last = r.field(rec, 'lastRow', 'records.train', (v, f) => r.object(v, f));
  return {
    frame: count('frame'),
    updates: count('updates'),
    episodes: count('episodes'),
    episodeReturn: num('episodeReturn'),
    episodeLength: count('episodeLength'),
    recent: r.field(rec, 'recent', 'records.train', (v, f) => r.array(v, f).map((x, i) => r.number(x, `${f}[${i}]`))),
    solvedAt: r.field(rec, 'solvedAt', 'records.train', (v, f) => (v === null ? null : r.count(v, f))),
    dataInitDone: r.field(rec, 'dataInitDone', 'records.train', (v, f) => r.boolean(v, f)),
    lossSum: num('lossSum'),
    lossCount: count('lossCount'),
    seconds: num('seconds', { min: 0 }),
    lastRow: {
      frame: r.field(last, 'frame', 'records.train.lastRow', (v, f) => r.count(v, f)),
      updates: r.field(last, 'updates', 'records.train.lastRow', (v, f) => r.count(v, f)),
      seconds: r.field(last, 'seconds', 'records.train.lastRow', (v, f) => r.number(v, f, { min: 0 })),
    },
    metrics: r.field(rec, 'metrics', 'records.train', (v, f) => r.array(v, f).map((m, i) => {
      const o = r.object(m, `${f}[${i}]`);
      const row: Record<string, number> = {};
      for (const [k, x] of Object.entries(o)) row[k] = r.number(x, `${f}[${i}].${k}`);
      return row as DqnMetrics;
    })),
  };
}

/** What a checkpoint holds besides its state bag: the online and target networks and the optimizer. */
export function checkpointParts(online: Sequential, target: Sequential, optimizer: Optimizer): CheckpointParts {
  return { modules: { online, target }, optimizers: { q: optimizer } };
}

/**
 * Trains a DQN agent in a run folder: ε-greedy exploration into a replay memory, minibatch TD updates with a
 * target network, data-dependent init from replay states for `weightnorm+init`, metrics and checkpoints every few
 * frames, then a final evaluation, the model and summary. Resumes with `args.resume`; throws a `WnError` for
 * invalid arguments, a `RunFolderError` for a refused folder and a `NonFiniteLossError` when the loss diverges.
 */
export async function train(args: Args, options: TrainOptions = {}): Promise<TrainResult> {
  checkArgs(args);
  const mode = options.mode ?? runModeOf(args);
  const folder = RunFolder.open(args.outDir, { mode, kind: RUN_KIND, settings: runSettings(args) as unknown as JsonValue });
  const label = options.label ?? args.variant;
  const newEnv = options.makeEnv ?? (() => makeEnvFor(args.env));

  // 1. Env and agent: networks, optimizer, replay memory, generators.
  const env = newEnv();
  const agent = new DqnAgent(args, env);
  const { online, target, optimizer, replay, actions } = agent;
  const space = env.observationSpace;
  const parts = checkpointParts(online, target, optimizer);

  let st: TrainState = {
    frame: 0, updates: 0, episodes: 0, episodeReturn: 0, episodeLength: 0, recent: [], solvedAt: null,
    dataInitDone: false, lossSum: 0, lossCount: 0, seconds: 0, lastRow: { frame: 0, updates: 0, seconds: 0 }, metrics: [],
  };
  if (folder.resuming) {
    const bag = folder.loadCheckpoint(parts);
    const file = folder.path(RUN_FILES.checkpoint);
    st = readTrainState(bag, file);
    env.setState(bag.record('env'));
    const r = new FieldReader(file);
    const head = r.field(r.object(bag.record('replay'), 'records.replay'), 'head', 'records.replay', (v, f) => r.count(v, f));
    const size = r.field(r.object(bag.record('replay'), 'records.replay'), 'size', 'records.replay', (v, f) => r.count(v, f));
    const arr = <T>(name: string) => (bag.array(name) ?? r.fail(`array.${name}`, 'missing')) as T;
    replay.restore({
      head, size, obs: arr('replay.obs'), actions: arr('replay.actions'), rewards: arr('replay.rewards'), flags: arr('replay.flags'),
      finalSlots: arr('replay.finalSlots'), finalObs: arr('replay.finalObs'),
    });
    const saved = arr<Float32Array | Uint8Array>('obs');
    agent.resume({
      frame: st.frame, updates: st.updates, episodes: st.episodes, episodeReturn: st.episodeReturn, dataInitDone: st.dataInitDone,
      obs: space.dtype === 'uint8' ? Uint8Array.from(saved) : Float32Array.from(saved), act: bag.generator('act'), sample: bag.generator('sample'),
    });
    bag.dispose();
  }
  const parameters = online.numParameters();
  folder.writeConfig({ parameters, actions, observation: [...space.shape], network: networkKind(args), replay_bytes: replay.byteLength });

  const checkpoint = () => {
    const rs = replay.state();
    const at = agent.position();
    const bag = new StateBag()
      .setRecord('train', st as unknown as JsonValue)
      .setRecord('env', env.getState() as unknown as JsonValue)
      .setRecord('replay', { head: rs.head, size: rs.size })
      .setGenerator('act', at.act)
      .setGenerator('sample', at.sample)
      .setArray('obs', at.obs)
      .setArray('replay.obs', rs.obs).setArray('replay.actions', rs.actions).setArray('replay.rewards', rs.rewards)
      .setArray('replay.flags', rs.flags).setArray('replay.finalSlots', rs.finalSlots).setArray('replay.finalObs', rs.finalObs);
    folder.saveCheckpoint(parts, bag);
  };

  const evalEnv = newEnv();
  const evalSeed = (k: number) => 1_000_003 + 1_000 * args.seed + k;
  const sink = options.progress === undefined ? process.stderr : options.progress;
  // without a bar (quiet, or not a terminal) the metric rows below are the progress lines: they carry the rates and the ETA
  const progress = sink ? new Progress({ total: args.frames, label: `[${label}]`, stream: sink, quiet: options.quiet, unit: 'frames', start: st.frame }) : null;
  const started = performance.now() - st.seconds * 1000;
  const elapsed = () => (performance.now() - started) / 1000;

  const logRow = (evalReturn?: number) => {
    const seconds = elapsed();
    const dt = Math.max(1e-9, seconds - st.lastRow.seconds);
    const row: DqnMetrics = {
      frame: st.frame, episodes: st.episodes, updates: st.updates,
      ...(st.recent.length ? { return_mean100: mean(st.recent) } : {}),
      epsilon: epsilonAt(epsilonSchedule(args), st.frame),
      ...(st.lossCount ? { loss: st.lossSum / st.lossCount } : {}),
      ...(evalReturn !== undefined ? { eval_return: evalReturn } : {}),
      seconds,
      frames_per_second: (st.frame - st.lastRow.frame) / dt,
      updates_per_second: (st.updates - st.lastRow.updates) / dt,
    };
    st = { ...st, lossSum: 0, lossCount: 0, lastRow: { frame: st.frame, updates: st.updates, seconds }, metrics: [...st.metrics, row] };
    folder.writeMetrics(st.metrics);
    return row;
  };

  // 3. Frames: act, store, learn.
  let interrupted = false;
  const updatesAtStart = st.updates, startedHere = performance.now();
  try {
    while (st.frame < args.frames) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      // act, store, learn (the agent's step); then the run's accounting
      const f = agent.step();
      st.frame = f.frame;
      st.episodeLength++;
      if (f.episodeEnded) {
        st.episodes++;
        st.recent = [...st.recent.slice(-99), f.episodeReturn];
        if (args.solvedReturn !== null && st.solvedAt === null && st.recent.length === 100 && mean(st.recent) >= args.solvedReturn) st.solvedAt = st.frame;
        st.episodeReturn = 0;
        st.episodeLength = 0;
      } else {
        st.episodeReturn = f.episodeReturn;
      }
      if (f.loss !== undefined) {
        st.dataInitDone = agent.dataInitialized;
        st.lossSum += f.loss;
        st.lossCount++;
        st.updates = agent.updates;
      }

      if (st.frame % args.logEvery === 0) {
        const evalNow = args.evalEvery > 0 && st.frame % args.evalEvery === 0 && args.evalEpisodes > 0;
        const ev = evalNow ? mean(evaluate(online, evalEnv, { episodes: args.evalEpisodes, epsilon: args.evalEpsilon, seed: evalSeed(st.frame) })) : undefined;
        const row = logRow(ev);
        progress?.log(progressLine(label, row, args.frames, ev, progress.etaText));
      }
      if (st.frame % args.checkpointEvery === 0 && st.frame < args.frames) checkpoint();
      if (progress && st.frame % 16 === 0) {
        const ups = (st.updates - updatesAtStart) / Math.max(1e-9, (performance.now() - startedHere) / 1000);
        progress.update(st.frame, `ep ${st.episodes} | R100 ${st.recent.length ? mean(st.recent).toFixed(1) : '–'} | ε ${f.epsilon.toFixed(2)} | ${ups.toFixed(0)} upd/s`);
      }
      options.onFrame?.(st.frame);
      if (st.frame % 64 === 0) await yieldToEventLoop();
    }
    st.seconds = elapsed();
    checkpoint();
    progress?.finish();

    // 4. The final evaluation and the run's report.
    let evalReturns: number[] = [];
    if (!interrupted) {
      if (args.evalEpisodes > 0) evalReturns = evaluate(online, evalEnv, { episodes: args.evalEpisodes, epsilon: args.evalEpsilon, seed: evalSeed(args.frames + 1) });
      folder.writeModel(online, { variant: args.variant, env: args.env, network: networkKind(args) });
      const summary = {
        env: args.env, variant: args.variant, frames: st.frame, episodes: st.episodes, updates: st.updates,
        return_mean100: st.recent.length ? mean(st.recent) : null, solved_at: st.solvedAt,
        eval_episodes: evalReturns.length, eval_epsilon: args.evalEpsilon, eval_mean: evalReturns.length ? mean(evalReturns) : null, eval_returns: evalReturns,
        seconds: st.seconds, frames_per_second: st.frame / Math.max(st.seconds, 1e-9), parameters,
      };
      folder.writeSummary({ json: summary as unknown as JsonValue, markdown: `# DQN ${args.variant} on ${args.env}\n\n${Object.entries(summary).filter(([k]) => k !== 'eval_returns').map(([k, v]) => `- ${k}: ${typeof v === 'number' ? +v.toFixed(4) : String(v)}`).join('\n')}\n` });
    }
    return { runDir: args.outDir, metrics: st.metrics, evalReturns, solvedAt: st.solvedAt, episodes: st.episodes, returnMean100: st.recent.length ? mean(st.recent) : null, interrupted, resumed: folder.resuming, parameters, online };
  } finally {
    target.dispose();
    optimizer.dispose();
  }
}
