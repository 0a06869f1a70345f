import type { ItemState } from './turn-state.js';

/**
 * Finding an item by id must not cost a scan per delta. Items are only ever appended or replaced
 * in place, so an id's index never changes: one id → index map serves every version of a turn's
 * list, kept beside the (plain, serializable) arrays rather than inside the state. A list that
 * arrives without one (deserialized, built by hand) gets it rebuilt once.
 */
const indexes = new WeakMap<readonly ItemState[], Map<string, number>>();

function indexOfList(items: readonly ItemState[]): Map<string, number> {
  let index = indexes.get(items);
  if (!index) {
    index = new Map();
    for (let i = 0; i < items.length; i++) index.set(items[i]!.id, i);
    indexes.set(items, index);
  }
  return index;
}

/** The position of item `id` in `items`, or -1. */
export function findItem(items: readonly ItemState[], id: string): number {
  const i = indexOfList(items).get(id);
  // The shared map may know ids that a later version appended.
  return i !== undefined && i < items.length && items[i]!.id === id ? i : -1;
}

/** A new list with `item` at `i` (an existing position) or appended (`i === -1`). */
export function withItem(
  items: readonly ItemState[],
  i: number,
  item: ItemState,
): readonly ItemState[] {
  const index = indexOfList(items);
  const next = items.slice();
  if (i === -1) {
    // An older version may hold a different item at this index: the map is then of no use to it.
    if (index.has(item.id) || index.size !== items.length) {
      const own = new Map(index);
      own.set(item.id, next.length);
      next.push(item);
      indexes.set(next, own);
      return next;
    }
    index.set(item.id, next.length);
    next.push(item);
  } else {
    next[i] = item;
  }
  indexes.set(next, index);
  return next;
}
