import { Observable, from, take } from 'rxjs';
import type { MonoTypeOperatorFunction, ObservableInput } from 'rxjs';
import { subscribeFindingTurn } from './upstream-turn.js';

/**
 * Interrupts the turn upstream when `notifier$` first emits (`turn/interrupt`). Unlike
 * `takeUntil`, the stream does not stop there: it runs on to the turn's `turn/completed` (status
 * `interrupted`), so nothing the turn produced is lost. Works anywhere in a pipe over one
 * `thread.turn()`.
 */
export function interruptWhen<T>(notifier$: ObservableInput<unknown>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const [subscription, turn] = subscribeFindingTurn('interruptWhen', source, subscriber);
      if (!turn) return subscription;
      const notifier = from(notifier$)
        .pipe(take(1))
        .subscribe({
          next: () => {
            turn.interrupt().catch((error: unknown) => {
              if (!turn.ended) subscriber.error(error);
            });
          },
          error: (error: unknown) => subscriber.error(error),
        });
      return () => {
        notifier.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
