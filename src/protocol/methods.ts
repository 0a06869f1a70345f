/**
 * Typed projections of the generated protocol unions: method string → params → result.
 * Everything here is derived from `./generated`; nothing restates the protocol by hand.
 */
import type { ClientRequest } from './generated/ClientRequest.js';
import type {
  ClientResponseByMethod,
  ServerRequestResponseByMethod,
} from './generated/MethodResponses.js';
import type { ServerNotificationEnvelope } from './generated/ServerNotificationEnvelope.js';
import type { ServerRequest } from './generated/ServerRequest.js';

/** Every method the client can call on the server. */
export type ClientRequestMethod = ClientRequest['method'];

/** The params type of client request `M` (`undefined` for methods that take none). */
export type ClientRequestParams<M extends ClientRequestMethod> =
  Extract<ClientRequest, { method: M }> extends { params?: infer P } ? P : undefined;

/** The result type of client request `M`. */
export type ClientRequestResult<M extends ClientRequestMethod> =
  M extends keyof ClientResponseByMethod ? ClientResponseByMethod[M] : never;

/**
 * A notification from the server, discriminated by `method`, with the server's `emittedAtMs`.
 *
 * A server newer than the pinned types can send methods outside this union; they are passed
 * through unchanged, so a `switch` over `method` should keep a default branch.
 */
export type CodexNotification = ServerNotificationEnvelope;

/** Every notification method the pinned protocol defines. */
export type NotificationMethod = CodexNotification['method'];

/** The notification whose method is `M`. */
export type NotificationOf<M extends NotificationMethod> = Extract<
  CodexNotification,
  { method: M }
>;

/** Every request method the server may send to the client. */
export type ServerRequestMethod = ServerRequest['method'];

/** The params of server request `M`. */
export type ServerRequestParams<M extends ServerRequestMethod> = Extract<
  ServerRequest,
  { method: M }
>['params'];

/** The result the client owes for server request `M`. */
export type ServerRequestResult<M extends ServerRequestMethod> = ServerRequestResponseByMethod[M];
