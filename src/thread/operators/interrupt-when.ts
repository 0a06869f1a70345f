import { Observable, from, take } from 'rxjs';
import type { MonoTypeOperatorFunction, ObservableInput } from 'rxjs';
import type { TurnLink } from '../../state/turn-link.js';
import { RunningTurn, noTurnUpstream } from './running-turn.js';

/**
 * Interrupts the turn whose events flow through it when `notifier$` first emits
 * (`turn/interrupt`). Unlike `takeUntil`, the stream does not stop there: it runs on to the
 * turn's `turn/completed` (status `interrupted`), so nothing the turn produced is lost.
 *
 * It learns the turn from the events themselves, so it works however the pipe is built: shared,
 * scheduled (`subscribeOn`), or over turns made in `switchMap` / `concatMap` / `mergeMap` /
 * `exhaustMap`. Where several turns pass through it one after another, it interrupts the one
 * running when `notifier$` emits. A notification before any turn event (in the turn's first
 * moments) interrupts the first turn whose event arrives. Place it where the turn's own event
 * objects pass (before a `map` that replaces them); if the source ends after `notifier$` emitted
 * without any, the stream errors (code `no_turn_upstream`).
 */
export function interruptWhen<T>(notifier$: ObservableInput<unknown>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const running = new RunningTurn();
      let pending = false;
      const interrupt = (turn: TurnLink): void => {
        turn.interrupt().catch((error: unknown) => {
          if (!turn.ended) subscriber.error(error);
        });
      };
      const subscription = source.subscribe({
        next: (event) => {
          const turn = running.observe(event);
          if (pending && turn) {
            pending = false;
            interrupt(turn);
          }
          subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (pending && !running.seen) subscriber.error(noTurnUpstream('interruptWhen'));
          else subscriber.complete();
        },
      });
      if (subscriber.closed) return subscription;
      const notifier = from(notifier$)
        .pipe(take(1))
        .subscribe({
          next: () => {
            const turn = running.now;
            if (turn) interrupt(turn);
            else pending = true;
          },
          error: (error: unknown) => subscriber.error(error),
        });
      return () => {
        notifier.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
