import { Observable, from } from 'rxjs';
import type { MonoTypeOperatorFunction, ObservableInput } from 'rxjs';
import type { RunInput } from '../run-input.js';
import { subscribeFindingTurn } from './upstream-turn.js';

/**
 * Steers the turn upstream with each input `inputs$` emits (`turn/steer`), in order. Works
 * anywhere in a pipe over one `thread.turn()`; events pass through unchanged. A steer that fails
 * while the turn is still running errors the stream; one that loses the race with the turn's end
 * is dropped.
 */
export function steerWhen<T>(inputs$: ObservableInput<RunInput>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const [subscription, turn] = subscribeFindingTurn('steerWhen', source, subscriber);
      if (!turn) return subscription;
      const inputs = from(inputs$).subscribe({
        next: (input) => {
          turn.steer(input).catch((error: unknown) => {
            if (!turn.ended) subscriber.error(error);
          });
        },
        error: (error: unknown) => subscriber.error(error),
      });
      return () => {
        inputs.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
