import { Observable, from } from 'rxjs';
import type { MonoTypeOperatorFunction, ObservableInput } from 'rxjs';
import { CodexError } from '../../errors/codex-error.js';
import type { TurnLink } from '../../state/turn-link.js';
import type { RunInput } from '../run-input.js';
import { RunningTurn, noTurnUpstream } from './running-turn.js';

/**
 * Steers the turn whose events flow through it with each input `inputs$` emits (`turn/steer`),
 * in order; events pass through unchanged. A steer that fails while the turn is still running
 * errors the stream; one that loses the race with the turn's end is dropped.
 *
 * It learns the turn from the events themselves, so it works however the pipe is built: shared,
 * scheduled (`subscribeOn`), or over turns made in `switchMap` / `concatMap` / `mergeMap` /
 * `exhaustMap`. Where several turns pass through it one after another, each input steers the
 * one running when it arrives; inputs that arrive before a turn's first event (or between two
 * turns) wait for the next turn's first event. Place it where the turn's own event objects pass
 * (before a `map` that replaces them); if the source ends with inputs waiting and no turn event
 * seen, the stream errors (code `no_turn_upstream`).
 */
export function steerWhen<T>(inputs$: ObservableInput<RunInput>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const running = new RunningTurn();
      const waiting: RunInput[] = [];
      const steer = (turn: TurnLink, input: RunInput): void => {
        turn.steer(input).catch((error: unknown) => {
          // A turn that has ended, or is being interrupted, has nothing to steer: not an error.
          if (!turn.ended && !(error instanceof CodexError && error.code === 'turn_ended'))
            subscriber.error(error);
        });
      };
      const subscription = source.subscribe({
        next: (event) => {
          const turn = running.observe(event);
          if (turn) for (const input of waiting.splice(0)) steer(turn, input);
          subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (waiting.length > 0 && !running.seen) subscriber.error(noTurnUpstream('steerWhen'));
          else subscriber.complete();
        },
      });
      if (subscriber.closed) return subscription;
      const inputs = from(inputs$).subscribe({
        next: (input) => {
          const turn = running.now;
          if (turn) steer(turn, input);
          else waiting.push(input);
        },
        error: (error: unknown) => subscriber.error(error),
      });
      return () => {
        inputs.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
