import type { Observable } from 'rxjs';
import type { FullLogger } from './logger.js';
import type { NotificationRouter } from './observables/notification-router.js';
import type {
  ClientRequestMethod,
  ClientRequestParams,
  ClientRequestResult,
  CodexNotification,
} from './protocol/methods.js';
import type { ServerRequestDispatcher } from './requests/server-request-dispatcher.js';
import type { RequestOptions, RpcConnection } from './rpc/rpc-connection.js';

/**
 * What threads, turns and handles share with their client. Internal. It sits below `thread/` and
 * `client/` so that both can use it without either importing the other.
 */
export interface ClientContext {
  readonly rpc: RpcConnection;
  readonly router: NotificationRouter;
  readonly notifications$: Observable<CodexNotification>;
  readonly logger: FullLogger;
  /** The client's default `turnStallTimeoutMs` (off when undefined). */
  readonly turnStallTimeoutMs?: number | undefined;
  /** The bound on control requests, in ms (undefined when they have none). */
  readonly controlTimeoutMs: number | undefined;
  readonly serverRequests: ServerRequestDispatcher;
  /** Any client request, typed from the generated protocol by its method. */
  request<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestParams<M> | undefined,
    options?: RequestOptions,
  ): Promise<ClientRequestResult<M>>;
  /**
   * A control request (not a turn): `request` with the client's control-request timeout, typed
   * from the generated protocol by its method.
   */
  control<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestParams<M>,
  ): Promise<ClientRequestResult<M>>;
  /**
   * Resolves when the server can run turns; rejects with `NotSignedInError` when it has no
   * credentials its model provider needs. Asks `account/read` once, again after `account/updated`.
   * When the connection ends during the check, the error names `forMethod` (the call the user
   * made, e.g. `turn/start`), not the check.
   */
  ensureSignedIn(forMethod: string): Promise<void>;
}
