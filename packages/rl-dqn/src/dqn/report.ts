/**
 * A report on the DQN runs under a folder — finished, still training or interrupted — without training anything:
 * the 100-episode mean return of every run at equal frames, the mean ± sd over seeds per variant, the final
 * evaluation where a run has one, MinAtar's published DQN returns beside them, and the learning-curve chart.
 * It only reads the runs, so it can run while they train (`wn-dqn report --run DIR`).
 */
import { markdownTable, mean, renderChart, sampleSd, seedSeries, type ChartFile, type JsonValue, type Series } from '@wn/runs';
import { collectRuns, groupRuns, valueAt, type CollectedRun, type RunReport } from '@wn/runs/node';
import { Q_VARIANTS } from './qnet.js';
import { RUN_KIND, type DqnMetrics } from './dqn.js';

/**
 * MinAtar's published DQN returns (100-episode moving average of training returns, mean of 30 runs, read off the
 * MinAtar repository's learning-curve figure; `shared/specs/minatar.md` §3.9): [frames, return] milestones per game.
 */
export const MINATAR_PUBLISHED_DQN: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  'Breakout': [[500_000, 9], [5_000_000, 10]],
  'SpaceInvaders': [[600_000, 30], [1_700_000, 40], [5_000_000, 43]],
  'Freeway': [[600_000, 45], [1_700_000, 50], [5_000_000, 50]],
  'Asterix': [[1_100_000, 12.5], [5_000_000, 17]],
  'Seaquest': [[1_500_000, 1], [2_700_000, 10], [3_400_000, 15], [5_000_000, 20.3]],
};

/** The published milestones for an env id (`MinAtar/Breakout-v0` → Breakout's), or null for other envs. */
export function publishedDqnReturns(env: string): readonly (readonly [number, number])[] | null {
  const m = /^MinAtar\/([A-Za-z]+)-v\d+$/.exec(env);
  return m ? MINATAR_PUBLISHED_DQN[m[1]] ?? null : null;
}

/** What {@link reportDqnRuns} produces (nothing is written here; `writeRunReport` writes the files). */
export type DqnReport = RunReport;

type Run = CollectedRun<DqnMetrics>;
const fmt = (v: number | null, digits = 2) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const framesText = (f: number) => (f >= 1e6 ? `${+(f / 1e6).toFixed(2)}M` : f >= 1e3 ? `${+(f / 1e3).toFixed(1)}k` : String(f));
const evalMeanOf = (run: Run): number | null => (typeof run.summary?.eval_mean === 'number' ? run.summary.eval_mean : null);

/** Reads every wn-dqn run below `dir` and builds the report; throws a `RunFolderError` when there is none. */
export function reportDqnRuns(dir: string, options: { points?: number; name?: string } = {}): DqnReport {
  const all = collectRuns<DqnMetrics>(dir, RUN_KIND, { required: true });
  const sections: string[] = [];
  const json: Record<string, JsonValue> = {};
  const charts: ChartFile[] = [];
  const envs = groupRuns(all, 'env');
  for (const { group: env, runs } of envs) {
    const target = Math.max(...runs.map((r) => Number(r.settings.frames)));
    const n = options.points ?? 5;
    const at = Array.from({ length: n }, (_, i) => Math.round((target * (i + 1)) / n));
    const variants = groupRuns(runs, 'variant', Q_VARIANTS);
    const reached = (r: Run) => r.rows.at(-1)?.frame ?? 0;
    const perRun = variants.flatMap(({ group, runs: rs }) => rs.map((r) => [
      group, String(r.settings.seed), `${framesText(reached(r))} / ${framesText(Number(r.settings.frames))}${r.finished ? '' : ' (in progress)'}`,
      ...at.map((f) => fmt(valueAt(r.rows, 'frame', 'return_mean100', f))), fmt(evalMeanOf(r)),
    ]));
    const perVariant = variants.map(({ group, runs: rs }) => {
      const cells = at.map((f) => {
        const vs = rs.map((r) => valueAt(r.rows, 'frame', 'return_mean100', f)).filter((v): v is number => v !== null);
        return vs.length === 0 ? '—' : `${fmt(mean(vs))}${vs.length > 1 ? ` ± ${fmt(sampleSd(vs))}` : ''} (${vs.length})`;
      });
      const evals = rs.map(evalMeanOf).filter((v): v is number => v !== null);
      return [group, String(rs.length), ...cells, evals.length === 0 ? '—' : `${fmt(mean(evals))}${evals.length > 1 ? ` ± ${fmt(sampleSd(evals))}` : ''} (${evals.length})`];
    });
    const published = publishedDqnReturns(env);
    const evalSettings = runs[0].settings;
    const heads = at.map((f) => framesText(f));
    sections.push([
      `## ${env}`,
      '',
      `${runs.length} runs (${runs.filter((r) => r.finished).length} finished). Mean return of the last 100 training episodes (ε-greedy) at equal frames; ` +
        `evaluation: ${String(evalSettings.evalEpisodes)} episodes at ε = ${String(evalSettings.evalEpsilon)} after training (finished runs).`,
      '',
      markdownTable(['variant', 'seed', 'frames', ...heads, 'evaluation'], perRun),
      '',
      'Per variant, mean ± sd over the seeds that reached each point (their number in brackets):',
      '',
      markdownTable(['variant', 'runs', ...heads, 'evaluation'], perVariant),
      ...(published ? ['', `MinAtar's published DQN (100-episode average of training returns, 30 runs, read off its figure): ${published.map(([f, r]) => `≈ ${r} at ${framesText(f)}`).join(', ')} frames.`] : []),
    ].join('\n'));
    json[env] = {
      frames: at,
      runs: variants.flatMap(({ group, runs: rs }) => rs.map((r) => ({
        variant: group, seed: Number(r.settings.seed), folder: r.name, finished: r.finished, frame: reached(r),
        return_mean100: at.map((f) => valueAt(r.rows, 'frame', 'return_mean100', f)), eval_mean: evalMeanOf(r),
      }))),
      published: published ? published.map(([f, r]) => [f, r]) : null,
    };
    const shown = published?.filter(([f]) => f <= Math.max(...runs.map(reached))) ?? [];
    const series: Series[] = [
      ...variants.map(({ group, runs: rs }) => seedSeries(group, rs.map((r) => r.rows.filter((m) => m.return_mean100 !== undefined)), 'frame', 'return_mean100', { partial: true })),
      ...(shown.length ? [{ name: 'MinAtar DQN (published)', points: shown.map(([f, r]) => [f, r] as const), color: '#000000' }] : []),
    ];
    const seeds = Math.max(...variants.map((v) => v.runs.length));
    const name = envs.length > 1 ? `report-return-vs-frames-${env.replace(/[^A-Za-z0-9-]+/g, '-')}` : 'report-return-vs-frames';
    charts.push(...renderChart(name, {
      title: `DQN on ${env}: mean return of the last 100 episodes`,
      subtitle: `${seeds > 1 ? 'mean ± sd (band) over the seeds that reached each point' : 'one seed'}${shown.length ? '; black: MinAtar\'s published DQN' : ''}`,
      xLabel: 'frames', yLabel: 'return (100-episode mean)', xMin: 0, series,
    }));
  }
  const markdown = `# DQN runs in ${options.name ?? dir}\n\n${sections.join('\n\n')}\n`;
  return { markdown, json, charts, runs: all.length, finished: all.filter((r) => r.finished).length };
}
