import { aiPeer, aiPeerReady } from './ai-peer.js';
import type { UIMessageChunk } from 'ai';
import type { ServerResponse } from 'node:http';
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
 * web `Response`. Closing the connection unsubscribes `chunks$`.
 */
export function toUIMessageStreamResponse(
  chunks$: Observable<UIMessageChunk>,
  init: { status?: number; headers?: Record<string, string> } = {},
): Response {
  return aiPeer().createUIMessageStreamResponse({ ...init, stream: toReadableStream(chunks$) });
}

/** The same, written to a Node `http.ServerResponse`; resolves when the stream has ended. */
export async function pipeUIMessageStreamToNodeResponse(
  chunks$: Observable<UIMessageChunk>,
  response: ServerResponse,
  init: { status?: number; headers?: Record<string, string> } = {},
): Promise<void> {
  const { pipeUIMessageStreamToResponse } = await aiPeerReady();
  return pipeUIMessageStreamToResponse({ ...init, response, stream: toReadableStream(chunks$) });
}
