import type { ThreadTokenUsage } from '../protocol/generated/v2/ThreadTokenUsage.js';
import type { TokenUsageBreakdown } from '../protocol/generated/v2/TokenUsageBreakdown.js';
import type { TurnState } from './turn-state.js';

const FIELDS = [
  'totalTokens',
  'inputTokens',
  'cachedInputTokens',
  'cacheWriteInputTokens',
  'outputTokens',
  'reasoningOutputTokens',
] as const;

function isBreakdown(value: unknown): value is TokenUsageBreakdown {
  if (value === null || typeof value !== 'object') return false;
  const counts = value as Record<string, unknown>;
  // Counts are whole and far below 2^53: a larger one (1e308) would sum to Infinity, which JSON
  // turns into null, so a saved snapshot would start counting again.
  return FIELDS.every(
    (field) => Number.isSafeInteger(counts[field]) && (counts[field] as number) >= 0,
  );
}

/** Whether a report carries what the fold counts: whole counts ≥ 0 in `total` and `last`. */
export function isTokenUsage(value: unknown): value is ThreadTokenUsage {
  if (value === null || typeof value !== 'object') return false;
  const usage = value as Record<string, unknown>;
  return isBreakdown(usage.total) && isBreakdown(usage.last);
}

function combine(
  base: TokenUsageBreakdown,
  plus: TokenUsageBreakdown,
  minus: TokenUsageBreakdown,
): TokenUsageBreakdown {
  const out = {} as Record<(typeof FIELDS)[number], number>;
  for (const field of FIELDS) out[field] = Math.max(0, base[field] + plus[field] - minus[field]);
  return out;
}

/**
 * The turn's own tokens once `usage` is reported. The server reports the thread's running
 * `total` and the latest model call's `last`: the turn's first report counts its `last`, each
 * later one adds what the total grew by, so a repeated report is not counted twice.
 */
export function turnUsageAfter(state: TurnState, usage: ThreadTokenUsage): TokenUsageBreakdown {
  // A snapshot an app saved before `turnUsage` existed has none (nor, from a partial save, a
  // `usage`): the count starts again from this report rather than freezing the fold.
  const turnSoFar: unknown = state.turnUsage;
  const totalSoFar: unknown = state.usage?.total;
  if (!isBreakdown(turnSoFar) || !isBreakdown(totalSoFar)) return usage.last;
  return combine(turnSoFar, usage.total, totalSoFar);
}
