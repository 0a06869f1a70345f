import { CodexError } from './codex-error.js';

/** The client was closed (by `close()`) while the operation was pending or after it. */
export class ClosedError extends CodexError {
  override name = 'ClosedError';
  constructor(what: string, method?: string) {
    super(`${what}: the Codex client is closed`, { code: 'closed', ...(method ? { method } : {}) });
  }
}
