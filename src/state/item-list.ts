import type { ItemState } from './turn-state.js';

/**
 * The position of item `id` in `items`, or -1. Searched from the end: the item an event concerns
 * is almost always the newest or close to it, so the search stops at once without an index that
 * each new version of the list would have to carry.
 */
export function findItem(items: readonly ItemState[], id: string): number {
  for (let i = items.length - 1; i >= 0; i--) if (items[i]!.id === id) return i;
  return -1;
}

/**
 * A new list with `item` at `i` (an existing position) or appended (`i === -1`). Copying the
 * array is the one cost that grows with the list: a pointer copy (about 0.3 µs for 1,000 items
 * here), paid so that every snapshot stays an immutable plain array.
 */
export function withItem(
  items: readonly ItemState[],
  i: number,
  item: ItemState,
): readonly ItemState[] {
  const next = items.slice();
  if (i === -1) next.push(item);
  else next[i] = item;
  return next;
}
