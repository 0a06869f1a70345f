/** What one benchmark case reports. */
export interface CaseResult {
  readonly name: string;
  /** Human-readable lines for the table: what was measured and the figure. */
  readonly rows: ReadonlyArray<readonly [label: string, value: string]>;
  /** Machine-readable figures for bench/results.json. */
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly targets: readonly Target[];
}

/** A goal from the benchmark issue, checked against a measured value. */
export interface Target {
  readonly description: string;
  readonly value: number;
  readonly limit: number;
  /** `max`: value must be ≤ limit; `min`: ≥ limit. */
  readonly kind: 'max' | 'min';
  readonly met: boolean;
}

export function target(
  description: string,
  value: number,
  kind: 'max' | 'min',
  limit: number,
): Target {
  return { description, value, limit, kind, met: kind === 'max' ? value <= limit : value >= limit };
}

/** How hard to push: the full run, or a quick pass that only proves the harness works. */
export interface BenchConfig {
  readonly quick: boolean;
  readonly log: (line: string) => void;
}
