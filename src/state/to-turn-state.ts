import { Observable } from 'rxjs';
import type { OperatorFunction, Subscription } from 'rxjs';
import { captureTurns } from '../observables/turn-context.js';
import { reduceTurnState } from './reduce-turn-state.js';
import { INITIAL_TURN_STATE } from './turn-state.js';
import type { StateEvent, TurnState } from './turn-state.js';

/** Options of {@link toTurnState}. */
export interface ToTurnStateOptions {
  /** The state to fold onto (default: an empty turn). */
  initial?: TurnState;
}

/**
 * Folds a turn's events into {@link TurnState} snapshots, one per event that changed something:
 * `thread.turn(input).pipe(toTurnState())`. Applied over a `thread.turn()` it also folds that
 * turn's server requests into `pendingRequests` (without changing how they are answered); over
 * any other source of events (a recording, events sent to a browser) it folds what it is given.
 * Completes and errors with its source.
 */
export function toTurnState(
  options: ToTurnStateOptions = {},
): OperatorFunction<StateEvent, TurnState> {
  return (source) =>
    new Observable<TurnState>((subscriber) => {
      let state = options.initial ?? INITIAL_TURN_STATE;
      const fold = (event: StateEvent): void => {
        const next = reduceTurnState(state, event);
        if (next === state) return;
        state = next;
        subscriber.next(state);
      };
      const [subscription, turns] = captureTurns(() =>
        source.subscribe({
          next: fold,
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        }),
      );
      const turn = new Set(turns).size === 1 ? turns[0] : undefined;
      let requests: Subscription | undefined;
      // Errors of the request view end with the turn, which reports them itself.
      if (turn && !subscriber.closed)
        requests = turn.requestEvents$.subscribe({ next: fold, error: () => undefined });
      return () => {
        requests?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
