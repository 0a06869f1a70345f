import type { RequestId } from '../protocol/generated/RequestId.js';
import type { ServerRequest } from '../protocol/generated/ServerRequest.js';
import type { CodexNotification } from '../protocol/methods.js';

/**
 * What the state folds read: the server's notifications, and the requests it sends the client
 * (`{ id, method, params }`, as on the wire), which become a `TurnState`'s `pendingRequests`
 * until their `serverRequest/resolved`.
 */
export type StateEvent = CodexNotification | ServerRequest;

/** Whether an event is a server request (it carries the request `id`) rather than a notification. */
export function isServerRequest(event: StateEvent): event is ServerRequest {
  return (
    event !== null && typeof event === 'object' && (event as { id?: unknown }).id !== undefined
  );
}

/** The key two request ids compare by (`1` and `"1"` are different requests). */
export function requestKey(id: RequestId): string {
  return `${typeof id}:${String(id)}`;
}
