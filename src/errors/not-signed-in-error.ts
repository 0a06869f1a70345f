import { CodexError } from './codex-error.js';

/**
 * A turn was started on a server that has no usable credentials: `account/read` says the model
 * provider needs an OpenAI login and there is none. Without this check the server retries the
 * model forever ("Reconnecting… waiting for network") and the turn never ends. `data` holds the
 * `account/read` answer.
 */
export class NotSignedInError extends CodexError {
  override name = 'NotSignedInError';
  constructor(account: unknown) {
    super(
      'turn/start: the Codex app-server has no credentials for its model provider. Sign in once ' +
        'with `npx codex login`, call `codex.loginApiKey(key)`, or start it with a `codexHome` ' +
        'that is signed in.',
      { method: 'turn/start', code: 'not_signed_in', data: account },
    );
  }
}
