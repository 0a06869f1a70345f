import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { CodexError } from '../../errors/codex-error.js';
import { OutputParseError, TurnFailedError } from '../../errors/turn-errors.js';
import type { ThreadItem } from '../../protocol/generated/v2/ThreadItem.js';
import type { ThreadTokenUsage } from '../../protocol/generated/v2/ThreadTokenUsage.js';
import type { CodexNotification } from '../../protocol/methods.js';
import { finalResponseOf } from '../../state/final-response.js';
import type { RunResult } from '../run-result.js';

/** Options for {@link toRunResult}. */
export interface ToRunResultOptions {
  /** Parse the final response as JSON into `parsedResponse` (what `outputSchema` turns want). */
  parseJson?: boolean;
}

/**
 * Reduces a turn's events into its {@link RunResult}, emitted when the stream completes (the
 * reduce that `thread.run()` uses). Errors with {@link TurnFailedError} (carrying the partial
 * result) for a failed turn, and when the stream ends without `turn/completed`.
 */
export function toRunResult<T = unknown>(
  options: ToRunResultOptions = {},
): OperatorFunction<CodexNotification, RunResult<T>> {
  return (source) =>
    new Observable<RunResult<T>>((subscriber) => {
      const items: ThreadItem[] = [];
      let usage: ThreadTokenUsage | null = null;
      let completed: Extract<CodexNotification, { method: 'turn/completed' }> | undefined;
      return source.subscribe({
        next: (event) => {
          switch (event.method) {
            case 'item/completed':
              items.push(event.params.item);
              break;
            case 'thread/tokenUsage/updated':
              usage = event.params.tokenUsage;
              break;
            case 'turn/completed':
              completed = event;
              break;
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (!completed) {
            subscriber.error(
              new CodexError('the turn stream ended without turn/completed', {
                code: 'turn_incomplete',
              }),
            );
            return;
          }
          const { turn, threadId } = completed.params;
          const status = turn.status === 'inProgress' ? 'completed' : turn.status;
          const finalResponse = finalResponseOf(items);
          const result: RunResult<T> = {
            id: turn.id,
            threadId,
            status,
            error: turn.error,
            startedAt: turn.startedAt,
            completedAt: turn.completedAt,
            durationMs: turn.durationMs,
            finalResponse,
            items,
            usage,
          };
          if (status === 'failed') {
            subscriber.error(new TurnFailedError(turn.error, result));
            return;
          }
          if (options.parseJson && status === 'completed' && finalResponse !== null) {
            try {
              subscriber.next({ ...result, parsedResponse: JSON.parse(finalResponse) as T });
            } catch (error) {
              subscriber.error(new OutputParseError(finalResponse, error));
              return;
            }
          } else {
            subscriber.next(result);
          }
          subscriber.complete();
        },
      });
    });
}
