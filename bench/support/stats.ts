/** Median and spread of repeated measurements. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { n: sorted.length, median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** `1,234 (1,100–1,400)` */
export function formatSummary(summary: Summary, digits = 0): string {
  const f = (x: number): string =>
    x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return summary.n > 1
    ? `${f(summary.median)} (${f(summary.min)}–${f(summary.max)})`
    : f(summary.median);
}

/** Runs `fn` and returns its duration in ms. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * A full GC when the process runs with --expose-gc, so garbage left by the previous measurement
 * is not collected inside the next one's timed window.
 */
export function settleHeap(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}
