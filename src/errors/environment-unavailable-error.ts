import { CodexError } from './codex-error.js';

/**
 * An executor registered with `codex.addEnvironment()` did not become ready: the app-server
 * could not reach it, or it refused the credential (`code: 'authentication_failed'`, HTTP 401).
 * The message quotes the server's reason and the URL, never the credential.
 */
export class EnvironmentUnavailableError extends CodexError {
  override name = 'EnvironmentUnavailableError';

  constructor(
    /** The environment that is not ready. */
    readonly environmentId: string,
    /** Its URL, as given (carries no credential). */
    readonly url: string,
    /** The last status the server reported (`disconnected`, `pending`, `unknown`). */
    readonly status: string,
    /** The server's reason, if it gave one. */
    readonly reason: string | undefined,
  ) {
    const refused = /\b401\b|unauthori[sz]ed/i.test(reason ?? '');
    super(
      `environment ${environmentId} at ${url} is ${status}` +
        (refused ? ': the executor refused the credential' : '') +
        (reason ? ` (${reason})` : ''),
      {
        method: 'environment/add',
        code: refused ? 'authentication_failed' : 'environment_unavailable',
        data: { environmentId, url, status, reason },
      },
    );
  }
}
