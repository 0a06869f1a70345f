import { checkTimerMs } from '../timer-ms.js';
import { Observable } from 'rxjs';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import type { ThreadSearchParams } from '../protocol/generated/v2/ThreadSearchParams.js';
import type { ThreadSearchResponse } from '../protocol/generated/v2/ThreadSearchResponse.js';
import type { ThreadSearchResult } from '../protocol/generated/v2/ThreadSearchResult.js';
import type { ClientContext } from '../client-context.js';

const METHOD = 'thread/search/stream';

/**
 * Options of {@link Codex.searchThreads$}: every `thread/search/stream` parameter but the query
 * (`limit`, `sortKey`, `archived`, `sourceKinds`, `cursor`, …), and a timeout.
 */
export type SearchThreadsOptions = Omit<ThreadSearchParams, 'searchTerm'> & {
  /** Error with `TimeoutError` when the final answer has not come within this many ms. */
  readonly timeoutMs?: number;
};

/**
 * What {@link Codex.searchThreads$} emits: zero or more `partial` batches as the server finds
 * matches, then exactly one `final` answer, then completion.
 */
export type ThreadSearchEvent =
  | {
      readonly type: 'partial';
      /**
       * Best-effort early matches (`thread/search/partial`): unique, in discovery order, possibly
       * incomplete or outside the final page. Replace them with the final answer.
       */
      readonly data: readonly ThreadSearchResult[];
    }
  | {
      readonly type: 'final';
      /** The authoritative page: results, `nextCursor` and `backwardsCursor`. */
      readonly response: ThreadSearchResponse;
    };

/** The Observable behind {@link Codex.searchThreads$}; see there. */
export function searchThreads$(
  ctx: ClientContext,
  query: string,
  options: SearchThreadsOptions = {},
): Observable<ThreadSearchEvent> {
  if (typeof query !== 'string' || query.trim() === '') {
    throw new InvalidInputError('query', 'must be a non-empty string', METHOD);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidInputError('options', 'must be an object', METHOD);
  }
  const { timeoutMs, ...params } = options;
  checkTimerMs('options.timeoutMs', timeoutMs, METHOD);
  return new Observable<ThreadSearchEvent>((subscriber) => {
    // Set synchronously as the request is written, so no partial of ours can come before it.
    let requestId: number | string | undefined;
    let settled = false;
    const abort = new AbortController();
    const partials = ctx.notifications$.subscribe((n) => {
      if (n.method !== 'thread/search/partial' || requestId === undefined) return;
      // A malformed partial (no params, no data array) is skipped: the final page is what counts.
      const params = n.params as Partial<typeof n.params> | undefined;
      if (params?.requestId === requestId && Array.isArray(params.data))
        subscriber.next({ type: 'partial', data: params.data });
    });
    ctx
      .request(
        METHOD,
        { ...params, searchTerm: query },
        {
          signal: abort.signal,
          onWritten: (id) => {
            requestId = id;
          },
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        },
      )
      .then(
        (response) => {
          settled = true;
          partials.unsubscribe();
          subscriber.next({ type: 'final', response: response });
          subscriber.complete();
        },
        (error: unknown) => {
          settled = true;
          partials.unsubscribe();
          // Given up on here (our timeout): the server would search on for nobody.
          if (error instanceof TimeoutError) cancel();
          subscriber.error(error);
        },
      );
    const cancel = (): void => {
      if (requestId === undefined || ctx.rpc.isClosed) return;
      ctx.control('thread/search/stream/cancel', { requestId }).catch((error: unknown) => {
        ctx.logger.debug?.(
          `codex-rx: thread/search/stream/cancel failed: ${(error as Error)?.message ?? String(error)}`,
        );
      });
    };
    return () => {
      partials.unsubscribe();
      if (settled) return;
      settled = true;
      // Stops waiting here (and sending, if the request still waits for a slot)…
      abort.abort();
      // …and tells the server to stop searching, when the request reached it.
      cancel();
    };
  });
}
