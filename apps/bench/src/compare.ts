/**
 * The arithmetic behind every @wn/PyTorch ratio of the `steps` report, kept apart from the timing
 * so it can be tested: the median of per-pair ratios, which PyTorch run a workload is compared
 * with, when a PyTorch run is not a valid reference, and the target verdicts.
 *
 * Why pairs: on a shared 2-core machine the step times drift by ±25 % between runs. @wn and
 * PyTorch are timed in alternation (pair i = one @wn block and one PyTorch block, back to back),
 * and the ratio is the median over pairs of (@wn / PyTorch), so a drift hits both sides of a pair
 * alike and a disturbed pair is outvoted.
 */
import { WnError } from '@wn/tensor';

/** The fewest pairs a ratio may rest on (the issue asks for ≥ 10 alternating pairs in one run). */
export const MIN_PAIRS = 10;

/** Ratio targets (@wn / PyTorch at the same thread count), issue "Fast on an ordinary CPU, round two". */
export const TARGETS: Readonly<Record<string, number>> = {
  W2: 3, W3: 2.5, W4: 2,
  // the generative steps, standard and with weight norm
  W7: 2, 'W7-WN': 2, W8: 2, 'W8-WN': 2,
  // tiny networks: the contest is overhead, against PyTorch's faster thread count (TINY below)
  W5: 1, 'W5-WN': 1, W5a: 1, 'W5a-WN': 1, 'W5a-eval': 1, 'W5a-eval-WN': 1, W6: 1, 'W6-WN': 1,
};

/**
 * Workloads big enough that a second PyTorch thread must help: a run where PyTorch at 2 threads is
 * slower than at 1 says the machine was oversubscribed, and yields no ratio.
 */
export const THREAD_CHECKED: ReadonlySet<string> = new Set(['W2', 'W2-WN', 'W3', 'W4', 'W7', 'W7-WN', 'W8', 'W8-WN']);

/** Workloads so small that the contest is per-op overhead: compared with PyTorch's faster thread count. */
export const TINY: ReadonlySet<string> = new Set(['W5', 'W5-WN', 'W5a', 'W5a-WN', 'W5a-eval', 'W5a-eval-WN', 'W6', 'W6-WN']);

function checkTimes(what: string, xs: readonly number[]): void {
  if (xs.length === 0) throw new WnError('bench', `${what}: expected at least one time, got none`);
  const bad = xs.findIndex((x) => !(Number.isFinite(x) && x > 0));
  if (bad >= 0) throw new WnError('bench', `${what}: expected positive finite times, got ${xs[bad]} at index ${bad}`);
}

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new WnError('bench', 'median: expected at least one value, got none');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Per-pair ratios a[i] / b[i] of two sides timed in alternation. */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new WnError('bench', `pairRatios: both sides need one time per pair, got ${a.length} and ${b.length}`);
  checkTimes('pairRatios (first side)', a);
  checkTimes('pairRatios (second side)', b);
  return a.map((x, i) => x / b[i]);
}

/** The median over pairs of a[i] / b[i] — not the ratio of the medians. */
export function medianPairRatio(a: readonly number[], b: readonly number[]): number {
  return median(pairRatios(a, b));
}

/** PyTorch's step times at one thread count, per memory layout (convnets time two). */
export interface TorchTimes {
  threads: number;
  /** per layout ('contiguous', 'channels_last'): mean ms/step of each pair's PyTorch block */
  byLayout: Readonly<Record<string, readonly number[]>>;
}

/** The layout with the lower median step time, and that median. */
export function fasterLayout(t: TorchTimes): { layout: string; medianMs: number } {
  const entries = Object.entries(t.byLayout);
  if (entries.length === 0) throw new WnError('bench', `fasterLayout: no PyTorch times at ${t.threads} thread(s)`);
  let best = { layout: entries[0][0], medianMs: median(entries[0][1]) };
  for (const [layout, ms] of entries.slice(1)) {
    const m = median(ms);
    if (m < best.medianMs) best = { layout, medianMs: m };
  }
  return best;
}

/**
 * Whether PyTorch's runs of `workload` are a valid reference: for THREAD_CHECKED workloads,
 * PyTorch at its highest thread count must not be slower than at 1 (compared on each thread
 * count's faster layout). `undefined` when valid, else the reason.
 */
export function invalidPeerReason(workload: string, torch: readonly TorchTimes[]): string | undefined {
  if (!THREAD_CHECKED.has(workload)) return undefined;
  const one = torch.find((t) => t.threads === 1);
  const most = torch.reduce<TorchTimes | undefined>((m, t) => (m === undefined || t.threads > m.threads ? t : m), undefined);
  if (!one || !most || most.threads === 1) return undefined;
  const a = fasterLayout(one), b = fasterLayout(most);
  if (b.medianMs > a.medianMs) {
    return `PyTorch at ${most.threads} threads was slower than at 1 (${b.medianMs.toFixed(1)} vs ${a.medianMs.toFixed(1)} ms/step): the machine was oversubscribed`;
  }
  return undefined;
}

/**
 * Which PyTorch thread count a @wn run at `wnThreads` is compared with: the same count, or for
 * TINY workloads PyTorch's faster one (lower median on its faster layout).
 */
export function referenceThreads(workload: string, wnThreads: number, torch: readonly TorchTimes[]): number {
  if (!TINY.has(workload)) return wnThreads;
  if (torch.length === 0) throw new WnError('bench', `referenceThreads: no PyTorch times for ${workload}`);
  return torch.reduce((best, t) => (fasterLayout(t).medianMs < fasterLayout(best).medianMs ? t : best)).threads;
}

/** One @wn thread count's comparison with PyTorch over pairs timed in alternation. */
export interface Comparison {
  workload: string;
  wnThreads: number;
  torchThreads: number;
  /** the PyTorch layout compared with (the faster one) */
  layout: string;
  pairs: number;
  /** median over pairs of @wn / PyTorch (faster layout) */
  ratio: number;
  /** the same against every layout PyTorch ran, for the report */
  ratioByLayout: Record<string, number>;
}

/**
 * Compares @wn's per-pair times with PyTorch's, taken in the same pairs: against each layout,
 * and as the headline against the layout with the lower median.
 */
export function compare(workload: string, wnThreads: number, wnMs: readonly number[], torch: TorchTimes): Comparison {
  const ratioByLayout: Record<string, number> = {};
  for (const [layout, ms] of Object.entries(torch.byLayout)) ratioByLayout[layout] = medianPairRatio(wnMs, ms);
  const { layout } = fasterLayout(torch);
  return { workload, wnThreads, torchThreads: torch.threads, layout, pairs: wnMs.length, ratio: ratioByLayout[layout], ratioByLayout };
}

export type VerdictStatus = 'met' | 'not met' | 'invalid';

export interface Verdict {
  status: VerdictStatus;
  target: number;
  /** absent when invalid */
  ratio?: number;
  /** why invalid */
  reason?: string;
}

/**
 * The verdict on one comparison against its target: invalid when it rests on fewer than
 * MIN_PAIRS pairs or PyTorch's runs of the workload are not a valid reference; otherwise met when
 * the median pair ratio is at most the target.
 */
export function verdict(c: Comparison, target: number, torch: readonly TorchTimes[], extraInvalid?: string): Verdict {
  const reasons = [
    c.pairs < MIN_PAIRS ? `only ${c.pairs} pairs (at least ${MIN_PAIRS} needed)` : undefined,
    invalidPeerReason(c.workload, torch),
    extraInvalid,
  ].filter((r): r is string => r !== undefined);
  if (reasons.length) return { status: 'invalid', target, reason: reasons.join('; ') };
  return { status: c.ratio <= target ? 'met' : 'not met', target, ratio: c.ratio };
}

/** One line for the report: "W3 ≤ 2.5× PyTorch at 2 threads: 2.31× (median of 12 pairs) — met". */
export function verdictLine(c: Comparison, v: Verdict): string {
  const head = `${c.workload} ≤ ${v.target}× PyTorch at ${c.wnThreads} thread${c.wnThreads > 1 ? 's' : ''}`;
  const against = `PyTorch ${c.torchThreads}t ${c.layout}`;
  const layouts = Object.keys(c.ratioByLayout).length > 1
    ? ` (${Object.entries(c.ratioByLayout).map(([l, r]) => `${r.toFixed(2)}× vs ${l}`).join(', ')})`
    : '';
  if (v.status === 'invalid') return `${head}: INVALID — ${v.reason}; measured ${c.ratio.toFixed(2)}× vs ${against}, not a verdict${layouts}`;
  return `${head}: ${v.ratio!.toFixed(2)}× vs ${against} (median of ${c.pairs} pair ratios)${layouts} — ${v.status === 'met' ? 'MET' : 'NOT MET'}`;
}

/** The tiny workloads whose weight-norm variant must cost @wn no more than it costs PyTorch. */
export const WN_COST_PAIRS: readonly (readonly [string, string])[] = [['W5', 'W5-WN'], ['W6', 'W6-WN']];

/**
 * How much more weight norm costs @wn than PyTorch on a workload, from the paired ratios of the
 * standard and the weight-norm variant at the same @wn thread count:
 * (@wn WN / @wn std) ÷ (PyTorch WN / PyTorch std) = ratio(WN) / ratio(std). At most 1: weight norm
 * adds no more to @wn's step than PyTorch's own weight norm adds to PyTorch's (the issue's target).
 */
export function weightNormCostLine(base: Comparison, wn: Comparison): string {
  if (base.wnThreads !== wn.wnThreads) throw new Error(`weightNormCostLine: ${base.workload} ran @wn at ${base.wnThreads} threads, ${wn.workload} at ${wn.wnThreads}`);
  const relative = wn.ratio / base.ratio;
  const fmtRatio = (r: number) => r.toFixed(2);
  const valid = Math.min(base.pairs, wn.pairs) >= MIN_PAIRS;
  const verdictText = !valid ? `INVALID (fewer than ${MIN_PAIRS} pairs)` : relative <= 1 ? 'MET' : 'NOT MET';
  return `Weight norm adds no more to ${base.workload} than PyTorch's (@wn ${base.wnThreads}t): ${wn.workload} ${fmtRatio(wn.ratio)}× / ${base.workload} ${fmtRatio(base.ratio)}× = ${fmtRatio(relative)} — ${verdictText}`;
}
