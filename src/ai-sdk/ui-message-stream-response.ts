import { aiPeer, aiPeerReady } from './ai-peer.js';
import type { UIMessageChunk } from 'ai';
import type { ServerResponse } from 'node:http';
import { catchError, of } from 'rxjs';
import type { Observable } from 'rxjs';

/**
 * An Observable as a web `ReadableStream`: subscribed when read, unsubscribed when the reader
 * cancels (the HTTP client went away), so the upstream turn's teardown runs.
 */
export function toReadableStream<T>(source$: Observable<T>): ReadableStream<T> {
  let subscription: { unsubscribe(): void } | undefined;
  return new ReadableStream<T>({
    start(controller) {
      subscription = source$.subscribe({
        next: (value) => controller.enqueue(value),
        error: (error: unknown) => controller.error(error),
        complete: () => controller.close(),
      });
    },
    cancel() {
      subscription?.unsubscribe();
    },
  });
}

/**
 * A `Response` streaming the chunks as the AI SDK's UI message stream (server-sent events with
 * the protocol's headers): return it from a Next.js route handler, Hono, or anything that speaks
 * web `Response`. Closing the connection unsubscribes `chunks$`; an error of `chunks$` is sent as
 * an `error` chunk, which `useChat` shows.
 */
export function toUIMessageStreamResponse(
  chunks$: Observable<UIMessageChunk>,
  init: { status?: number; headers?: Record<string, string> } = {},
): Response {
  return aiPeer().createUIMessageStreamResponse({
    ...init,
    stream: toReadableStream(visibleErrors(chunks$)),
  });
}

/** The same, written to a Node `http.ServerResponse`; resolves when the stream has ended. */
export async function pipeUIMessageStreamToNodeResponse(
  chunks$: Observable<UIMessageChunk>,
  response: ServerResponse,
  init: { status?: number; headers?: Record<string, string> } = {},
): Promise<void> {
  const { pipeUIMessageStreamToResponse } = await aiPeerReady();
  return pipeUIMessageStreamToResponse({
    ...init,
    response,
    stream: toReadableStream(visibleErrors(chunks$)),
  });
}

/**
 * The chunks, with an error of the Observable (a refused request, a lost connection) sent as
 * the stream's `error` chunk: a stream that errors is cut off, which the page can only see as
 * a failed read with no reason, while `useChat` shows an `error` chunk's text as the chat's error.
 */
function visibleErrors(chunks$: Observable<UIMessageChunk>): Observable<UIMessageChunk> {
  return chunks$.pipe(
    catchError((error: unknown) =>
      of<UIMessageChunk>({
        type: 'error',
        errorText: error instanceof Error ? error.message : String(error),
      }),
    ),
  );
}
