import { Observable } from 'rxjs';
import type { OperatorFunction, Subscription } from 'rxjs';
import { foldChanges } from './fold-changes.js';
import { reduceTurnState } from './reduce-turn-state.js';
import { turnLinkOf } from './turn-link.js';
import type { TurnLink } from './turn-link.js';
import { INITIAL_TURN_STATE } from './turn-state.js';
import type { TurnState } from './turn-state.js';
import type { StateEvent } from './state-event.js';

/** Options of {@link toTurnState}. */
export interface ToTurnStateOptions {
  /** The state to fold onto (default: an empty turn). */
  initial?: TurnState;
}

/**
 * `source`, with the server requests of each turn whose events pass through it merged in (the
 * open ones as soon as the turn's first event passes, then as they come). The turn is known from
 * its events, so sharing, scheduling or mapping to turns upstream does not lose its requests.
 */
function withTurnRequests(source: Observable<StateEvent>): Observable<StateEvent> {
  return new Observable<StateEvent>((subscriber) => {
    let turn: TurnLink | undefined;
    let requests: Subscription | undefined;
    const subscription = source.subscribe({
      next: (event) => {
        subscriber.next(event);
        const link = turnLinkOf(event);
        if (link === undefined || link === turn || subscriber.closed) return;
        turn = link;
        requests?.unsubscribe();
        // Errors of the request view end with the turn, which reports them itself.
        requests = link.requestEvents$.subscribe({
          next: (request) => subscriber.next(request),
          error: () => undefined,
        });
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    return () => {
      requests?.unsubscribe();
      subscription.unsubscribe();
    };
  });
}

/**
 * Folds a turn's events into {@link TurnState} snapshots, one per event that changed something:
 * `thread.turn(input).pipe(toTurnState())`. Over a `thread.turn()` it also folds that turn's
 * server requests into `pendingRequests` (without changing how they are answered), however the
 * stream was composed: shared, scheduled, or made in a `switchMap`; over any other source of
 * events (a recording, events sent to a browser) it folds what it is given. Completes and errors
 * with its source.
 */
export function toTurnState(
  options: ToTurnStateOptions = {},
): OperatorFunction<StateEvent, TurnState> {
  const fold = foldChanges(reduceTurnState, options.initial ?? INITIAL_TURN_STATE);
  return (source) => fold(withTurnRequests(source));
}
