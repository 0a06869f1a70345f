import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';

/**
 * Folds each event into the state with `reduce` and emits the state only when it changed: the
 * reducers return the very same object for an event that changes nothing, so a new reference is
 * the change. Completes and errors with its source. Each subscription folds from `initial`.
 */
export function foldChanges<E, S>(
  reduce: (state: S, event: E) => S,
  initial: S,
): OperatorFunction<E, S> {
  return (source) =>
    new Observable<S>((subscriber) => {
      let state = initial;
      return source.subscribe({
        next: (event) => {
          const next = reduce(state, event);
          if (next === state) return;
          state = next;
          subscriber.next(state);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
