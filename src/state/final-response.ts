import type { ThreadItem } from '../protocol/generated/v2/ThreadItem.js';

/**
 * Picks the final response from completed items (the rule `RunResult.finalResponse` and `TurnState.finalResponse` share); `counts`
 * says which items are completed when the list also holds running ones.
 */
export function finalResponseOf<I extends ThreadItem>(
  items: readonly I[],
  counts: (item: I) => boolean = () => true,
): string | null {
  let phaseless: string | null = null;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.type !== 'agentMessage' || !counts(item)) continue;
    if (item.phase === 'final_answer') return item.text;
    if (item.phase === null || item.phase === undefined) phaseless ??= item.text;
  }
  return phaseless;
}
