import { filter, map } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { ThreadItem } from '../../protocol/generated/v2/ThreadItem.js';
import type { CodexNotification } from '../../protocol/methods.js';

/** Each item as it completes (`item/completed`), in completion order: its final state. */
export function completedItems(): OperatorFunction<CodexNotification, ThreadItem> {
  return (source) =>
    source.pipe(
      filter((event) => event.method === 'item/completed'),
      map((event) => event.params.item),
    );
}
