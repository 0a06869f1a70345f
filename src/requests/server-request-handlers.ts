import type {
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
} from '../protocol/methods.js';
import type { ApprovalShorthand } from './approvals.js';
import type { ServerRequestHandle } from './server-request-handle.js';

/** Answers one kind of server request: return the result, or a Promise of it. */
export type ServerRequestHandler<M extends ServerRequestMethod> = (
  params: ServerRequestParams<M>,
  request: ServerRequestHandle<M>,
) => ServerRequestResult<M> | Promise<ServerRequestResult<M>>;

/**
 * How the client answers the server's requests, by method, typed from the protocol. Given to the
 * client (`Codex.start({ handlers })`), a thread (`startThread(params, { handlers })`,
 * `thread.setHandlers()`) or a turn (`thread.turn(input, { handlers })`); for each request the
 * narrowest level with an answer for it wins.
 *
 * Nothing is approved unless you say so: with no handler, approvals are declined.
 */
export type ServerRequestHandlers = {
  readonly [M in ServerRequestMethod]?: ServerRequestHandler<M>;
} & {
  /**
   * Shorthand for every approval (commands, file changes, permissions, and their legacy forms):
   * `'accept'`, `'decline'`, or a function returning the decision. A handler for a specific
   * method at the same level takes precedence.
   */
  readonly approval?: ApprovalShorthand;
};

/**
 * Accepts every approval request. Never a default: name it to use it —
 * `Codex.start({ handlers: autoApprove })` — and only with a sandbox you trust.
 */
export const autoApprove: ServerRequestHandlers = Object.freeze({ approval: 'accept' });
