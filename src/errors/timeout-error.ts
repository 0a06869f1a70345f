import { CodexError } from './codex-error.js';

/** A request got no answer within its timeout. */
export class TimeoutError extends CodexError {
  override name = 'TimeoutError';
  declare readonly method: string;
  constructor(
    method: string,
    /** The timeout that elapsed, in milliseconds. */
    readonly timeoutMs: number,
    /** @internal For timeouts other than a request's: the message, code and extra data. */
    detail?: { message: string; code: string; data?: Record<string, unknown> },
  ) {
    super(detail?.message ?? `${method} got no response within ${timeoutMs} ms`, {
      method,
      code: detail?.code ?? 'timeout',
      data: { timeoutMs, ...detail?.data },
    });
  }
}
