import { WnError, argError, formatValue } from '@wn/tensor';
import type { CommonEnvOptions } from './base.js';
import { AcrobotEnv } from './classic/acrobot.js';
import { CartPoleEnv, type CartPoleOptions } from './classic/cartpole.js';
import { MountainCarEnv } from './classic/mountain-car.js';
import { MinAtarEnv, type MinAtarGameName, type MinAtarOptions } from './minatar/env.js';
import type { Env } from './types.js';

/** Options any registered env accepts (each env reads the ones that apply to it). */
export type MakeOptions = CommonEnvOptions & CartPoleOptions & MinAtarOptions;

interface Registration {
  create: (id: string, options: MakeOptions) => Env;
  /** The option names this env understands. */
  options: readonly string[];
}

const COMMON = ['maxEpisodeSteps'];
const MINATAR_OPTIONS = [...COMMON, 'stickyActionProb', 'difficultyRamping', 'layout', 'renderScale'];

const REGISTRY = new Map<string, Registration>([
  ['CartPole-v1', { create: (id, o) => new CartPoleEnv(id, o), options: [...COMMON, 'suttonBartoReward'] }],
  ['Acrobot-v1', { create: (id, o) => new AcrobotEnv(id, o), options: COMMON }],
  ['MountainCar-v0', { create: (id, o) => new MountainCarEnv(id, o), options: COMMON }],
]);
for (const game of ['Asterix', 'Breakout', 'Freeway', 'Seaquest', 'SpaceInvaders'] as MinAtarGameName[]) {
  for (const version of [0, 1] as const) {
    REGISTRY.set(`MinAtar/${game}-v${version}`, { create: (id, o) => new MinAtarEnv(id, game, version, o), options: MINATAR_OPTIONS });
  }
}

/** Every registered id, in registration order. */
export function listEnvs(): string[] {
  return [...REGISTRY.keys()];
}

/** Edit distance, case-insensitive, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The registered id closest to `id`. */
export function closestEnvId(id: string): string {
  let best = '';
  let bestDistance = Infinity;
  for (const known of REGISTRY.keys()) {
    const d = distance(id, known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Creates an env by its Gymnasium or MinAtar id (see `listEnvs()`), with Gymnasium's time limits
 * and MinAtar's defaults (sticky actions 0.1, difficulty ramping on), each overridable.
 */
export function make(id: string, options: MakeOptions = {}): Env {
  const registration = typeof id === 'string' ? REGISTRY.get(id) : undefined;
  if (!registration) {
    const hint = typeof id === 'string' ? ` (did you mean '${closestEnvId(id)}'?)` : '';
    throw new WnError('make', `argument 'id' expected a registered env id (${listEnvs().join(', ')}), got ${formatValue(id)}${hint}`);
  }
  if (typeof options !== 'object' || options === null) throw argError(`make('${id}')`, 'options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!registration.options.includes(key)) {
      throw argError(`make('${id}')`, 'options', `only the options ${registration.options.join(', ')}`, `an option '${key}'`);
    }
  }
  return registration.create(id, options);
}
