import { CodexError } from './codex-error.js';

/**
 * The app-server refused the connection for its credentials: the WebSocket upgrade was answered
 * 401 (no token, a wrong one, an expired or mis-addressed signed token). `url` carries no
 * credentials, nor does the message.
 */
export class AuthenticationError extends CodexError {
  override name = 'AuthenticationError';
  constructor(
    /** Where the client connected, without credentials. */
    readonly url: string,
    /** The HTTP status of the refused upgrade. */
    readonly status: number,
  ) {
    super(`the app-server at ${url} refused the connection's credentials (HTTP ${status})`, {
      code: 'authentication_failed',
      data: { url, status },
    });
  }
}
