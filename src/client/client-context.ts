import type { Observable } from 'rxjs';
import type { Logger } from '../logger.js';
import type { NotificationRouter } from '../observables/notification-router.js';
import type { CodexNotification } from '../protocol/methods.js';
import type { ServerRequestDispatcher } from '../requests/server-request-dispatcher.js';
import type { RequestOptions, RpcConnection } from '../rpc/rpc-connection.js';

/** What threads, turns and handles share with their client. Internal. */
export interface ClientContext {
  readonly rpc: RpcConnection;
  readonly router: NotificationRouter;
  readonly notifications$: Observable<CodexNotification>;
  readonly logger: Logger;
  readonly serverRequests: ServerRequestDispatcher;
  /** Timeout for control requests (not turns), when set. */
  readonly requestTimeoutMs: number | undefined;
  request(method: string, params: unknown, options?: RequestOptions): Promise<unknown>;
}
