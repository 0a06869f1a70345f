import { CodexError } from './codex-error.js';

/** A request got no answer within its timeout. */
export class TimeoutError extends CodexError {
  override name = 'TimeoutError';
  declare readonly method: string;
  constructor(
    method: string,
    /** The timeout that elapsed, in milliseconds. */
    readonly timeoutMs: number,
  ) {
    super(`${method} got no response within ${timeoutMs} ms`, {
      method,
      code: 'timeout',
      data: { timeoutMs },
    });
  }
}
