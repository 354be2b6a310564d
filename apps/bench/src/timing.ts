/**
 * Times a function: the first call (compilation, allocation) is reported apart from the steady
 * state, which is the median of repeated calls within a time budget.
 */
export interface Timing {
  firstMs: number;
  medianMs: number;
  reps: number;
}

export async function time(fn: () => unknown | Promise<unknown>, budgetMs = 1500, maxReps = 20): Promise<Timing> {
  let t = performance.now();
  await fn();
  const firstMs = performance.now() - t;
  const samples: number[] = [];
  const start = performance.now();
  // one warm call more, then samples until the budget is spent (at least 2)
  await fn();
  while (samples.length < maxReps && (samples.length < 2 || performance.now() - start < budgetMs)) {
    t = performance.now();
    await fn();
    samples.push(performance.now() - t);
    if (firstMs > budgetMs && samples.length >= 2) break;
  }
  samples.sort((a, b) => a - b);
  return { firstMs, medianMs: samples[Math.floor(samples.length / 2)], reps: samples.length };
}
