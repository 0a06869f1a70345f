import type { Observable, Subscriber, Subscription } from 'rxjs';
import { CodexError } from '../../errors/codex-error.js';
import { captureTurns } from '../../observables/turn-context.js';
import type { TurnHandle } from '../../observables/turn-context.js';

/**
 * Subscribes `subscriber` to `source` and returns the one turn upstream of it, or errors the
 * subscriber (and returns undefined) when there is not exactly one.
 */
export function subscribeFindingTurn<T>(
  operator: string,
  source: Observable<T>,
  subscriber: Subscriber<T>,
): [Subscription, TurnHandle | undefined] {
  const [subscription, turns] = captureTurns(() => source.subscribe(subscriber));
  if (subscriber.closed) return [subscription, undefined];
  const unique = [...new Set(turns)];
  if (unique.length !== 1) {
    subscriber.error(
      new CodexError(
        `${operator}() found ${unique.length} turns upstream; use it in a pipe over exactly one thread.turn()`,
        { code: 'no_turn_upstream' },
      ),
    );
    return [subscription, undefined];
  }
  return [subscription, unique[0]];
}
