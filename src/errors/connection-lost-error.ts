import { CodexError } from './codex-error.js';

/**
 * The connection to a remote app-server was lost: the socket closed or failed, or the server
 * stopped answering pings. Every pending request and running turn fails with it. `url` carries
 * no credentials.
 */
export class ConnectionLostError extends CodexError {
  override name = 'ConnectionLostError';
  constructor(
    /** Where the client was connected, without credentials. */
    readonly url: string,
    /** What happened, e.g. `socket closed (1006)` or `no pong within 10000 ms`. */
    readonly reason: string,
    /** The request that was waiting, if any. */
    method?: string,
  ) {
    super(
      `${method ? `${method} failed: ` : ''}lost the connection to the app-server at ${url}: ${reason}`,
      { code: 'connection_lost', data: { url, reason }, ...(method ? { method } : {}) },
    );
  }
}
