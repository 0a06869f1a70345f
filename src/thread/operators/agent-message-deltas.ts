import { filter, map } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { CodexNotification } from '../../protocol/methods.js';

/** The agent's message text as it streams: each `item/agentMessage/delta`'s `delta`. */
export function agentMessageDeltas(): OperatorFunction<CodexNotification, string> {
  return (source) =>
    source.pipe(
      filter((event) => event.method === 'item/agentMessage/delta'),
      map((event) => event.params.delta),
    );
}
