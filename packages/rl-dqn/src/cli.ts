/**
 * wn-dqn: DQN with and without weight normalization. `compare` (also `start`, the default): the
 * parameterizations × seeds on one env and budget, then a table and a learning-curve chart;
 * `train` one run; `eval` a saved agent; `render` an episode as an animated GIF and a PNG strip.
 * The options are one table (@wn/runs' `opt`): types, --help and validation in one place.
 */
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getBackend } from '@wn/tensor';
import { encodeGif, formatDuration, frameStripPng, markdownTable, mean, OptionError, sampleSd } from '@wn/runs';
import { findRunFolders, formatHelp, interruptOnSignals, opt, parseCommandLine, runMain, runOptions, runSetup, RUN_GROUP, savedWeights, seedOptions, userPath, writeFileAtomic, writeRunReport, type CommandLineSpec } from '@wn/runs/node';
import { listEnvs } from './envs/index.js';
import { compare } from './dqn/compare.js';
import { reportDqnRuns } from './dqn/report.js';
import { checkArgs, evaluate, makeEnvFor, PRESET_NAMES, presetArgs, RUN_KIND, train, type Args } from './dqn/dqn.js';
import { openAgent } from './dqn/saved.js';
import { OPTIMIZERS } from './dqn/optimizers.js';
import { Q_NETWORKS, Q_VARIANTS, type QVariant } from './dqn/qnet.js';
import { downscale, renderEpisode } from './dqn/render.js';

const ENV = 'Environment and budget';
const AGENT = 'Agent';
const EVAL = 'Evaluation and pictures';

export const OPTIONS = {
  preset: opt.enum(PRESET_NAMES, { group: ENV, help: "quick (default: CartPole in about a minute per run) | cartpole (CleanRL's settings) | minatar (MinAtar's examples/dqn.py) | wn-paper (MinAtar + the paper's Adamax, batch 64, data init)" }),
  env: opt.string({ group: ENV, valueName: 'ID', nonEmpty: true, help: 'environment id (CartPole-v1, MinAtar/Breakout-v0, …; see below)' }),
  frames: opt.integer({ group: ENV, min: 1, help: 'environment steps to train for' }),

  variant: opt.list(opt.enum(Q_VARIANTS, { help: '' }), { group: AGENT, help: `parameterizations, comma-separated: ${Q_VARIANTS.join(', ')} (compare default: standard,weightnorm; train: one)` }),
  network: opt.enum(['auto', ...Q_NETWORKS] as const, { group: AGENT, help: "auto (default: MinAtar's conv net for MinAtar ids, else the 120-84 MLP) | mlp | minatar" }),
  'replay-size': opt.integer({ group: AGENT, min: 2, help: 'replay memory (transitions)' }),
  'batch-size': opt.integer({ group: AGENT, min: 1, help: 'minibatch size' }),
  'learning-starts': opt.integer({ group: AGENT, min: 0, help: 'frames before the first update' }),
  'train-every': opt.integer({ group: AGENT, min: 1, help: 'frames between updates' }),
  'target-every': opt.integer({ group: AGENT, min: 1, help: 'updates between target-network updates' }),
  tau: opt.number({ group: AGENT, above: 0, max: 1, help: 'target ← τ·online + (1−τ)·target (1: hard copy)' }),
  gamma: opt.number({ group: AGENT, min: 0, max: 1, help: 'discount γ' }),
  loss: opt.enum(['huber', 'mse'] as const, { group: AGENT, help: 'huber (δ = 1) | mse' }),
  double: opt.flag({ group: AGENT, negatable: true, help: 'double DQN targets' }),
  'eps-start': opt.number({ group: AGENT, min: 0, max: 1, help: 'initial ε' }),
  'eps-end': opt.number({ group: AGENT, min: 0, max: 1, help: 'final ε' }),
  'eps-frames': opt.integer({ group: AGENT, min: 0, help: 'frames of the linear ε anneal' }),
  'eps-delay': opt.integer({ group: AGENT, min: 0, help: 'frames at the initial ε before the anneal' }),
  optimizer: opt.enum(OPTIMIZERS, { group: AGENT, help: `${OPTIMIZERS.join(' | ')}` }),
  lr: opt.number({ group: AGENT, above: 0, help: 'learning rate' }),
  beta1: opt.number({ group: AGENT, min: 0, below: 1, help: 'Adam/Adamax β1 (the paper: 0.5)' }),
  beta2: opt.number({ group: AGENT, min: 0, below: 1, help: 'Adam/Adamax β2' }),
  'opt-eps': opt.number({ group: AGENT, above: 0, help: "optimizer ε (RMSprops: 0.01; Adam: 1e-8)" }),
  'rms-alpha': opt.number({ group: AGENT, min: 0, below: 1, help: 'RMSprop smoothing α' }),
  'init-batch': opt.integer({ group: AGENT, min: 2, help: 'replay states in the data-dependent init batch (weightnorm+init)' }),
  ...seedOptions({ group: AGENT, seedsCommands: ['compare', 'start'], seedsHelp: 'seeds, comma-separated (default 1,2; the chart shows mean ± sd bands)' }),

  'eval-episodes': opt.integer({ group: EVAL, min: 0, help: 'evaluation episodes (after training; eval: how many)' }),
  'eval-epsilon': opt.number({ group: EVAL, min: 0, max: 1, help: 'ε of evaluation episodes' }),
  'eval-every': opt.integer({ group: EVAL, min: 0, help: 'frames between evaluations during training (0: only at the end)' }),
  run: opt.string({ group: EVAL, valueName: 'DIR', nonEmpty: true, commands: ['eval', 'render', 'report'], help: 'a run folder: its model.safetensors when finished, else its latest checkpoint (a run still training, or interrupted); render without it plays a random policy; report: a folder of runs' }),
  'max-frames': opt.integer({ group: EVAL, min: 1, commands: ['render'], help: 'render at most N steps (default 300)' }),

  ...runOptions({ out: 'output folder (default: runs/dqn-<preset>[-<variant>-seed<N>])', quiet: 'a line per metric row (frames/s, updates/s, episodes, 100-episode return, ε, ETA)' }),
  'log-every': opt.integer({ group: RUN_GROUP, min: 1, help: 'frames between metric rows' }),
  'checkpoint-every': opt.integer({ group: RUN_GROUP, min: 1, help: 'frames between checkpoints (always at the end and on Ctrl-C)' }),
};

const CLI: CommandLineSpec<typeof OPTIONS> = {
  name: 'wn-dqn',
  commands: {
    compare: 'train each parameterization under each seed, then print a table and write a learning-curve chart (the default)',
    start: 'the same as compare',
    train: 'train one agent',
    eval: 'evaluate the agent of a run, finished or in progress, or of every run in a folder (--run DIR), for N episodes',
    render: 'play one episode and write it as an animated GIF and a PNG strip of frames',
    report: 'tables and a chart of the runs in a folder (--run DIR), finished or still training, at equal frames; writes report.md/json and report-return-vs-frames.svg/png into --out (default: that folder)',
  },
  defaultCommand: 'compare',
  options: OPTIONS,
  footer: `Environments: ${listEnvs().join(', ')}\n\n` +
    'With no arguments: CartPole-v1, standard vs weight norm, seeds 1 and 2, 50k frames each (a few minutes on 2 cores).\n' +
    'Ctrl-C (or SIGTERM) saves a checkpoint and exits; run the same command with --resume to continue exactly.\n' +
    'From the repository root: pnpm --filter @wn/rl-dqn start -- train --preset minatar --env MinAtar/Breakout-v0 --frames 20000',
};

export function usage(): string {
  return formatHelp(CLI);
}

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

/** The settings the command line overrides (only the options given). */
function overridesOf(o: Values): Partial<Args> {
  const out: Partial<Args> = {};
  const set = <K extends keyof Args>(k: K, v: Args[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  if (o.env !== undefined && !listEnvs().includes(o.env)) throw new OptionError('--env', `expected one of ${listEnvs().join(', ')}, got '${o.env}'`);
  set('env', o.env);
  set('frames', o.frames);
  set('network', o.network);
  set('replaySize', o['replay-size']);
  set('batchSize', o['batch-size']);
  set('learningStarts', o['learning-starts']);
  set('trainEvery', o['train-every']);
  set('targetUpdateEvery', o['target-every']);
  set('tau', o.tau);
  set('gamma', o.gamma);
  set('loss', o.loss);
  set('doubleDqn', o.double);
  set('epsilonStart', o['eps-start']);
  set('epsilonEnd', o['eps-end']);
  set('epsilonFrames', o['eps-frames']);
  set('epsilonDelay', o['eps-delay']);
  set('optimizer', o.optimizer);
  set('lr', o.lr);
  set('beta1', o.beta1);
  set('beta2', o.beta2);
  set('optEps', o['opt-eps']);
  set('rmsAlpha', o['rms-alpha']);
  set('initBatch', o['init-batch']);
  set('evalEpisodes', o['eval-episodes']);
  set('evalEpsilon', o['eval-epsilon']);
  set('evalEvery', o['eval-every']);
  set('logEvery', o['log-every']);
  set('checkpointEvery', o['checkpoint-every']);
  return out;
}

/** One row per env and variant: runs, frames reached, and the mean evaluation return ± sd over the runs. */
function evalTable(results: readonly { variant: string; env: string; frame: number; mean: number }[]): string {
  const groups = new Map<string, typeof results[number][]>();
  for (const r of results) groups.set(`${r.env}|${r.variant}`, [...(groups.get(`${r.env}|${r.variant}`) ?? []), r]);
  return markdownTable(['env', 'variant', 'runs', 'frames', 'mean return (± sd over runs)'], [...groups.values()].map((g) => {
    const means = g.map((r) => r.mean);
    const frames = g.map((r) => r.frame);
    const lo = Math.min(...frames), hi = Math.max(...frames);
    return [g[0].env, g[0].variant, String(g.length), lo === hi ? String(lo) : `${lo}–${hi}`, `${mean(means).toFixed(2)}${g.length > 1 ? ` ± ${sampleSd(means).toFixed(2)}` : ''}`];
  }));
}

export async function main(argv: readonly string[]): Promise<number> {
  const { command, values: o, positionals, help } = parseCommandLine(CLI, argv);
  if (help) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new OptionError('wn-dqn', `unexpected argument '${positionals[0]}'`);
  if (command === 'train' && o.variant && o.variant.length > 1) throw new OptionError('--variant', `train takes one parameterization (got ${o.variant.join(', ')}); use compare for several`);
  const setup = runSetup(o);
  const preset = o.preset ?? 'quick';
  const overrides = overridesOf(o);
  const seed = o.seed ?? 1;
  const t0 = performance.now();

  if (command === 'eval') {
    if (!o.run) throw new OptionError('--run', 'eval needs the run folder of a trained agent');
    const episodes = o['eval-episodes'] ?? 30;
    if (episodes < 1) throw new OptionError('--eval-episodes', `eval plays at least 1 episode, got ${episodes}`);
    const dir = userPath(o.run);
    // a folder of several runs (a comparison's, a queue's): each in turn, then a table
    const runs = savedWeights(dir) ? [dir] : findRunFolders(dir, { kind: RUN_KIND });
    if (runs.length === 0) throw new OptionError('--run', `'${dir}' has no agent to read (neither model.safetensors of a finished wn-dqn run nor checkpoint.safetensors of one in progress), here or in the folders below`);
    const results = runs.map((run) => {
      const { args, net, source, frame } = openAgent(run);
      try {
        const epsilon = o['eval-epsilon'] ?? args.evalEpsilon;
        const returns = evaluate(net, makeEnvFor(args.env), { episodes, epsilon, seed: 2_000_003 + seed });
        const sd = returns.length > 1 ? ` ± ${sampleSd(returns).toFixed(2)} (sd)` : '';
        const where = runs.length > 1 ? `${relative(dir, run)}: ` : '';
        process.stdout.write(`${where}${args.variant} agent on ${args.env} (${source}): ${episodes} episodes at ε = ${epsilon}: mean return ${mean(returns).toFixed(2)}${sd}, min ${Math.min(...returns)}, max ${Math.max(...returns)} (${formatDuration((performance.now() - t0) / 1000)})\n`);
        return { variant: args.variant, env: args.env, frame, mean: mean(returns) };
      } finally {
        net.dispose();
      }
    });
    if (runs.length > 1) process.stdout.write(`\n${evalTable(results)}\n`);
    return 0;
  }


  if (command === 'report') {
    if (!o.run) throw new OptionError('--run', 'report needs a folder of wn-dqn runs (a comparison\'s, or any folder holding run folders)');
    const dir = userPath(o.run);
    const report = reportDqnRuns(dir, { name: o.run });
    const outDir = o.out ? userPath(o.out) : dir;
    const files = writeRunReport(outDir, report);
    process.stdout.write(`${report.markdown}\n${report.runs} runs (${report.finished} finished); wrote ${files.join(', ')} in ${outDir}\n`);
    return 0;
  }

  if (command === 'render') {
    const agent = o.run ? openAgent(userPath(o.run)) : null;
    const env = o.env ?? agent?.args.env ?? 'CartPole-v1';
    if (!listEnvs().includes(env)) throw new OptionError('--env', `expected one of ${listEnvs().join(', ')}, got '${env}'`);
    const episode = renderEpisode(agent?.net ?? null, makeEnvFor(env), { seed, epsilon: o['eval-epsilon'] ?? agent?.args.evalEpsilon ?? 0, maxFrames: o['max-frames'] ?? 300 });
    const factor = episode.frames[0].width > 300 ? 2 : 1;
    const frames = episode.frames.map((f) => downscale(f, factor));
    const outDir = userPath(o.out ?? 'runs/dqn-render');
    mkdirSync(outDir, { recursive: true });
    const base = env.replace(/[^A-Za-z0-9-]+/g, '-');
    writeFileAtomic(join(outDir, `${base}.gif`), encodeGif(frames, { delayMs: env.startsWith('MinAtar/') ? 120 : 40 }));
    writeFileAtomic(join(outDir, `${base}-strip.png`), frameStripPng(frames, { count: 8 }));
    process.stdout.write(`${agent ? `${agent.args.variant} agent` : 'random policy'} on ${env}: return ${episode.return} in ${episode.length} steps\nWrote ${join(outDir, `${base}.gif`)} (${frames.length} frames) and ${join(outDir, `${base}-strip.png`)}\n`);
    agent?.net.dispose();
    return 0;
  }

  const interrupt = interruptOnSignals();
  const progress = process.stderr;
  const quiet = setup.quiet;
  try {
    if (command === 'train') {
      const variant: QVariant = o.variant?.[0] ?? (preset === 'wn-paper' ? 'weightnorm+init' : 'standard');
      const args: Args = { ...presetArgs(preset, variant), ...overrides, seed, resume: setup.resume, overwrite: setup.overwrite, outDir: userPath(o.out ?? `runs/dqn-${preset}-${variant}-seed${seed}`) };
      checkArgs(args);
      process.stdout.write(`Training DQN (${variant}) on ${args.env}: ${args.frames} frames, ${args.optimizer} lr ${args.lr}, batch ${args.batchSize}, backend ${getBackend()}\nRun folder: ${args.outDir}\n`);
      const r = await train(args, { signal: interrupt.signal, progress, quiet });
      r.online.dispose();
      if (r.interrupted) {
        process.stdout.write('Interrupted. Continue with the same command plus --resume.\n');
        return interrupt.exitCode || 130;
      }
      process.stdout.write(
        `Done in ${formatDuration((performance.now() - t0) / 1000)}: ${r.episodes} episodes, 100-episode mean return ${r.returnMean100?.toFixed(1) ?? '—'}` +
          `${r.solvedAt !== null ? `, solved (≥ ${args.solvedReturn}) at frame ${r.solvedAt}` : ''}` +
          `${r.evalReturns.length ? `; evaluation ${mean(r.evalReturns).toFixed(2)} over ${r.evalReturns.length} episodes at ε = ${args.evalEpsilon}` : ''}\nResults in ${args.outDir}\n`,
      );
      return 0;
    }

    const variants: QVariant[] = o.variant ?? ['standard', 'weightnorm'];
    const seeds = o.seeds ?? [1, 2];
    const outDir = userPath(o.out ?? `runs/dqn-${preset}`);
    const base = { ...presetArgs(preset, variants[0]), ...overrides };
    checkArgs({ ...base, outDir });
    process.stdout.write(
      `Comparing ${variants.join(', ')} on ${base.env} (${preset} preset): ${base.frames} frames per run, seeds ${seeds.join(',')}, backend ${getBackend()}\n` +
        (preset === 'quick' ? `  (a short budget that fits a few minutes on a small CPU; --preset cartpole for CleanRL's 500k-step setting)\n` : '') +
        `Results folder: ${outDir}\n`,
    );
    const r = await compare({ preset, overrides, variants, seeds, outDir, resume: setup.resume, overwrite: setup.overwrite, signal: interrupt.signal, progress, quiet });
    process.stdout.write(`\n${r.table}\n\n`);
    if (r.interrupted) {
      process.stdout.write('Interrupted. Continue with the same command plus --resume.\n');
      return interrupt.exitCode || 130;
    }
    process.stdout.write(`Chart (return-vs-frames.svg/.png), summary.md and per-run metrics in ${outDir} (${formatDuration((performance.now() - t0) / 1000)} in all)\n`);
    return 0;
  } finally {
    interrupt.dispose();
  }
}

export function run(argv: readonly string[] = process.argv.slice(2)): void {
  runMain('wn-dqn', main, argv);
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) run();
