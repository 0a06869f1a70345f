import { CodexError } from './codex-error.js';

/**
 * The connection's credentials failed: the app-server answered the WebSocket upgrade with 401 (no
 * token, a wrong one, an expired or mis-addressed signed token), or no token could be had from
 * where the options said to get it (`tokenFile` missing, empty or of several lines; `bearer()`
 * threw, hung or returned no token) and nothing was sent. `url`, `source` and the message carry
 * no credentials.
 */
export class AuthenticationError extends CodexError {
  override name = 'AuthenticationError';
  /** Where the token was to come from when getting it failed: `tokenFile <path>`, `bearer()`, `token`. */
  readonly source: string | undefined;

  constructor(
    /** Where the client connected, without credentials. */
    readonly url: string,
    /** The HTTP status of the refused upgrade; undefined when no token could be had to send. */
    readonly status: number | undefined,
    /** What failed in getting the token, when that is what failed (nothing was sent). */
    credential?: { source: string; problem: string; cause?: unknown },
  ) {
    super(
      credential
        ? `no token for the app-server at ${url}: ${credential.source} ${credential.problem}`
        : `the app-server at ${url} refused the connection's credentials (HTTP ${status})`,
      {
        code: 'authentication_failed',
        data: { url, status, ...(credential ? { source: credential.source } : {}) },
        ...(credential?.cause !== undefined ? { cause: credential.cause } : {}),
      },
    );
    this.source = credential?.source;
  }
}
