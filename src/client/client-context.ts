import type { Observable } from 'rxjs';
import type { FullLogger } from '../logger.js';
import type { NotificationRouter } from '../observables/notification-router.js';
import type { CodexNotification } from '../protocol/methods.js';
import type { ServerRequestDispatcher } from '../requests/server-request-dispatcher.js';
import type { RequestOptions, RpcConnection } from '../rpc/rpc-connection.js';

/** What threads, turns and handles share with their client. Internal. */
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
  request(method: string, params: unknown, options?: RequestOptions): Promise<unknown>;
  /** A control request (not a turn): `request` with the client's control-request timeout. */
  control(method: string, params: unknown): Promise<unknown>;
  /**
   * Resolves when the server can run turns; rejects with `NotSignedInError` when it has no
   * credentials its model provider needs. Asks `account/read` once, again after `account/updated`.
   */
  ensureSignedIn(): Promise<void>;
}
