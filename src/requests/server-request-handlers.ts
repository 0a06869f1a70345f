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

/** A server request whose method the generated protocol of this codex-rx does not declare. */
export interface UnknownServerRequest {
  /** The JSON-RPC id. */
  readonly id: string | number;
  /** The method, as the server sent it. */
  readonly method: string;
  /** The params, unchecked: narrow them before use. */
  readonly params: unknown;
  /** The thread the params name (`params.threadId`), when they name one. */
  readonly threadId: string | undefined;
}

/**
 * Answers a server request that codex-rx does not know (a method newer than its generated
 * protocol): return the JSON result, or a Promise of it; return `undefined` to leave it refused
 * (`-32601`). A throw (or rejection) is answered with a JSON-RPC error (`-32603`) naming the
 * method; it never reaches the event loop.
 */
export type UnknownServerRequestHandler = (request: UnknownServerRequest) => unknown;

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
  /**
   * Opt-in answer for server requests whose method the generated protocol does not declare, so an
   * app can answer a request a newer server sends before codex-rx is regenerated. Without it
   * (the default) such requests are refused with JSON-RPC `-32601`. They never reach
   * `serverRequests$`; the narrowest level (turn, thread, client) that has one is asked, by the
   * thread and turn the params name.
   */
  readonly unknownRequest?: UnknownServerRequestHandler;
};

/**
 * Accepts every approval request. Never a default: name it to use it —
 * `Codex.start({ handlers: autoApprove })` — and only with a sandbox you trust.
 */
export const autoApprove: ServerRequestHandlers = Object.freeze({ approval: 'accept' });
